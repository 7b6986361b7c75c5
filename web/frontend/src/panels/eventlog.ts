// The event log: a virtualized, filterable table of trace events; clicking an event with a
// source line jumps the editor there.

import { api, type SourceLines } from "../api";
import { h } from "../dom";
import { nsToMs } from "../format";
import { t } from "../i18n";
import type { TraceModel } from "../trace/model";
import { maskText, workerShort, type TraceEvent } from "../trace/types";

const ROW_H = 20;

export interface EventFilter { kind: string; req: number; co: number; text: string }

/** matches tells whether an event passes the filter (0 / "" mean "any"). */
export function matches(ev: TraceEvent, f: EventFilter): boolean {
  if (f.kind && ev.kind !== f.kind) return false;
  if (f.req && ev.req !== f.req) return false;
  if (f.co && ev.co !== f.co) return false;
  if (f.text) {
    const hay = `${ev.kind} ${ev.detail ?? ""} ${ev.phase ?? ""} ${ev.source ?? ""}:${ev.line ?? ""} fd ${ev.fd ?? ""}`.toLowerCase();
    if (!hay.includes(f.text)) return false;
  }
  return true;
}

export function describe(ev: TraceEvent): string {
  const parts: string[] = [];
  if (ev.kind === "epoll_ready") return `fd ${ev.fd ?? -1} ${maskText(ev.arg ?? 0)}`;
  if (ev.kind === "epoll_wait") return `timeout ${ev.arg ?? -1} ms`;
  if (ev.detail) parts.push(ev.detail);
  if (ev.fd !== undefined) parts.push(`fd ${ev.fd}`);
  if (ev.arg !== undefined) parts.push(`arg ${ev.arg}`);
  if (ev.arg2 !== undefined) parts.push(`arg2 ${ev.arg2}`);
  return parts.join(" · ");
}

export class EventLogPanel {
  readonly root: HTMLElement;
  private kindSel: HTMLSelectElement;
  private reqIn: HTMLInputElement;
  private coIn: HTMLInputElement;
  private textIn: HTMLInputElement;
  private count: HTMLElement;
  private viewport: HTMLElement;
  private spacer: HTMLElement;
  private rows: HTMLElement;
  private filter: EventFilter = { kind: "", req: 0, co: 0, text: "" };
  private hits: number[] = [];
  private scanned = 0;
  private knownKinds = 0;
  private lastVersion = -1;
  private lastDraw = "";
  private stick = true;
  /** the clicked event's Lua line and its neighbours, highlighted by the server */
  private source: HTMLElement;

  constructor(private model: TraceModel, private onJump: (source: string, line: number) => void) {
    this.kindSel = h("select", { id: "log-kind" }, h("option", { value: "" }, t("log.filter.all")));
    this.reqIn = h("input", { id: "log-req", type: "number", min: 0, placeholder: "#" });
    this.coIn = h("input", { id: "log-co", type: "number", min: 0, placeholder: "#" });
    this.textIn = h("input", { id: "log-text", type: "search", placeholder: "…" });
    for (const el of [this.kindSel, this.reqIn, this.coIn, this.textIn]) el.addEventListener("input", () => this.setFilter());
    this.count = h("span", { class: "muted", id: "log-count" });
    this.spacer = h("div", { class: "vspacer" });
    this.rows = h("div", { class: "vrows" });
    this.viewport = h("div", { class: "vlist", id: "event-log", tabindex: 0, role: "table", "aria-label": t("tab.events") }, this.spacer, this.rows);
    this.viewport.addEventListener("scroll", () => {
      const v = this.viewport;
      this.stick = v.scrollTop + v.clientHeight >= v.scrollHeight - ROW_H;
      this.draw(true);
    });
    this.root = h("div", { class: "panel eventlog-panel" },
      h("div", { class: "row wrap filters" },
        h("label", null, t("log.filter.kind"), " ", this.kindSel),
        h("label", null, t("log.filter.req"), " ", this.reqIn),
        h("label", null, t("log.filter.co"), " ", this.coIn),
        h("label", null, t("log.filter.text"), " ", this.textIn),
        this.count),
      h("div", { class: "vhead", "aria-hidden": "true" },
        ...(["log.col.ts", "log.col.worker", "log.col.kind", "log.col.req", "log.col.co", "log.col.phase", "log.col.detail", "log.col.source"] as const)
          .map((k) => h("span", { class: "c-" + k.slice(8) }, t(k)))),
      this.viewport,
      (this.source = h("pre", { class: "chroma event-source", id: "event-source", "aria-live": "polite" })));
  }

