// The burst panel: n requests at concurrency c, then a summary sentence, a latency histogram and a status/body table.

import { api, type BurstResult, type BurstTls, type ListenAddress, type TlsOptions } from "../api";
import { h, svg } from "../dom";
import { burstSentence, fmtMs, histogram } from "../format";
import { t } from "../i18n";
import { ListenSelect } from "./listen";

export interface BurstHooks {
  beforeBurst(): Promise<void> | void;
  /** the request panel's SNI name, resume and scheme: a burst over HTTPS uses them */
  tls?(): TlsOptions;
  started(): void;
  finished(r: BurstResult | null): void;
}

export class BurstPanel {
  readonly root: HTMLElement;
  private n: HTMLInputElement;
  private c: HTMLInputElement;
  private path: HTMLInputElement;
  private go: HTMLButtonElement;
  private out: HTMLElement;
  private listen = new ListenSelect("burst-listen");

  constructor(private hooks: BurstHooks) {
    this.n = h("input", { id: "burst-n", type: "number", min: 1, max: 1000, value: 100, required: true });
    this.c = h("input", { id: "burst-c", type: "number", min: 1, max: 1000, value: 100, required: true });
    this.path = h("input", { id: "burst-path", type: "text", value: "/", spellcheck: "false" });
    this.go = h("button", { type: "button", id: "burst-go", class: "primary", onclick: () => void this.fire() }, t("burst.go"));
    this.out = h("div", { class: "burst-out", "aria-live": "polite" });
    this.root = h("div", { class: "panel burst-panel" },
      h("div", { class: "row wrap" },
        h("label", null, t("burst.n"), " ", this.n),
        h("label", null, t("burst.c"), " ", this.c),
        h("label", null, t("burst.path"), " ", this.path),
        this.listen.label,
        this.go),
      this.out);
  }

  /** setAddresses lists the instance's listen addresses in the address select. */
  setAddresses(addrs: ListenAddress[] | null | undefined): void {
    this.listen.set(addrs);
  }

  /** setListen picks the listen address named name (a lesson's experiment). */
  setListen(name: string): void {
    this.listen.pick(name);
  }

  /** setPreset fills n, c and the path (an example's preset). */
  setPreset(path: string, n: number, c: number): void {
    this.path.value = path;
    this.n.value = String(n);
    this.c.value = String(c);
  }

  private clampInputs(): { n: number; c: number; path: string } {
    let n = Math.round(Number(this.n.value) || 100);
    n = Math.max(1, Math.min(1000, n));
    let c = Math.round(Number(this.c.value) || n);
    c = Math.max(1, Math.min(n, c));
    this.n.value = String(n);
    this.c.value = String(c);
    let path = this.path.value.trim() || "/";
    if (!path.startsWith("/")) path = "/" + path;
    return { n, c, path };
  }

  async fire(): Promise<void> {
    const { n, c, path } = this.clampInputs();
    this.go.disabled = true;
    this.out.replaceChildren(h("p", { class: "muted" }, t("burst.running", { n })));
    let result: BurstResult | null = null;
    try {
      await this.hooks.beforeBurst();
      this.hooks.started();
      result = await api.burst({ method: "GET", path, n, c, listen: this.listen.value(), ...(this.hooks.tls?.() ?? {}) });
      this.show(result);
    } catch (e) {
      this.out.replaceChildren(h("p", { class: "err", id: "burst-error" }, e instanceof Error ? e.message : String(e)));
    } finally {
      this.go.disabled = false;
      this.hooks.finished(result);
    }
  }

  private show(r: BurstResult): void {
    const summary = h("div", {
      id: "burst-summary", class: "burst-summary",
      "data-n": r.n, "data-ok": r.ok, "data-wall-ms": r.wall_ms, "data-workers": r.workers,
      "data-peak": r.in_progress_peak, "data-mean": r.in_progress_mean, "data-queued-ms": r.queued_ms_mean,
      "data-in-worker-ms": r.in_worker_ms_mean, "data-busy": r.worker_busy_pct, "data-traced": r.traced,
    },
    h("p", { class: "sentence" }, burstSentence(r)),
    h("p", { class: "muted" }, t("burst.ok", { ok: r.ok, n: r.n, errors: r.errors })));
    const statuses = Object.entries(r.statuses ?? {}).sort((a, b) => b[1] - a[1]);
    const table = h("table", { id: "burst-table", class: "kv" },
      h("thead", null, h("tr", null, h("th", null, t("burst.table.status")), h("th", null, t("burst.table.count")))),
      h("tbody", null, ...statuses.map(([s, k]) => h("tr", { "data-status": s }, h("td", null, s), h("td", null, String(k))))),
      h("thead", null, h("tr", null, h("th", null, t("burst.table.body")), h("th", null, t("burst.table.count")))),
      h("tbody", null, ...(r.bodies ?? []).map((b) => h("tr", null, h("td", null, h("pre", { class: "cell" }, b.body)), h("td", null, String(b.count))))));
    this.out.replaceChildren(...[summary, r.tls ? burstTlsBlock(r.tls) : null, this.histogram(r.latencies_ms ?? []), table].filter((e): e is Element => e !== null));
  }

  private histogram(lat: number[]): Element {
    const bins = 24;
    const { edges, counts } = histogram(lat, bins);
    const W = 360, H = 110, pad = 22;
    const max = Math.max(1, ...counts);
    const g = svg("svg", { class: "hist", viewBox: `0 0 ${W} ${H + pad}`, role: "img", "aria-label": t("burst.hist") });
    const bw = (W - 2 * pad) / bins;
    counts.forEach((c, i) => {
      const bh = (c / max) * (H - 10);
      const bar = svg("rect", { x: pad + i * bw + 1, y: H - bh, width: Math.max(1, bw - 2), height: bh, class: "bar" });
      bar.appendChild(svg("title", {}, `${fmtMs(edges[i])}–${fmtMs(edges[i + 1])} ms: ${c}`));
      g.appendChild(bar);
    });
    g.appendChild(svg("line", { x1: pad, y1: H + 0.5, x2: W - pad, y2: H + 0.5, class: "axis" }));
    g.appendChild(svg("text", { x: pad, y: H + 14, class: "tick" }, "0"));
    g.appendChild(svg("text", { x: W - pad, y: H + 14, class: "tick", "text-anchor": "end" }, fmtMs(edges[bins]) + " ms"));
    g.appendChild(svg("text", { x: W / 2, y: H + 14, class: "tick", "text-anchor": "middle" }, t("burst.hist.axis")));
    return h("figure", { class: "hist-fig" }, g);
  }
}

/** burstTlsBlock sums up a burst's handshakes: how many, how many resumed, and the certificates the server picked. */
function burstTlsBlock(b: BurstTls): HTMLElement {
  const list = (m: Record<string, number>) => Object.entries(m).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ×${v}`).join(", ");
  return h("div", { id: "burst-tls", class: "burst-tls", "data-handshakes": b.handshakes, "data-resumed": b.resumed, "data-certs": JSON.stringify(b.certs) },
    h("p", null, t("burst.tls", { n: b.handshakes, r: b.resumed }), " ", list(b.versions), "; ", list(b.ciphers)),
    h("p", null, t("burst.tls.certs"), " ", list(b.certs)));
}
