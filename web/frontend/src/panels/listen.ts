// The address select of the request and burst panels: which listen address of nginx.conf a request goes to.

import type { ListenAddress } from "../api";
import { h } from "../dom";
import { t } from "../i18n";

/** ListenSelect lists the instance's listen addresses ("80", "443 ssl"); the first is the default. */
export class ListenSelect {
  readonly el: HTMLSelectElement;
  readonly label: HTMLElement;

  constructor(id: string) {
    this.el = h("select", { id, title: t("req.listen.title") });
    this.label = h("label", { class: "listen-label", hidden: true }, t("req.listen"), " ", this.el);
  }

  /** set lists addrs, keeping the chosen one when it is still declared (else the first). */
  set(addrs: ListenAddress[] | null | undefined): void {
    const list = addrs ?? [];
    const was = this.el.value;
    this.el.replaceChildren(...list.map((a) => h("option", { value: a.name, "data-ssl": String(!!a.ssl), title: a.declared }, a.ssl ? `${a.name} ssl` : a.name)));
    if (list.some((a) => a.name === was)) this.el.value = was;
    this.label.hidden = list.length === 0;
    // one address needs no choice, but the learner still sees which it is
    this.el.disabled = list.length < 2;
  }

  /** pick chooses the address named name (as an experiment names it: "443") when it is listed; it says whether it was. */
  pick(name: string): boolean {
    const o = [...this.el.options].find((o) => o.value === name) ?? [...this.el.options].find((o) => o.title.endsWith(":" + name));
    if (o) this.el.value = o.value;
    return !!o;
  }

  /** value is the chosen address's name ("" for the first or when none is listed). */
  value(): string {
    return this.el.selectedIndex > 0 ? this.el.value : "";
  }
}
