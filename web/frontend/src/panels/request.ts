// The request builder: method, path, headers, body; Send shows status, headers, body, raw bytes, time and curl.

import { api, type ListenAddress, type SendResult, type TlsInfo, type TlsOptions } from "../api";
import { copyText, h } from "../dom";
import { fmtMs } from "../format";
import { t } from "../i18n";
import { ListenSelect } from "./listen";

export class RequestPanel {
  readonly root: HTMLElement;
  private method: HTMLSelectElement;
  private path: HTMLInputElement;
  private headers: HTMLElement;
  private body: HTMLTextAreaElement;
  private result: HTMLElement;
  private sendBtn: HTMLButtonElement;
  private sni: HTMLInputElement;
  private resume: HTMLInputElement;
  private scheme: HTMLSelectElement;
  private listen = new ListenSelect("req-listen");

  /** setPath puts path in the request line (an example's preset). */
  setPath(path: string): void {
    this.path.value = path;
  }

  /** setRequest fills the whole form (a lesson's experiment): method, path, headers, body. */
  setRequest(method: string, path: string, headers: [string, string][], body: string): void {
    if (![...this.method.options].some((o) => o.value === method)) this.method.appendChild(h("option", { value: method }, method));
    this.method.value = method;
    this.path.value = path;
    this.headers.replaceChildren();
    for (const [k, v] of headers) this.addHeader(k, v, false);
    this.body.value = body;
  }

  constructor(private beforeSend: () => Promise<void> | void, private afterSend: () => void = () => undefined) {
    this.method = h("select", { id: "req-method" }, ...["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"].map((m) => h("option", { value: m }, m)));
    this.path = h("input", { id: "req-path", type: "text", value: "/", spellcheck: "false", autocomplete: "off" });
    this.path.addEventListener("keydown", (e) => {
      if (e.key === "Enter") void this.send();
    });
    this.headers = h("div", { class: "header-rows" });
    this.body = h("textarea", { id: "req-body", rows: 3, spellcheck: "false" });
    this.sendBtn = h("button", { type: "button", id: "send", class: "primary", onclick: () => void this.send() }, t("req.send"));
    this.result = h("div", { id: "send-result", class: "send-result", "aria-live": "polite" });
    // HTTPS: an instance that listens with ssl is reached over TLS; the SNI name picks its certificate
    this.sni = h("input", { id: "req-sni", type: "text", value: "", placeholder: "a.test", spellcheck: "false", autocomplete: "off", title: t("req.sni.title") });
    this.sni.addEventListener("keydown", (e) => {
      if (e.key === "Enter") void this.send();
    });
    this.resume = h("input", { id: "req-resume", type: "checkbox" });
    this.scheme = h("select", { id: "req-scheme", title: t("req.scheme.title") },
      h("option", { value: "" }, t("req.scheme.auto")), h("option", { value: "http" }, "http"), h("option", { value: "https" }, "https"));
    const details = h("details", { class: "req-more" },
      h("summary", null, `${t("req.headers")} / ${t("req.body")}`),
      h("fieldset", null, h("legend", null, t("req.headers")), this.headers,
        h("button", { type: "button", class: "small", onclick: () => this.addHeader("", "") }, t("req.header.add"))),
      h("label", { for: "req-body" }, t("req.body")), this.body);
    // Closed until the learner opens it: open, it pushed the response
    // below the fold.
    this.root = h("div", { class: "panel request-panel" },
      h("div", { class: "row" },
        h("label", { for: "req-method", class: "sr-only" }, t("req.method")), this.method,
        h("label", { for: "req-path", class: "sr-only" }, t("req.path")), this.path, this.sendBtn),
      h("div", { class: "row wrap tls-row" },
        this.listen.label,
        h("label", null, t("req.scheme"), " ", this.scheme),
        h("label", null, t("req.sni"), " ", this.sni),
        h("label", { title: t("req.resume.title") }, this.resume, " ", t("req.resume"))),
      details, this.result);
  }

  private addHeader(k: string, v: string, focus = true): void {
    const name = h("input", { type: "text", value: k, "aria-label": t("req.header.name"), placeholder: "X-Name", class: "hname" });
    const value = h("input", { type: "text", value: v, "aria-label": t("req.header.value"), placeholder: "value", class: "hvalue" });
    const row = h("div", { class: "header-row" }, name, value,
      h("button", { type: "button", class: "small", "aria-label": t("req.header.remove"), title: t("req.header.remove"), onclick: () => row.remove() }, "×"));
    this.headers.appendChild(row);
    if (focus) name.focus();
  }

  /** tlsOptions are the SNI name, resume and scheme the panel holds (the burst panel uses them too). */
  tlsOptions(): TlsOptions {
    return { sni: this.sni.value.trim(), resume: this.resume.checked, scheme: this.scheme.value as TlsOptions["scheme"] };
  }

  /** setAddresses lists the instance's listen addresses in the address select. */
  setAddresses(addrs: ListenAddress[] | null | undefined): void {
    this.listen.set(addrs);
  }

  /** setListen picks the listen address named name (a lesson's experiment). */
  setListen(name: string): void {
    this.listen.pick(name);
  }

  /** setSNI puts name in the SNI field (a lesson's experiment). */
  setSNI(name: string): void {
    this.sni.value = name;
  }

