// The access_log panel: lines from `access` messages, as the instance wrote them to each access log file,
// each with its file's name; a filter by file; bounded. The lines never come from reading a file: the engine
// hands over what it writes (docs/web.md).

import { h } from "../dom";
import { t } from "../i18n";

export const MAX_ACCESS_LINES = 2000;

export class AccessLogPanel {
  readonly root: HTMLElement;
  private list: HTMLElement;
  private empty: HTMLElement;
  private filter: HTMLSelectElement;
  private droppedEl: HTMLElement;
  private files = new Set<string>();
  private dropped = 0;
  count = 0;

  constructor() {
    this.list = h("div", { id: "access-log", class: "access-log", role: "log", "data-count": "0", "data-total": "0" });
    this.empty = h("p", { class: "muted" }, t("accesslog.empty"));
    this.filter = h("select", { id: "access-log-file", class: "small", "aria-label": t("accesslog.file") },
      h("option", { value: "" }, t("accesslog.all")));
    this.filter.addEventListener("change", () => this.applyFilter());
    this.droppedEl = h("span", { id: "access-log-dropped", class: "muted" });
    this.droppedEl.hidden = true;
    this.root = h("div", { class: "panel accesslog-panel" },
      h("div", { class: "row" },
        h("label", { class: "muted" }, t("accesslog.file"), " ", this.filter),
        h("button", { type: "button", class: "small", onclick: () => this.clear() }, t("accesslog.clear")),
        this.droppedEl),
      this.empty, this.list);
  }

  /** add appends lines in the order the instance wrote them; dropped counts lines lost before them. */
  add(lines: { file: string; line: string }[], dropped = 0): void {
    if (dropped > 0) {
      this.dropped += dropped;
      this.droppedEl.textContent = t("accesslog.dropped", { n: this.dropped });
      this.droppedEl.hidden = false;
    }
    const stick = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 4;
    const shown = this.filter.value;
    for (const { file, line } of lines) {
      if (!this.files.has(file)) {
        this.files.add(file);
        this.filter.appendChild(h("option", { value: file }, file));
      }
      const row = h("div", { class: "al", "data-file": file }, h("span", { class: "al-file" }, file), " ", line);
      if (shown && shown !== file) row.hidden = true;
      this.list.appendChild(row);
      this.count++;
    }
    if (lines.length) this.empty.hidden = true;
    while (this.list.childElementCount > MAX_ACCESS_LINES) this.list.firstElementChild?.remove();
    this.list.dataset.count = String(this.list.childElementCount);
    this.list.dataset.total = String(this.count);
    if (stick) this.list.scrollTop = this.list.scrollHeight;
  }

  clear(): void {
    this.list.replaceChildren();
    this.list.dataset.count = "0";
    this.list.dataset.total = "0";
    this.count = 0;
    this.dropped = 0;
    this.droppedEl.hidden = true;
    this.empty.hidden = false;
  }

  private applyFilter(): void {
    const shown = this.filter.value;
    for (const row of Array.from(this.list.children) as HTMLElement[]) {
      row.hidden = !!shown && row.dataset.file !== shown;
    }
  }
}
