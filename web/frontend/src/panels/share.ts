// The share panel: POST /api/share and show the link and the embed snippet with copy buttons.

import { api } from "../api";
import type { Workspace } from "../boot";
import { copyText, h } from "../dom";
import { t } from "../i18n";

export class SharePanel {
  readonly root: HTMLElement;
  private out: HTMLElement;
  private btn: HTMLButtonElement;

  constructor(private get: () => Workspace) {
    this.btn = h("button", { type: "button", id: "share", class: "primary", onclick: () => void this.share() }, t("share.go"));
    this.out = h("div", { id: "share-result", "aria-live": "polite" });
    this.root = h("div", { class: "panel share-panel" }, h("p", { class: "muted" }, t("share.hint")), this.btn, this.out);
  }

  private field(id: string, label: string, value: string): HTMLElement {
    const ta = h("textarea", { id, readonly: true, rows: value.length > 80 ? 3 : 1, spellcheck: "false" });
    ta.value = value;
    const b = h("button", { type: "button", class: "small" }, t("copy"));
    b.addEventListener("click", () => void copyText(value).then(() => (b.textContent = t("copied"))));
    return h("div", { class: "share-field" }, h("label", { for: id }, label), ta, b);
  }

  async share(): Promise<void> {
    this.btn.disabled = true;
    try {
      const r = await api.share(this.get());
      const url = new URL(r.url, location.href).href;
      this.out.replaceChildren(
        this.field("share-url", t("share.url"), url),
        this.field("share-embed", t("share.embed"), r.embed),
        h("p", null, h("a", { href: url, target: "_blank", rel: "noopener" }, url)));
    } catch (e) {
      this.out.replaceChildren(h("p", { class: "err" }, e instanceof Error ? e.message : String(e)));
    } finally {
      this.btn.disabled = false;
    }
  }
}
