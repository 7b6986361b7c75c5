// The timeline canvas: one lane per worker (which request runs, epoll_wait markers), then one lane per
// request: a row of its phases as labelled segments (a wait inside a phase hatched), and right below it,
// indented, a row per coroutine ngx_lua made for it (running / waiting / done). When many requests are on
// record (a burst), the entry coroutines of rewrite/access/content are folded into their request's row,
// which shows the same runs and waits; light threads, timers and the learner's coroutines keep their rows.
// Draws only what is visible and merges sub-pixel intervals.
// Zoom with the wheel or +/-, pan by dragging or with the arrow keys; hover shows a tooltip.

import { h } from "../dom";
import { nsToMs } from "../format";
import { t } from "../i18n";
import { requestColor } from "../theme";
import { coKey, DONE, R_END, R_REQ, R_START, RUN, W_READY, W_TIMEOUT, W_TS, type Coro, type Seg, type TraceModel, type WorkerLane } from "./model";
import { chunkSource } from "./phases";
import { workerLabel } from "./types";
import { phaseWaitNs, type PhaseSeg, type ReqLane, type WaitSpan } from "./requests";

const LABEL_W = 116;
const AXIS_H = 20;
const WORKER_H = 24;
/** a request row: phases of the request in the upper band, phases run from inside them in the lower */
const REQ_H = 22;
const UPPER_H = 12;
/** the same when folded (a crowd of requests): one row as high as a coroutine's, inner phases a strip */
const REQ_H_FOLDED = 12;
const UPPER_H_FOLDED = 9;
const CO_H = 12;
const CO_GAP = 2;
const LANE_GAP = 4;
const LANE_GAP_FOLDED = 0;
/** more request lanes than this: entry coroutines are folded into their request's row */
export const FOLD_AT = 40;
/** the debug attribute lists the lanes only while there are at most this many */
const DESCRIBE_MAX = 20;

interface Colors { bg: string; grid: string; fg: string; muted: string; done: string; epoll: string; ready: string; cursor: string; idle: string }

export interface TimelineOptions {
  onJump?(source: string, line: number): void;
  onFollowChange?(follow: boolean): void;
}

interface Hit { text: string[]; source?: string; line?: number }

export class Timeline {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private tip: HTMLElement;
  private w = 600;
  private hgt = 300;
  private dpr = 1;
  /** left edge in ns and scale */
  t0 = 0;
  nsPerPx = 200e6 / 600;
  scrollY = 0;
  follow = true;
  cursor: number | null = null;
  private dirty = true;
  private lastVersion = -1;
  private colors!: Colors;
  private patterns = new Map<string, CanvasPattern | string>();
  private drag: { x: number; y: number; t0: number; sy: number; moved: boolean } | null = null;
  private mouse: { x: number; y: number } | null = null;
  /** absolute index of the first request lane not ended before the window (follow mode scrolls to it) */
  private liveAbs = 0;
  /** y of each request lane (from the top of the lanes), and of the end at [nTops - 1] (capacity grows by doubling) */
  private tops = new Float64Array(1024);
  private nTops = 1;
  private layoutVer = -1;
  private layoutBase = -1;
  private folded = false;
  private described = "";
  /** the request row's height, its upper band's, the gap after a lane (smaller when folded) */
  private reqH = REQ_H;
  private upperH = UPPER_H;
  private laneGap = LANE_GAP;

  constructor(private model: TraceModel, private opts: TimelineOptions = {}) {
    this.canvas = h("canvas", { class: "timeline-canvas", tabindex: 0, role: "img", "aria-label": t("tl.label") });
    this.ctx = this.canvas.getContext("2d", { alpha: false }) as CanvasRenderingContext2D;
    this.tip = h("div", { class: "tl-tip", role: "tooltip" });
    this.tip.hidden = true;
    this.root = h("div", { class: "timeline-wrap" }, this.canvas, this.tip);
    this.readColors();
    window.addEventListener("restylab-theme", () => {
      this.readColors();
      this.patterns.clear();
      this.dirty = true;
    });
    new ResizeObserver(() => this.resize()).observe(this.root);
    this.bind();
  }

  private readColors(): void {
    const cs = getComputedStyle(document.documentElement);
    const v = (n: string, d: string) => cs.getPropertyValue(n).trim() || d;
    this.colors = {
      bg: v("--tl-bg", "#ffffff"), grid: v("--line", "#d0d7de"), fg: v("--fg", "#1b1f24"), muted: v("--muted", "#57606a"),
      done: v("--tl-done", "#8a8f98"), epoll: v("--tl-epoll", "#000000"), ready: v("--tl-ready", "#009E73"),
      cursor: v("--error", "#d55e00"), idle: v("--panel", "#f6f8fa"),
    };
  }

