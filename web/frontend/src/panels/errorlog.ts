// The error_log panel: lines from `log` messages, coloured by level, bounded.

import { h } from "../dom";
import { t } from "../i18n";

const LEVELS = ["stderr", "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"];
const MAX_LINES = 2000;

/** levelName turns a numeric (ngx.ERR=4) or textual level into a name. */
export function levelName(level: string | number | undefined): string {
  if (typeof level === "number") return LEVELS[level] ?? "info";
  const l = String(level ?? "").toLowerCase();
  if (l === "err") return "error";
  if (l === "warning") return "warn";
  return LEVELS.includes(l) ? l : "info";
}

export class ErrorLogPanel {
  readonly root: HTMLElement;
  private list: HTMLElement;
  private empty: HTMLElement;
  count = 0;

  constructor() {
    this.list = h("div", { id: "error-log", class: "error-log", role: "log" });
    this.empty = h("p", { class: "muted" }, t("errorlog.empty"));
    this.root = h("div", { class: "panel errorlog-panel" },
      h("div", { class: "row" }, h("button", { type: "button", class: "small", onclick: () => this.clear() }, t("errorlog.clear"))),
      this.empty, this.list);
  }

  add(level: string | number, line: string): void {
    const name = levelName(level);
    const stick = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 4;
    this.list.appendChild(h("div", { class: `ll ll-${name}`, "data-level": name }, h("span", { class: "lvl" }, `[${name}]`), " ", line));
    this.count++;
    this.empty.hidden = true;
    while (this.list.childElementCount > MAX_LINES) this.list.firstElementChild?.remove();
    if (stick) this.list.scrollTop = this.list.scrollHeight;
  }

  clear(): void {
    this.list.replaceChildren();
    this.count = 0;
    this.empty.hidden = false;
  }
}
