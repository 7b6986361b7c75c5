// An accessible tab strip: buttons with role=tab, arrow-key navigation, one visible panel at a time.

import { h } from "../dom";

export interface TabItem { key: string; label: string; el: HTMLElement }

export class Tabs {
  readonly root: HTMLElement;
  private buttons = new Map<string, HTMLButtonElement>();
  private panels = new Map<string, HTMLElement>();
  current: string;

  constructor(id: string, label: string, items: TabItem[], private onShow?: (key: string) => void) {
    const list = h("div", { class: "tabs", role: "tablist", "aria-label": label });
    const body = h("div", { class: "tab-body" });
    for (const it of items) {
      const b = h("button", {
        type: "button", role: "tab", class: "tab", id: `tab-${it.key}`, "aria-controls": `panel-${it.key}`,
        onclick: () => this.show(it.key),
      }, it.label);
      b.addEventListener("keydown", (e) => {
        const keys = items.map((x) => x.key);
        const i = keys.indexOf(it.key);
        let j = -1;
        if (e.key === "ArrowRight") j = (i + 1) % keys.length;
        else if (e.key === "ArrowLeft") j = (i - 1 + keys.length) % keys.length;
        if (j < 0) return;
        e.preventDefault();
        this.show(keys[j]);
        this.buttons.get(keys[j])?.focus();
      });
      const p = h("div", { class: "tab-panel", role: "tabpanel", id: `panel-${it.key}`, "aria-labelledby": `tab-${it.key}` }, it.el);
      list.appendChild(b);
      body.appendChild(p);
      this.buttons.set(it.key, b);
      this.panels.set(it.key, p);
    }
    this.root = h("section", { class: "tabbed", id }, list, body);
    this.current = items[0].key;
    this.show(this.current);
  }

  show(key: string): void {
    if (!this.panels.has(key)) return;
    this.current = key;
    for (const [k, b] of this.buttons) {
      const sel = k === key;
      b.setAttribute("aria-selected", sel ? "true" : "false");
      b.tabIndex = sel ? 0 : -1;
      this.panels.get(k)!.hidden = !sel;
    }
    this.onShow?.(key);
  }
}