  private resize(): void {
    const r = this.root.getBoundingClientRect();
    this.dpr = window.devicePixelRatio || 1;
    const oldPlot = this.plotW();
    this.w = Math.max(200, Math.floor(r.width));
    this.hgt = Math.max(120, Math.floor(r.height));
    if (oldPlot > 0) this.nsPerPx = (this.nsPerPx * oldPlot) / this.plotW();
    this.canvas.width = Math.floor(this.w * this.dpr);
    this.canvas.height = Math.floor(this.hgt * this.dpr);
    this.canvas.style.width = this.w + "px";
    this.canvas.style.height = this.hgt + "px";
    this.dirty = true;
  }

  private plotW(): number {
    return this.w - LABEL_W;
  }

  invalidate(): void {
    this.dirty = true;
  }

  setFollow(on: boolean): void {
    if (this.follow !== on) {
      this.follow = on;
      this.opts.onFollowChange?.(on);
    }
    this.dirty = true;
  }

  /** reset shows a fresh window (after clear). */
  reset(): void {
    this.scrollY = 0;
    this.liveAbs = 0;
    this.nsPerPx = 200e6 / this.plotW();
    this.cursor = null;
    this.dirty = true;
  }

  fit(): void {
    const m = this.model;
    if (!(m.maxTs > m.minTs)) return;
    const span = m.maxTs - m.minTs;
    this.nsPerPx = (span * 1.04) / this.plotW();
    this.t0 = m.minTs - span * 0.02;
    this.setFollow(false);
  }

  /** fitRequest fits the axis to the request that ended last (one request: slivers on a 150 ms axis before). */
  fitRequest(): void {
    const r = this.model.lastRequest;
    if (!r || !(r.end > r.start)) return;
    const span = r.end - r.start;
    this.nsPerPx = Math.max(10, (span * 1.2) / this.plotW());
    this.t0 = r.start - span * 0.1;
    this.setFollow(false);
    this.dirty = true;
  }

  zoom(factor: number, atX = this.plotW() / 2): void {
    const at = this.t0 + atX * this.nsPerPx;
    this.nsPerPx = Math.min(1e12, Math.max(10, this.nsPerPx * factor));
    this.t0 = at - atX * this.nsPerPx;
    this.dirty = true;
  }

  pan(px: number): void {
    this.t0 += px * this.nsPerPx;
    this.setFollow(false);
  }

  private lanesTop(): number {
    return AXIS_H + this.model.workers.size * WORKER_H + 6;
  }

  private maxScroll(): number {
    this.layout();
    return Math.max(0, this.tops[this.nTops - 1] - (this.hgt - this.lanesTop()) + 8);
  }

  /** shown lists the coroutine rows drawn under lane l. */
  private shown(l: ReqLane): Coro[] {
    return this.folded && l.entries > 0 ? l.coros.filter((c) => c.kind !== "entry") : l.coros;
  }

  /** layout recomputes the lanes' offsets when lanes or coroutine rows came or went. */
  private layout(): void {
    const R = this.model.requests;
    const fold = R.list.length > FOLD_AT;
    if (R.layout === this.layoutVer && R.base === this.layoutBase && fold === this.folded && this.nTops === R.list.length + 1) return;
    // from the first lane that changed; all of them after a trim or a change of fold
    let from = R.takeChanged();
    if (R.base !== this.layoutBase || fold !== this.folded) from = 0;
    this.layoutVer = R.layout;
    this.layoutBase = R.base;
    this.folded = fold;
    this.reqH = fold ? REQ_H_FOLDED : REQ_H;
    this.upperH = fold ? UPPER_H_FOLDED : UPPER_H;
    this.laneGap = fold ? LANE_GAP_FOLDED : LANE_GAP;
    const n = R.list.length;
    if (this.tops.length < n + 1) {
      const grown = new Float64Array(Math.max(n + 1, this.tops.length * 2));
      grown.set(this.tops.subarray(0, this.nTops));
      this.tops = grown;
    }
    from = Math.min(from, this.nTops - 1, n);
    this.nTops = n + 1;
    let y = this.tops[from];
    for (let i = from; i < n; i++) {
      this.tops[i] = y;
      const l = R.list[i];
      y += this.reqH + CO_GAP + (fold ? l.coros.length - l.entries : l.coros.length) * (CO_H + CO_GAP) + this.laneGap;
    }
    this.tops[n] = y;
  }

