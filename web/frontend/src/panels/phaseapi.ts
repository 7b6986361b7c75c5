// What a phase may call: the ngx APIs ngx_lua allows in it, from the engine's API table (boot data),
// shown under the phase map for the phase under the pointer or in focus.

import type { ApiUse } from "../boot";
import { h } from "../dom";
import { t } from "../i18n";
import { tracePhases } from "../trace/phases";

/** PhaseApis is one phase's share of the API: its own calls, those of them that yield, and those any phase has. */
export interface PhaseApis {
  own: ApiUse[];
  yields: ApiUse[];
  any: ApiUse[];
}

/** apisOf splits the APIs a phase may call; "any" entries (every phase) are kept apart. */
export function apisOf(api: ApiUse[], phase: string): PhaseApis {
  const own: ApiUse[] = [], any: ApiUse[] = [];
  // the map's "ssl" node is the API table's "ssl_cert" (ssl_certificate_by_lua)
  const names = tracePhases(phase);
  for (const a of api) {
    if (a.any) any.push(a);
    else if (a.phases.some((p) => names.includes(p))) own.push(a);
  }
  return { own, yields: own.filter((a) => a.yields), any };
}

/** renderPhaseApis fills el with a phase's summary: how many calls, which may yield, and the full list. */
export function renderPhaseApis(el: HTMLElement, api: ApiUse[], phase: string): void {
  const p = apisOf(api, phase);
  const name = h("strong", null, phase);
  if (p.own.length === 0) {
    el.replaceChildren(h("p", null, name, " ", t("phases.api.none")));
    return;
  }
  const yields = p.yields.length
    ? h("p", { class: "pm-yields" }, t("phases.api.yield", { n: p.yields.length }), " ",
      ...p.yields.flatMap((a, i) => [i ? ", " : "", h("code", null, a.name)]))
    : h("p", { class: "pm-yields none" }, t("phases.api.noyield"));
  const list = h("details", { class: "pm-list" },
    h("summary", null, t("phases.api.all", { n: p.own.length, m: p.any.length })),
    h("ul", null, p.own.map((a) => h("li", null, h("code", null, a.name), a.yields ? " ⏸" : ""))),
    h("p", { class: "muted" }, t("phases.api.any")),
    h("ul", { class: "pm-any" }, p.any.map((a) => h("li", null, h("code", null, a.name)))));
  el.replaceChildren(h("p", null, name, " ", t("phases.api.count", { n: p.own.length + p.any.length })), yields, list);
}