  /** showSource fetches and shows the lines around file:line (server-side chroma tokens). */
  private showSource(file: string, line: number): void {
    api.source(file, line).then((s) => this.renderSource(s), () => this.source.replaceChildren());
  }

  private renderSource(s: SourceLines): void {
    this.source.dataset.file = s.file;
    this.source.dataset.line = String(s.line);
    this.source.replaceChildren(...s.lines.map((l) =>
      h("span", { class: l.n === s.line ? "line hl" : "line" },
        h("span", { class: "ln" }, String(l.n)),
        h("span", { class: "cl" }, ...l.tokens.map((tok) => (tok.c ? h("span", { class: tok.c }, tok.t) : tok.t)), "\n"))));
  }

  private setFilter(): void {
    this.filter = {
      kind: this.kindSel.value,
      req: Number(this.reqIn.value) || 0,
      co: Number(this.coIn.value) || 0,
      text: this.textIn.value.trim().toLowerCase(),
    };
    this.hits = [];
    this.scanned = this.model.first;
    this.lastVersion = -1;
    this.update();
  }

  /** update catches up with the model; call it while the panel is visible. */
  update(): void {
    const m = this.model;
    if (m.version === this.lastVersion) return;
    this.lastVersion = m.version;
    if (m.total < this.scanned) {
      this.hits = [];
      this.scanned = 0;
    }
    if (this.scanned < m.first) this.scanned = m.first;
    const f = this.filter;
    const any = !f.kind && !f.req && !f.co && !f.text;
    for (let s = this.scanned; s < m.total; s++) {
      if (any || matches(m.get(s)!, f)) this.hits.push(s);
    }
    this.scanned = m.total;
    if (this.hits.length && this.hits[0] < m.first) {
      let lo = 0;
      let hi = this.hits.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.hits[mid] < m.first) lo = mid + 1;
        else hi = mid;
      }
      this.hits.splice(0, lo);
    }
    if (m.kinds.size !== this.knownKinds) {
      this.knownKinds = m.kinds.size;
      const cur = this.kindSel.value;
      const kinds = [...m.kinds].sort();
      this.kindSel.replaceChildren(h("option", { value: "" }, t("log.filter.all")), ...kinds.map((k) => h("option", { value: k }, k)));
      this.kindSel.value = cur;
    }
    this.count.textContent = t("log.count", { n: this.hits.length });
    this.spacer.style.height = this.hits.length * ROW_H + "px";
    if (this.stick) this.viewport.scrollTop = this.viewport.scrollHeight;
    this.draw(false);
  }

  private draw(force: boolean): void {
    const v = this.viewport;
    const first = Math.max(0, Math.floor(v.scrollTop / ROW_H) - 5);
    const last = Math.min(this.hits.length, Math.ceil((v.scrollTop + v.clientHeight) / ROW_H) + 5);
    const key = `${first}:${last}:${this.hits[first]}:${this.hits[last - 1]}`;
    if (!force && key === this.lastDraw) return;
    this.lastDraw = key;
    const base = Number.isFinite(this.model.minTs) ? this.model.minTs : 0;
    const out: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const ev = this.model.get(this.hits[i]);
      if (!ev) continue;
      const src = ev.source ? `${ev.source}:${ev.line ?? 0}` : "";
      const row = h("div", { class: `vrow k-${ev.kind}${src ? " has-src" : ""}`, style: `top:${i * ROW_H}px`, role: "row", tabindex: src ? 0 : -1 },
        h("span", { class: "c-ts" }, nsToMs(ev.ts - base)),
        h("span", { class: "c-worker" }, workerShort(ev.worker)),
        h("span", { class: "c-kind" }, ev.kind),
        h("span", { class: "c-req" }, ev.req ? String(ev.req) : ""),
        h("span", { class: "c-co" }, ev.co ? String(ev.co) : ""),
        h("span", { class: "c-phase" }, ev.phase ?? ""),
        h("span", { class: "c-detail", title: describe(ev) }, describe(ev)),
        h("span", { class: "c-source" }, src));
      if (src) {
        const go = () => {
          this.onJump(ev.source as string, ev.line ?? 1);
          this.showSource(ev.source as string, ev.line ?? 1);
        };
        row.addEventListener("click", go);
        row.addEventListener("keydown", (e) => {
          if (e.key === "Enter") go();
        });
      }
      out.push(row);
    }
    this.rows.replaceChildren(...out);
  }
}