  /** laneAt finds the request lane at offset y from the top of the lanes (-1: none). */
  private laneAt(y: number): number {
    const T = this.tops;
    const n = this.nTops - 1;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (T[mid + 1] <= y) lo = mid + 1;
      else hi = mid;
    }
    return lo < n && y >= T[lo] ? lo : -1;
  }

  scroll(dy: number): void {
    this.scrollY = Math.max(0, Math.min(this.maxScroll(), this.scrollY + dy));
    this.dirty = true;
  }

  private bind(): void {
    const c = this.canvas;
    c.addEventListener("wheel", (e) => {
      e.preventDefault();
      const x = e.offsetX - LABEL_W;
      if (e.shiftKey) this.scroll(e.deltaY);
      else if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) this.pan(e.deltaX);
      else this.zoom(Math.exp(e.deltaY * 0.002), Math.max(0, x));
    }, { passive: false });
    c.addEventListener("mousedown", (e) => {
      this.drag = { x: e.clientX, y: e.clientY, t0: this.t0, sy: this.scrollY, moved: false };
    });
    window.addEventListener("mousemove", (e) => {
      if (!this.drag) return;
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) this.drag.moved = true;
      if (this.drag.moved) {
        this.t0 = this.drag.t0 - dx * this.nsPerPx;
        this.scrollY = Math.max(0, Math.min(this.maxScroll(), this.drag.sy - dy));
        this.setFollow(false);
      }
    });
    window.addEventListener("mouseup", () => {
      this.drag = null;
    });
    c.addEventListener("click", (e) => {
      const hit = this.hitTest(e.offsetX, e.offsetY);
      if (hit && hit.source && hit.line) this.opts.onJump?.(hit.source, hit.line);
    });
    c.addEventListener("mousemove", (e) => {
      this.mouse = { x: e.offsetX, y: e.offsetY };
      this.showTip();
    });
    c.addEventListener("mouseleave", () => {
      this.mouse = null;
      this.tip.hidden = true;
    });
    c.addEventListener("keydown", (e) => {
      const step = this.plotW() / 10;
      switch (e.key) {
        case "+": case "=": this.zoom(0.7); break;
        case "-": case "_": this.zoom(1 / 0.7); break;
        case "ArrowLeft": this.pan(-step); break;
        case "ArrowRight": this.pan(step); break;
        case "ArrowUp": this.scroll(-(this.reqH + CO_GAP) * 3); break;
        case "ArrowDown": this.scroll((this.reqH + CO_GAP) * 3); break;
        case "PageUp": this.scroll(-this.hgt / 2); break;
        case "PageDown": this.scroll(this.hgt / 2); break;
        case "Home": case "0": this.fit(); break;
        case "f": this.setFollow(!this.follow); break;
        default: return;
      }
      e.preventDefault();
    });
  }

  private showTip(): void {
    if (!this.mouse || this.drag?.moved) {
      this.tip.hidden = true;
      return;
    }
    const hit = this.hitTest(this.mouse.x, this.mouse.y);
    if (!hit) {
      this.tip.hidden = true;
      return;
    }
    this.tip.replaceChildren(...hit.text.map((s, i) => h("div", { class: i === 0 ? "tip-head" : "" }, s)));
    this.tip.hidden = false;
    const x = Math.min(this.mouse.x + 14, this.w - 260);
    this.tip.style.left = Math.max(0, x) + "px";
    this.tip.style.top = this.mouse.y + 16 + "px";
  }

  private rel(ns: number): string {
    return nsToMs(ns - (Number.isFinite(this.model.minTs) ? this.model.minTs : 0));
  }

  private segText(kind: string, s: number, e: number, req: number, co: number, phase?: string, source?: string, line?: number, extra?: string): Hit {
    const end = Number.isNaN(e) ? this.model.maxTs : e;
    const text = [`${kind}${extra ? ": " + extra : ""}`, `${this.rel(s)} – ${this.rel(end)} ms (${nsToMs(end - s)} ms)`];
    const who: string[] = [t("tip.co", { c: co })];
    if (req) who.push(t("tip.req", { r: req }));
    if (phase) who.push(t("tip.phase", { p: phase }));
    text.push(who.join(" · "));
    if (source) text.push(`${source}:${line ?? 0}`);
    return { text, source, line };
  }

  /** hitTest describes what is under canvas point (x, y), if anything. */
  hitTest(x: number, y: number): Hit | null {
    if (x < LABEL_W || y < AXIS_H) return null;
    const ts = this.t0 + (x - LABEL_W) * this.nsPerPx;
    const ids = this.model.workerIds();
    const wi = Math.floor((y - AXIS_H) / WORKER_H);
    if (wi < ids.length) {
      const l = this.model.workers.get(ids[wi])!;
      const inLane = y - AXIS_H - wi * WORKER_H;
      if (inLane > WORKER_H - 9) {
        const k = l.waits.lowerBound(W_TS, ts - 3 * this.nsPerPx);
        if (k < l.waits.n && l.waits.cols[W_TS][k] <= ts + 3 * this.nsPerPx) {
          return { text: [t("tip.epoll", { t: l.waits.cols[W_TIMEOUT][k], n: l.waits.cols[W_READY][k] }), `${this.rel(l.waits.cols[W_TS][k])} ms`] };
        }
      }
      const r = this.model.runAt(l.id, ts);
      if (!r) return null;
      if (!r.co) {
        // a phase that cannot yield, run as a plain call
        const lane = this.model.requests.get(l.id, r.req);
        const ps = lane ? phaseAt(lane, ts, 9) : null;
        if (lane && ps) return this.phaseText(lane, ps, null);
      }
      const c = this.model.coros.get(coKey(l.id, r.co));
      const seg = c ? this.model.segAt(c, ts) : null;
      return this.segText(t("tl.running"), r.start, r.end, r.req, r.co, seg?.phase || c?.phase, seg?.source, seg?.line, workerLabel(l.id));
    }
    const top = this.lanesTop();
    if (y < top) return null;
    this.layout();
    const ly = y - top + this.scrollY;
    const i = this.laneAt(ly);
    if (i < 0) return null;
    const lane = this.model.requests.list[i];
    const inLane = ly - this.tops[i];
    if (inLane < this.reqH) {
      const ps = phaseAt(lane, ts, inLane > this.upperH ? 9 : 0);
      if (!ps) return this.laneText(lane, ts);
      const w = ps.waits.find((x) => x.s <= ts && (Number.isNaN(x.e) || ts <= x.e)) ?? null;
      return this.phaseText(lane, ps, w);
    }
    const k = Math.floor((inLane - this.reqH - CO_GAP) / (CO_H + CO_GAP));
    const c = this.shown(lane)[k];
    if (!c) return null;
    const seg = this.model.segAt(c, ts);
    if (!seg) return null;
    const kind = seg.st === RUN ? t("tl.running") : seg.st === DONE ? t("tl.done") : t("tl.waiting");
    return this.segText(kind, seg.s, seg.e, c.req, c.co, seg.phase || c.phase, seg.source, seg.line, seg.st === RUN ? "" : seg.reason);
  }

  private endOf(e: number): number {
    return Number.isNaN(e) ? this.model.maxTs : e;
  }

  /** phaseText describes a phase segment, or the wait w inside it: times, running vs waiting, source. */
  private phaseText(lane: ReqLane, ps: PhaseSeg, w: WaitSpan | null): Hit {
    const end = this.endOf(ps.e);
    const waited = phaseWaitNs(ps, this.model.maxTs);
    const text = [w ? `${ps.phase}: ${t("tl.waiting")} (${w.reason})` : ps.phase];
    const span = `${this.rel(ps.s)} – ${this.rel(end)} ms (${nsToMs(end - ps.s)} ms)`;
    if (w) {
      text.push(`${this.rel(w.s)} – ${this.rel(this.endOf(w.e))} ms (${nsToMs(this.endOf(w.e) - w.s)} ms)`);
      text.push(`${ps.phase}: ${span}`);
    } else text.push(span);
    text.push(`${t("tl.running")} ${nsToMs(end - ps.s - waited)} ms · ${t("tl.waiting")} ${nsToMs(waited)} ms`);
    const who = [laneName(lane)];
    if (ps.co || w) who.push(t("tip.co", { c: w ? w.co : ps.co }));
    text.push(who.join(" · "));
    let source: string | undefined;
    let line: number | undefined;
    if (w && w.source) {
      source = w.source;
      line = w.line;
    } else {
      const cs = chunkSource(ps.source);
      if (cs) {
        source = cs.file;
        line = cs.line;
      }
    }
    if (source) text.push(`${source}:${line ?? 0}`);
    return { text, source, line };
  }

  /** laneText describes a request outside its phases (reading the request, sending the response). */
  private laneText(lane: ReqLane, ts: number): Hit | null {
    const end = this.endOf(lane.end);
    if (ts < lane.start || ts > end) return null;
    const text = [laneName(lane), `${this.rel(lane.start)} – ${this.rel(end)} ms (${nsToMs(end - lane.start)} ms)`];
    if (lane.status) text.push(`HTTP ${lane.status}`);
    if (lane.tls) {
      text.push(t("tip.tls.hello", { sni: lane.tls.sni || "-", v: lane.tls.versions || "?" }));
      text.push(lane.tls.result ? t("tip.tls.done", { r: lane.tls.result }) : t("tip.tls.open"));
      if (lane.req) text.push(t("tip.tls.fake", { r: lane.req }));
    }
    return { text };
  }

  /** frame redraws when something changed; returns whether it drew. */
  frame(): boolean {
    const m = this.model;
    if (m.version !== this.lastVersion) {
      this.lastVersion = m.version;
      this.dirty = true;
    }
    if (!this.dirty) return false;
    this.dirty = false;
    if (this.follow && Number.isFinite(m.maxTs)) {
      const win = this.plotW() * this.nsPerPx;
      this.t0 = Math.max(m.minTs - win * 0.02, m.maxTs - win * 0.96);
      this.followLanes();
    }
    this.draw();
    this.describe();
    if (this.mouse) this.showTip();
    return true;
  }

  /**
   * describe writes the request lanes into the root's data attributes, for tests: data-requests (how
   * many request lanes), data-folded, and, while there are at most DESCRIBE_MAX lanes, data-request-lanes:
   * JSON [{req, kind, label, worker, phases: [{phase, depth, waits, x0, x1, y}], coroutines: [{co, kind, phase}]}]
   * (a handshake lane, kind "tls", also has tls: {fd, sni, versions, result})
   * (worker: the lane's worker as the timeline names it, "worker 0 · reload 1" after a reload)
   * with each phase's place on the canvas (CSS px; y: a point of the row where that phase is hit).
   */
  private describe(): void {
    const R = this.model.requests;
    const d = this.root.dataset;
    const reqs = String(R.requests);
    if (d.requests !== reqs) d.requests = reqs;
    const folded = String(this.folded);
    if (d.folded !== folded) d.folded = folded;
    if (R.list.length > DESCRIBE_MAX) {
      if (this.described !== "[]") d.requestLanes = this.described = "[]";
      return;
    }
    const top = this.lanesTop() - this.scrollY;
    const json = JSON.stringify(R.list.map((l, i) => ({
      req: l.req, kind: l.kind, label: l.label, worker: workerLabel(l.worker),
      ...(l.tls ? { tls: { fd: l.tls.fd, sni: l.tls.sni, versions: l.tls.versions, result: l.tls.result } } : {}),
      phases: l.phases.map((p) => ({ phase: p.phase, depth: p.depth, waits: p.waits.length, x0: Math.round(this.x(p.s)), x1: Math.round(this.x(this.endOf(p.e))), y: Math.round(top + this.tops[i] + (p.depth ? (this.upperH + this.reqH) / 2 : this.upperH / 2)) })),
      coroutines: l.coros.map((c) => ({ co: c.co, kind: c.kind, phase: c.phase })),
    })));
    if (json !== this.described) d.requestLanes = this.described = json;
  }

  /** followLanes scrolls the request lanes to the first one still alive in the window. */
  private followLanes(): void {
    const R = this.model.requests;
    const L = R.list;
    this.layout();
    let i = Math.max(0, this.liveAbs - R.base);
    while (i < L.length - 1) {
      const e = L[i].end;
      if (Number.isNaN(e) || e >= this.t0) break;
      i++;
    }
    this.liveAbs = i + R.base;
    this.scrollY = Math.min(this.tops[Math.min(i, L.length)], this.maxScroll());
  }

  private pattern(color: string): CanvasPattern | string {
    let p = this.patterns.get(color);
    if (p) return p;
    const off = document.createElement("canvas");
    off.width = 6;
    off.height = 6;
    const g = off.getContext("2d")!;
    g.fillStyle = this.colors.bg;
    g.fillRect(0, 0, 6, 6);
    g.globalAlpha = 0.35;
    g.fillStyle = color;
    g.fillRect(0, 0, 6, 6);
    g.globalAlpha = 1;
    g.strokeStyle = color;
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(-1, 7);
    g.lineTo(7, -1);
    g.moveTo(5, 7);
    g.lineTo(7, 5);
    g.moveTo(-1, 1);
    g.lineTo(1, -1);
    g.stroke();
    p = this.ctx.createPattern(off, "repeat") ?? color;
    this.patterns.set(color, p);
    return p;
  }

  private draw(): void {
    const ctx = this.ctx;
    const C = this.colors;
    const m = this.model;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, 0, this.w, this.hgt);
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    const ids = m.workerIds();
    if (m.total === 0) {
      ctx.fillStyle = C.muted;
      ctx.fillText(t("tl.empty"), LABEL_W + 8, AXIS_H + 20);
      this.drawAxis();
      return;
    }
    const t1 = this.t0 + this.plotW() * this.nsPerPx;
    // worker lanes
    ids.forEach((id, i) => this.drawWorker(m.workers.get(id)!, AXIS_H + i * WORKER_H, t1));
    // request lanes, each with its coroutines below it
    const top = this.lanesTop();
    this.layout();
    const L = m.requests.list;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, top, this.w, this.hgt - top);
    ctx.clip();
    for (let i = Math.max(0, this.laneAt(this.scrollY)); i < L.length; i++) {
      const y = top + this.tops[i] - this.scrollY;
      if (y > this.hgt) break;
      this.drawLane(L[i], y, t1);
    }
    ctx.restore();
    ctx.strokeStyle = C.grid;
    ctx.beginPath();
    ctx.moveTo(0, top - 3.5);
    ctx.lineTo(this.w, top - 3.5);
    ctx.stroke();
    this.drawAxis();
    if (this.cursor !== null) {
      const x = LABEL_W + (this.cursor - this.t0) / this.nsPerPx;
      if (x >= LABEL_W && x <= this.w) {
        ctx.fillStyle = C.cursor;
        ctx.fillRect(Math.round(x) - 1, AXIS_H, 2, this.hgt - AXIS_H);
      }
    }
  }

  private x(ts: number): number {
    return LABEL_W + (ts - this.t0) / this.nsPerPx;
  }

  private drawWorker(l: WorkerLane, y: number, t1: number): void {
    const ctx = this.ctx;
    const C = this.colors;
    ctx.fillStyle = C.idle;
    ctx.fillRect(LABEL_W, y + 2, this.plotW(), WORKER_H - 4);
    ctx.fillStyle = C.fg;
    ctx.fillText(workerLabel(l.id), 6, y + WORKER_H / 2);
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_W, y, this.plotW(), WORKER_H);
    ctx.clip();
    const r = l.runs;
    const S = r.cols[R_START], E = r.cols[R_END], Q = r.cols[R_REQ];
    let i = r.lowerBound(R_END, this.t0);
    let fill = "";
    const setFill = (f: string) => {
      if (f !== fill) {
        fill = f;
        ctx.fillStyle = f;
      }
    };
    while (i < r.n && S[i] <= t1) {
      const x0 = this.x(S[i]);
      const x1 = this.x(E[i]);
      setFill(requestColor(Q[i]));
      if (x1 - x0 < 1) {
        const p = Math.floor(x0);
        ctx.fillRect(p, y + 3, 1, WORKER_H - 12);
        // skip every other run ending inside this pixel
        const next = r.lowerBound(R_END, this.t0 + (p + 1 - LABEL_W) * this.nsPerPx);
        i = Math.max(i + 1, next);
      } else {
        ctx.fillRect(x0, y + 3, x1 - x0, WORKER_H - 12);
        i++;
      }
    }
    if (l.open && l.open.start <= t1) {
      setFill(requestColor(l.open.req));
      const x0 = this.x(l.open.start);
      ctx.fillRect(x0, y + 3, Math.max(1, this.x(this.model.maxTs) - x0), WORKER_H - 12);
    }
    // epoll_wait markers along the bottom
    const wv = l.waits;
    const WT = wv.cols[W_TS], WR = wv.cols[W_READY];
    let k = wv.lowerBound(W_TS, this.t0);
    let lastPx = -1;
    while (k < wv.n && WT[k] <= t1) {
      const p = Math.floor(this.x(WT[k]));
      if (p !== lastPx) {
        ctx.fillStyle = C.epoll;
        ctx.fillRect(p, y + WORKER_H - 8, 1, 6);
        if (WR[k] > 0) {
          ctx.fillStyle = C.ready;
          ctx.fillRect(p - 1, y + WORKER_H - 4, 3, 3);
        }
        lastPx = p;
        k++;
      } else {
        k = Math.max(k + 1, wv.lowerBound(W_TS, this.t0 + (p + 1 - LABEL_W) * this.nsPerPx));
      }
    }
    ctx.restore();
  }

  /** drawLane draws a request's row of phases, then the rows of its coroutines. */
  private drawLane(l: ReqLane, y: number, t1: number): void {
    const ctx = this.ctx;
    const C = this.colors;
    const color = requestColor(l.req);
    const coros = this.shown(l);
    if (y + this.reqH >= 0) {
      ctx.fillStyle = C.fg;
      ctx.font = this.folded ? "600 10px system-ui, sans-serif" : "600 11px system-ui, sans-serif";
      ctx.fillText(laneName(l), 6, y + this.reqH / 2, LABEL_W - 10);
      ctx.font = "11px system-ui, sans-serif";
      this.drawPhases(l, y, t1, color);
    }
    if (coros.length) {
      // a guide from the request to its coroutines
      ctx.fillStyle = C.grid;
      ctx.fillRect(8, y + this.reqH, 1, CO_GAP + (coros.length - 0.5) * (CO_H + CO_GAP));
    }
    let cy = y + this.reqH + CO_GAP;
    for (const c of coros) {
      if (cy > this.hgt) break;
      if (cy + CO_H >= 0) this.drawCoro(c, cy, t1);
      cy += CO_H + CO_GAP;
    }
  }

  /** drawPhases draws a request's phase segments: depth 0 full height, phases run from inside another below. */
  private drawPhases(l: ReqLane, y: number, t1: number, color: string): void {
    const ctx = this.ctx;
    const C = this.colors;
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_W, y, this.plotW(), this.reqH);
    ctx.clip();
    // the request's whole span: a thin line (reading the request, sending the response)
    const ls = this.x(l.start);
    const le = this.x(this.endOf(l.end));
    if (le >= LABEL_W && l.start <= t1) {
      ctx.fillStyle = C.done;
      ctx.fillRect(ls, y + this.reqH / 2 - 0.5, Math.max(1, le - ls), 1);
    }
    if (l.tls) {
      // a handshake: a tick at the ClientHello, and at its end one in the failure's colour when it failed
      ctx.fillStyle = C.fg;
      ctx.fillRect(ls - 1, y + 2, 2, this.reqH - 4);
      if (l.tls.result) {
        ctx.fillStyle = l.tls.failed ? "#d03030" : C.fg;
        ctx.fillRect(le - 1, y + 2, 2, this.reqH - 4);
      }
    }
    const ink = inkOn(color);
    const dark = shade(color);
    let lastPx = -1;
    for (const p of l.phases) {
      if (p.s > t1) break;
      const e = this.endOf(p.e);
      if (e < this.t0) continue;
      const x0 = this.x(p.s);
      const x1 = this.x(e);
      const nested = p.depth > 0;
      const sy = nested ? y + this.upperH + 1 : y + 1;
      const sh = nested ? Math.max(2, this.reqH - this.upperH - 2) : this.reqH - 2;
      const fill = nested ? dark : color;
      if (x1 - x0 < 1) {
        const px = Math.floor(x0);
        if (px === lastPx) continue;
        lastPx = px;
        ctx.fillStyle = fill;
        ctx.fillRect(px, sy, 1, sh);
        continue;
      }
      lastPx = Math.floor(x1);
      ctx.fillStyle = fill;
      ctx.fillRect(x0, sy, x1 - x0, sh);
      for (const w of p.waits) {
        const wx0 = Math.max(x0, this.x(w.s));
        const wx1 = Math.min(x1, this.x(this.endOf(w.e)));
        if (wx1 - wx0 < 0.5) continue;
        ctx.fillStyle = C.bg;
        ctx.fillRect(wx0, sy, wx1 - wx0, sh);
        ctx.fillStyle = this.pattern(color);
        ctx.fillRect(wx0, sy, wx1 - wx0, sh);
      }
      if (x1 - x0 > 3) {
        // a gap before each phase: adjacent phases stay apart
        ctx.fillStyle = C.bg;
        ctx.fillRect(Math.round(x0), sy, 1, sh);
      }
      const vx0 = Math.max(x0, LABEL_W);
      const room = x1 - vx0 - 5;
      if (room > 14 && sh >= 7) {
        const waitsAtLabel = p.waits.length > 0 && p.waits.some((w) => this.x(w.s) <= vx0 + 4 && this.x(this.endOf(w.e)) > vx0 + 4);
        ctx.fillStyle = nested || waitsAtLabel ? (nested ? "#ffffff" : C.fg) : ink;
        if (nested) ctx.font = "9px system-ui, sans-serif";
        ctx.fillText(p.phase, vx0 + 3, p.inner ? y + 1 + this.upperH / 2 : sy + sh / 2 + 0.5, room);
        if (nested) ctx.font = "11px system-ui, sans-serif";
      }
    }
    ctx.restore();
  }

  private drawCoro(c: Coro, y: number, t1: number): void {
    const ctx = this.ctx;
    const C = this.colors;
    ctx.fillStyle = C.muted;
    ctx.fillText(`co ${c.co} ${coName(c)}`, 14, y + CO_H / 2, LABEL_W - 18);
    const segs = c.segs;
    let lo = 0;
    let hi = segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid].s <= this.t0) lo = mid + 1;
      else hi = mid;
    }
    const color = requestColor(c.req);
    let lastPx = -1;
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_W, y, this.plotW(), CO_H);
    ctx.clip();
    for (let i = Math.max(0, lo - 1); i < segs.length; i++) {
      const s: Seg = segs[i];
      if (s.s > t1) break;
      const end = Number.isNaN(s.e) ? this.model.maxTs : s.e;
      const x0 = this.x(s.s);
      const x1 = this.x(end);
      if (s.st === DONE) {
        ctx.fillStyle = C.done;
        ctx.fillRect(x0, y + CO_H / 2, Math.max(1, x1 - x0), 1);
        ctx.fillRect(x0, y + 1, 2, CO_H - 2);
        continue;
      }
      const wpx = x1 - x0;
      if (wpx < 1) {
        const p = Math.floor(x0);
        if (p === lastPx && s.st !== RUN) continue;
        lastPx = p;
        ctx.fillStyle = s.st === RUN ? color : C.done;
        ctx.fillRect(p, y, 1, CO_H);
        continue;
      }
      lastPx = Math.floor(x1);
      if (s.st === RUN) {
        ctx.fillStyle = color;
        ctx.fillRect(x0, y, wpx, CO_H);
      } else {
        ctx.fillStyle = this.pattern(color);
        ctx.fillRect(x0, y + 2, wpx, CO_H - 4);
        if (wpx > 40 && s.reason) {
          ctx.fillStyle = C.fg;
          ctx.fillText(s.reason, Math.max(x0, LABEL_W) + 3, y + CO_H / 2, wpx - 6);
        }
      }
    }
    ctx.restore();
  }

  private drawAxis(): void {
    const ctx = this.ctx;
    const C = this.colors;
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, 0, this.w, AXIS_H);
    const base = Number.isFinite(this.model.minTs) ? this.model.minTs : 0;
    const minStep = 90 * this.nsPerPx;
    let step = Math.pow(10, Math.floor(Math.log10(minStep)));
    for (const f of [1, 2, 5, 10]) {
      if (step * f >= minStep) {
        step *= f;
        break;
      }
    }
    const t1 = this.t0 + this.plotW() * this.nsPerPx;
    ctx.strokeStyle = C.grid;
    ctx.fillStyle = C.muted;
    let tick = Math.ceil((this.t0 - base) / step) * step + base;
    ctx.beginPath();
    for (; tick <= t1; tick += step) {
      const x = Math.round(this.x(tick)) + 0.5;
      ctx.moveTo(x, AXIS_H - 5);
      ctx.lineTo(x, AXIS_H);
      ctx.fillText(nsToMs(tick - base) + " ms", x + 3, AXIS_H / 2);
    }
    ctx.moveTo(0, AXIS_H - 0.5);
    ctx.lineTo(this.w, AXIS_H - 0.5);
    ctx.stroke();
  }

  /** visibleRange reports the time span on screen (for tests and replay). */
  visibleRange(): [number, number] {
    return [this.t0, this.t0 + this.plotW() * this.nsPerPx];
  }
}

