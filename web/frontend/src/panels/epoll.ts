// The epoll panel: the interest list (fd, events, owner coroutine) and the last epoll_wait calls with their ready lists.

import { h } from "../dom";
import { nsToMs } from "../format";
import { t } from "../i18n";
import type { TraceModel } from "../trace/model";
import { maskText } from "../trace/types";

export class EpollPanel {
  readonly root: HTMLElement;
  private interest: HTMLTableSectionElement;
  private waits: HTMLTableSectionElement;
  private lastVersion = -1;

  constructor(private model: TraceModel, private show = 30) {
    this.interest = h("tbody");
    this.waits = h("tbody");
    this.root = h("div", { class: "panel epoll-panel" },
      h("h3", null, t("epoll.interest")),
      h("table", { id: "epoll-interest", class: "kv" },
        h("thead", null, h("tr", null, h("th", null, t("epoll.worker")), h("th", null, t("epoll.fd")), h("th", null, t("epoll.events")), h("th", null, t("epoll.owner")))),
        this.interest),
      h("h3", null, t("epoll.waits")),
      h("table", { id: "epoll-waits", class: "kv" },
        h("thead", null, h("tr", null, h("th", null, t("epoll.worker")), h("th", null, t("epoll.at")), h("th", null, t("epoll.timeout")), h("th", null, t("epoll.ready")))),
        this.waits));
  }

  /** update redraws when the model changed; call it only while the panel is visible. */
  update(): void {
    const m = this.model;
    if (m.version === this.lastVersion) return;
    this.lastVersion = m.version;
    const base = Number.isFinite(m.minTs) ? m.minTs : 0;
    const rows = [...m.interest.values()].sort((a, b) => a.worker - b.worker || a.fd - b.fd).slice(0, 500);
    this.interest.replaceChildren(...rows.map((it) => h("tr", { "data-fd": it.fd },
      h("td", null, String(it.worker)), h("td", null, String(it.fd)), h("td", null, maskText(it.events)),
      h("td", null, it.owner ? `co ${it.owner}${it.req ? ` (req ${it.req})` : ""} · ${it.what}` : it.what))));
    const recent = m.recentWaits.slice(-this.show).reverse();
    this.waits.replaceChildren(...recent.map((w) => h("tr", null,
      h("td", null, String(w.worker)), h("td", null, nsToMs(w.ts - base)), h("td", null, w.timeout < 0 ? "∞" : `${w.timeout} ms`),
      h("td", null, w.ready.length ? w.ready.map((r) => `fd ${r.fd} ${maskText(r.mask)}`).join(", ") : t("epoll.none")))));
  }
}
