// The epoll panel: the interest list (fd, events, owner coroutine) and the last epoll_wait calls with their ready lists.

import { h } from "../dom";
import { nsToMs } from "../format";
import { t } from "../i18n";
import type { TraceModel } from "../trace/model";
import { maskText, workerShort } from "../trace/types";

export class EpollPanel {
  readonly root: HTMLElement;
  private interest: HTMLTableSectionElement;
  private when: HTMLElement;
  private waits: HTMLTableSectionElement;
  private lastVersion = -1;
  private lastAt: number | null = null;

  constructor(private model: TraceModel, private show = 30) {
    this.interest = h("tbody");
    this.when = h("span", { id: "epoll-when", class: "muted small-text" });
    this.waits = h("tbody");
    this.root = h("div", { class: "panel epoll-panel" },
      h("h3", null, t("epoll.interest"), " ", this.when),
      h("table", { id: "epoll-interest", class: "kv" },
        h("thead", null, h("tr", null, h("th", null, t("epoll.worker")), h("th", null, t("epoll.fd")), h("th", null, t("epoll.events")), h("th", null, t("epoll.owner")))),
        this.interest),
      h("h3", null, t("epoll.waits")),
      h("table", { id: "epoll-waits", class: "kv" },
        h("thead", null, h("tr", null, h("th", null, t("epoll.worker")), h("th", null, t("epoll.at")), h("th", null, t("epoll.timeout")), h("th", null, t("epoll.ready")))),
        this.waits));
  }

  /**
   * update redraws when the model or the time changed; call it only while the panel is visible. at is the
   * replay cursor: the interest list is drawn as it was then (null: as it is now).
   */
  update(at: number | null = null): void {
    const m = this.model;
    if (m.version === this.lastVersion && at === this.lastAt) return;
    this.lastVersion = m.version;
    this.lastAt = at;
    const base = Number.isFinite(m.minTs) ? m.minTs : 0;
    this.root.dataset.at = at === null ? "now" : String(at);
    this.when.textContent = at === null ? "" : t("replay.at", { t: nsToMs(at - base) });
    const rows = m.interestAt(at === null ? Infinity : at).slice(0, 500);
    this.interest.replaceChildren(...rows.map((it) => h("tr", { "data-fd": it.fd },
      h("td", null, workerShort(it.worker)), h("td", null, String(it.fd)), h("td", null, maskText(it.events)),
      h("td", null, it.owner ? `co ${it.owner}${it.req ? ` (req ${it.req})` : ""} · ${it.what}` : it.what))));
    const recent = m.recentWaits.slice(-this.show).reverse();
    this.waits.replaceChildren(...recent.map((w) => h("tr", null,
      h("td", null, workerShort(w.worker)), h("td", null, nsToMs(w.ts - base)), h("td", null, w.timeout < 0 ? "∞" : `${w.timeout} ms`),
      h("td", null, w.ready.length ? w.ready.map((r) => `fd ${r.fd} ${maskText(r.mask)}`).join(", ") : t("epoll.none")))));
  }
}