/** laneName labels a request lane: "r2 GET /path", "timer r1", "worker 0", "TLS fd 14 a.test". */
export function laneName(l: ReqLane): string {
  if (l.kind === "timer") return `timer r${l.req}`;
  if (l.kind === "tls") return `TLS fd ${l.tls?.fd ?? "?"}${l.tls?.sni ? " " + l.tls.sni : ""}`;
  if (l.kind === "worker") return workerLabel(l.worker);
  return l.label ? `r${l.req} ${l.label}` : `r${l.req}`;
}

/** coName says what made a coroutine: its phase for an entry coroutine, else thread, timer or coroutine. */
export function coName(c: Coro): string {
  switch (c.kind) {
    case "thread": return "thread";
    case "timer": return "timer";
    case "user": return "coroutine";
    default: return c.phase;
  }
}

/** phaseAt finds the phase of lane l at ts: the one nested at most maxDepth deep. */
export function phaseAt(l: ReqLane, ts: number, maxDepth: number): PhaseSeg | null {
  let best: PhaseSeg | null = null;
  for (const p of l.phases) {
    if (p.s > ts) break;
    if (!Number.isNaN(p.e) && p.e < ts) continue;
    if (p.depth <= maxDepth && (!best || p.depth >= best.depth)) best = p;
  }
  return best;
}

const inkCache = new Map<string, string>();

/** inkOn picks black or white text for a background colour "#rrggbb". */
function inkOn(bg: string): string {
  let ink = inkCache.get(bg);
  if (!ink) {
    const n = parseInt(bg.slice(1), 16);
    const lum = 0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255);
    ink = lum > 120 ? "#000000" : "#ffffff";
    inkCache.set(bg, ink);
  }
  return ink;
}

const shadeCache = new Map<string, string>();

/** shade darkens a colour "#rrggbb" (the phases run from inside another, under it). */
function shade(c: string): string {
  let d = shadeCache.get(c);
  if (!d) {
    const n = parseInt(c.slice(1), 16);
    const f = (v: number) => Math.round(v * 0.5).toString(16).padStart(2, "0");
    d = `#${f((n >> 16) & 255)}${f((n >> 8) & 255)}${f(n & 255)}`;
    shadeCache.set(c, d);
  }
  return d;
}
