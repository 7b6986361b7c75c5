// The teacher's read-only view of a learner's last trace (/teacher/sessions/{id}): GET
// /api/teacher/sessions/{id}/trace, drawn with the playground's timeline. It loads when the page opens and on Refresh.

import { labURL } from "../api";
import { h } from "../dom";
import { t } from "../i18n";
import { TraceModel } from "../trace/model";
import { Timeline } from "../trace/timeline";
import { ago, parseTrace } from "./model";

/** showTrace fills root (data-session: the learner's id) with the timeline of their last trace. */
export function showTrace(root: HTMLElement): void {
  const id = root.dataset.session ?? "";
  const model = new TraceModel();
  const timeline = new Timeline(model);
  const status = h("span", { id: "learner-trace-status", class: "note", "aria-live": "polite" }, t("teacher.trace.loading"));
  const refresh = h("button", { type: "button", id: "learner-trace-refresh" }, t("teacher.trace.refresh"));
  root.replaceChildren(h("p", null, refresh, " ", status), timeline.root);

  const load = async (): Promise<void> => {
    refresh.disabled = true;
    try {
      const res = await fetch(labURL(`/api/teacher/sessions/${encodeURIComponent(id)}/trace`), { credentials: "same-origin", cache: "no-store" });
      if (res.status === 401) {
        status.textContent = t("teacher.loggedout");
        return;
      }
      if (!res.ok) throw new Error(t("error.http", { status: res.status }));
      const tr = parseTrace(await res.json());
      model.clear();
      timeline.reset();
      model.ingest(tr.events);
      timeline.fit();
      const s = model.stats();
      root.dataset.events = String(s.events);
      root.dataset.requests = String(s.requests);
      // what the requests were ("GET /path"), for tests and the curious: the timeline draws them on its canvas
      root.dataset.labels = JSON.stringify(model.requests.list.filter((l) => l.kind === "request").slice(-20).map((l) => l.label));
      root.dataset.loads = String(Number(root.dataset.loads ?? "0") + 1);
      if (tr.events.length === 0) {
        status.textContent = t("teacher.trace.none");
      } else {
        const when = ago(Date.now(), tr.at);
        status.textContent = t("teacher.trace.shown", { e: s.events, r: s.requests, ago: when ? t(when[0], { n: when[1] }) : "" }) +
          (tr.dropped > 0 ? " " + t("teacher.trace.dropped", { n: tr.dropped }) : "");
      }
    } catch (e) {
      status.textContent = t("error.network", { msg: String(e) });
    } finally {
      refresh.disabled = false;
    }
  };
  refresh.addEventListener("click", () => void load());
  const loop = () => {
    timeline.frame();
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  void load();
}