  private collect(): { method: string; path: string; headers: [string, string][]; body: string; listen: string } & TlsOptions {
    const headers: [string, string][] = [];
    for (const row of this.headers.querySelectorAll(".header-row")) {
      const k = (row.querySelector(".hname") as HTMLInputElement).value.trim();
      const v = (row.querySelector(".hvalue") as HTMLInputElement).value;
      if (k) headers.push([k, v]);
    }
    let path = this.path.value.trim() || "/";
    if (!path.startsWith("/")) path = "/" + path;
    return { method: this.method.value, path, headers, body: this.body.value, listen: this.listen.value(), ...this.tlsOptions() };
  }

  async send(): Promise<void> {
    this.sendBtn.disabled = true;
    this.result.setAttribute("data-status", "pending");
    this.result.replaceChildren(h("p", { class: "muted" }, t("req.sending")));
    try {
      await this.beforeSend();
      const r = await api.send(this.collect());
      this.show(r);
      this.afterSend();
    } catch (e) {
      this.result.setAttribute("data-status", "error");
      this.result.replaceChildren(h("p", { class: "err" }, e instanceof Error ? e.message : String(e)));
    } finally {
      this.sendBtn.disabled = false;
    }
  }

  private show(r: SendResult): void {
    this.result.setAttribute("data-status", r.error ? "error" : String(r.status));
    const hdrs = r.headers ?? [];
    const copyBtn = h("button", { type: "button", class: "small", id: "copy-curl" }, t("copy"));
    copyBtn.addEventListener("click", () => void copyText(r.curl).then(() => (copyBtn.textContent = t("copied"))));
    const cls = r.status >= 500 ? "s5" : r.status >= 400 ? "s4" : r.status >= 300 ? "s3" : "s2";
    const parts: (Node | null)[] = [
      h("div", { class: "row" },
        r.status ? h("span", { class: `status ${cls}`, id: "send-status" }, String(r.status)) : null,
        h("span", { class: "muted", id: "send-ms" }, t("req.time", { ms: fmtMs(r.ms) }))),
      r.error ? h("p", { class: "err" }, r.error) : null,
      r.tls ? tlsBlock(r.tls) : null,
      // the body first: it is what a learner looks for, and the pane is short
      h("h4", null, t("req.resp.body")), h("pre", { class: "resp-body" }, r.body ?? ""),
      hdrs.length ? h("table", { class: "kv" }, h("caption", null, t("req.resp.headers")),
        h("tbody", null, ...hdrs.map(([k, v]) => h("tr", null, h("th", null, k), h("td", null, v))))) : null,
      h("details", null, h("summary", null, t("req.raw.request")), h("pre", { class: "raw" }, r.raw_request ?? "")),
      h("details", null, h("summary", null, t("req.raw.response")), h("pre", { class: "raw" }, r.raw_response ?? "")),
      r.curl ? h("div", { class: "curl" }, h("h4", null, t("req.curl")), h("pre", { id: "curl" }, r.curl), copyBtn) : null,
    ];
    this.result.replaceChildren(...parts.filter((p): p is Node => p !== null));
    // the response is what the learner waits for: when an open headers/body
    // form pushed its body below the fold, scroll just enough to show it
    const body = this.result.querySelector(".resp-body");
    if (body && !inView(body)) body.scrollIntoView({ block: "nearest", behavior: "auto" });
  }
}

/** tlsBlock shows the handshake beside the response: version, cipher, new or resumed, the certificate the server picked and whether the lab's CA verifies it. */
function tlsBlock(tl: TlsInfo): HTMLElement {
  const c = tl.cert;
  return h("div", {
    id: "send-tls", class: "send-tls",
    "data-version": tl.version, "data-cipher": tl.cipher, "data-resumed": String(tl.resumed),
    "data-subject": c?.subject ?? "", "data-issuer": c?.issuer ?? "", "data-verified": String(tl.verified),
  },
  h("h4", null, t("req.tls")),
  h("p", { class: "tls-hs" }, h("code", null, tl.version), " · ", h("code", null, tl.cipher), " · ",
    tl.resumed ? t("req.tls.resumed") : t("req.tls.new"), " · ", tl.sni ? t("req.tls.sni", { n: tl.sni }) : t("req.tls.nosni")),
  c ? h("table", { class: "kv tls-cert" }, h("caption", null, t("req.tls.cert")), h("tbody", null,
    h("tr", null, h("th", null, t("req.tls.subject")), h("td", { class: "cert-subject" }, c.subject)),
    h("tr", null, h("th", null, t("req.tls.issuer")), h("td", { class: "cert-issuer" }, c.issuer)),
    c.dns_names?.length ? h("tr", null, h("th", null, t("req.tls.names")), h("td", null, c.dns_names.join(", "))) : null,
    h("tr", null, h("th", null, t("req.tls.key")), h("td", null, c.key)),
    h("tr", null, h("th", null, t("req.tls.until")), h("td", null, c.not_after)))) : null,
  h("p", { class: tl.verified ? "ok" : "muted" }, tl.verified ? t("req.tls.verified") : t("req.tls.unverified", { why: tl.verify_error ?? "" })));
}

/** inView says whether the top of el is on screen, not clipped by a scrolling pane or covered. */
function inView(el: Element): boolean {
  const r = el.getBoundingClientRect();
  if (r.height === 0 || r.top < 0 || r.top + 8 > window.innerHeight) return false;
  const hit = document.elementFromPoint(r.left + 4, r.top + 4);
  return !!hit && (hit === el || el.contains(hit));
}
