// Request lanes: one per request (or timer) of a worker, holding its phases as segments in time order
// (from phase_enter / phase_exit), the spans inside a phase where none of the request's coroutines ran
// (it waited: for a sleep, a socket, its light threads), and the coroutines ngx_lua created for it.

import type { Coro } from "./model";
import { isSyncPhase } from "./phases";
import type { TraceEvent } from "./types";

/** A stretch inside a phase where the request waited. e is NaN while it lasts. */
export interface WaitSpan {
  s: number;
  e: number;
  /** the co_yield's detail ("sleep 50ms", "read fd 9") */
  reason: string;
  /** where the Lua yielded */
  source?: string;
  line?: number;
  /** the coroutine that yielded */
  co: number;
}

/** One call of a phase handler. e is NaN while it lasts. */
export interface PhaseSeg {
  phase: string;
  s: number;
  e: number;
  /** 0 for a phase of the request itself, 1 and more for a phase run from inside another (a filter run by ngx.say in content) */
  depth: number;
  /** the phase cannot yield (set, header_filter, body_filter, log ...): a plain call */
  sync: boolean;
  /** the handler's chunk name, "content_by_lua(nginx.conf:19)" */
  source?: string;
  /** the phase's entry coroutine (rewrite, access, content, timer), 0 for none */
  co: number;
  /** how many phases ran from inside this one */
  inner: number;
  waits: WaitSpan[];
}

export type LaneKind = "request" | "timer" | "worker" | "tls";

/** A TLS handshake on a client connection (tls_hello to tls_done), drawn as a lane of its own. */
export interface TlsHandshake {
  fd: number;
  /** the ClientHello's SNI name, "" without one */
  sni: string;
  /** the versions the client offered ("TLSv1.3,TLSv1.2") */
  versions: string;
  /** tls_done's detail ("TLSv1.3 TLS_AES_128_GCM_SHA256 new", "failed: ..."); "" while it lasts */
  result: string;
  failed: boolean;
}

export interface ReqLane {
  /** coKey(worker, req) */
  key: number;
  /** the lane's number since the last clear (its index in list is idx - base) */
  idx: number;
  worker: number;
  /** request id (a timer runs as a fake request with an id of its own); 0 for the worker's own coroutines */
  req: number;
  kind: LaneKind;
  /** request_start's detail ("GET /path"), a timer's what-for */
  label: string;
  start: number;
  /** NaN while the request lasts */
  end: number;
  status: number;
  /** every phase call in the order they began */
  phases: PhaseSeg[];
  /** the phases in progress, outermost first */
  open: PhaseSeg[];
  /** the wait in progress, if any */
  wait: WaitSpan | null;
  /** the coroutines of the request in order of creation */
  coros: Coro[];
  /** how many of coros are entry coroutines (a crowded timeline folds them into the request's row) */
  entries: number;
  /** a handshake lane's ClientHello and outcome (kind "tls"); its req is the ssl phase's fake request, 0 without one */
  tls?: TlsHandshake;
}

const MAX_LANES = 20000;
// Shared empty lists, replaced by a list of its own on the first push: most phases never wait, most
// lanes hold a phase or two (fewer objects for the garbage collector at 200k events/s).
const NO_WAITS: WaitSpan[] = [];
const NO_PHASES: PhaseSeg[] = [];
const NO_COROS: Coro[] = [];
const MAX_PHASES = 4000;

function laneKey(worker: number, req: number): number {
  return worker * 4294967296 + req;
}

/** RequestLanes derives the request lanes from the events the model hands it. */
export class RequestLanes {
  map = new Map<number, ReqLane>();
  /** lanes in order of first sight */
  list: ReqLane[] = [];
  /** index of list[0] since the last clear (lanes removed from the front) */
  base = 0;
  /** bumps when a lane or a coroutine row is added or removed (views recompute their layout) */
  layout = 0;
  /** lanes of real requests (request_start seen) since the last clear */
  requests = 0;
  /** the lowest lane number whose rows changed since the view last took it (takeChanged) */
  private changedFrom = 0;
  /** handshakes in progress by (worker, fd) */
  private tlsOpen = new Map<number, ReqLane>();
  private tlsSeq = 0;

  clear(): void {
    this.map.clear();
    this.tlsOpen.clear();
    this.list = [];
    this.base = 0;
    this.layout++;
    this.requests = 0;
    this.changedFrom = 0;
  }

  /** takeChanged returns the index in list of the first lane whose rows changed since the last call (the view's layout). */
  takeChanged(): number {
    const from = Math.max(0, this.changedFrom - this.base);
    this.changedFrom = Infinity;
    return from;
  }

  get(worker: number, req: number): ReqLane | undefined {
    return this.map.get(laneKey(worker, req));
  }

  /** lane finds or makes the lane of request req on worker (key: a handshake lane's own key, see tlsHello). */
  lane(worker: number, req: number, ts: number, key = laneKey(worker, req)): ReqLane {
    let l = this.map.get(key);
    if (!l) {
      const idx = this.base + this.list.length;
      if (idx < this.changedFrom) this.changedFrom = idx;
      l = {
        key, idx, worker, req, kind: req ? "request" : "worker", label: "", start: ts, end: NaN, status: 0,
        phases: NO_PHASES, open: NO_PHASES, wait: null, coros: NO_COROS, entries: 0,
      };
      this.map.set(key, l);
      this.list.push(l);
      this.layout++;
      if (this.list.length > MAX_LANES) {
        const drop = this.list.length - MAX_LANES + (MAX_LANES >> 3);
        for (let i = 0; i < drop; i++) {
          const d = this.list[i];
          this.map.delete(d.key);
          if (d.tls) {
            // a handshake lane is also known by its ssl phase's fake request
            if (d.req && this.map.get(laneKey(d.worker, d.req)) === d) this.map.delete(laneKey(d.worker, d.req));
            if (this.tlsOpen.get(laneKey(d.worker, d.tls.fd)) === d) this.tlsOpen.delete(laneKey(d.worker, d.tls.fd));
          }
        }
        this.list.splice(0, drop);
        this.base += drop;
      }
    }
    return l;
  }

  /** tlsHello makes the lane of a handshake (tls_hello: "sni=NAME versions=..." on a client connection's fd). */
  tlsHello(ev: TraceEvent): void {
    const fd = ev.fd ?? 0;
    const detail = ev.detail ?? "";
    const sni = /\bsni=(\S+)/.exec(detail)?.[1] ?? "";
    const versions = /\bversions=(\S+)/.exec(detail)?.[1] ?? "";
    // (keys of handshake lanes are negative: request lanes' are not)
    const l = this.lane(ev.worker, 0, ev.ts, -++this.tlsSeq);
    l.kind = "tls";
    l.tls = { fd, sni: sni === "-" ? "" : sni, versions, result: "", failed: false };
    l.label = sni && sni !== "-" ? sni : "";
    this.tlsOpen.set(laneKey(ev.worker, fd), l);
  }

  /**
   * sslPhase ties the fake request of an ssl phase (phase_enter ssl_cert with the connection's fd) to the
   * connection's handshake lane: its phases and coroutines are drawn there. Without a tls_hello (a
   * recording that began mid-handshake) the fake request gets a handshake lane of its own.
   */
  sslPhase(ev: TraceEvent): void {
    if (!ev.req) return;
    const key = laneKey(ev.worker, ev.req);
    if (this.map.has(key)) return;
    const l = ev.fd !== undefined ? this.tlsOpen.get(laneKey(ev.worker, ev.fd)) : undefined;
    if (l) {
      if (!l.req) l.req = ev.req;
      this.map.set(key, l);
      return;
    }
    const own = this.lane(ev.worker, ev.req, ev.ts);
    own.kind = "tls";
    own.tls = { fd: ev.fd ?? 0, sni: "", versions: "", result: "", failed: false };
  }

  /** tlsDone ends a handshake lane (tls_done), or, with failed, one whose connection closed (close). */
  tlsDone(ev: TraceEvent, closed = false): void {
    const fdKey = laneKey(ev.worker, ev.fd ?? 0);
    const l = this.tlsOpen.get(fdKey);
    if (!l || !l.tls) return;
    this.tlsOpen.delete(fdKey);
    this.closeAll(l, ev.ts);
    l.end = ev.ts;
    l.tls.result = closed ? `failed: ${ev.detail || "closed"}` : ev.detail ?? "";
    l.tls.failed = l.tls.result.startsWith("failed");
    if (l.idx < this.changedFrom) this.changedFrom = l.idx;
  }

  start(ev: TraceEvent): void {
    if (!ev.req) return;
    const l = this.lane(ev.worker, ev.req, ev.ts);
    l.kind = "request";
    l.label = ev.detail ?? "";
    l.start = ev.ts;
    this.requests++;
  }

  end(ev: TraceEvent): void {
    const l = this.get(ev.worker, ev.req ?? 0);
    if (!l) return;
    this.closeAll(l, ev.ts);
    l.end = ev.ts;
    l.status = ev.arg ?? 0;
  }

  /** timer makes the lane of a timer's fake request (timer_fire). */
  timer(ev: TraceEvent): void {
    if (!ev.req) return;
    const l = this.lane(ev.worker, ev.req, ev.ts);
    l.kind = "timer";
    if (!l.label) l.label = ev.detail || "ngx.timer";
  }

  enter(worker: number, req: number, phase: string, ts: number, source?: string): PhaseSeg {
    const l = this.lane(worker, req, ts);
    this.closeWait(l, ts);
    const seg: PhaseSeg = { phase, s: ts, e: NaN, depth: l.open.length, sync: isSyncPhase(phase), source, co: 0, inner: 0, waits: NO_WAITS };
    if (l.open.length) l.open[l.open.length - 1].inner++;
    if (l.phases === NO_PHASES) {
      l.phases = [];
      l.open = [];
    }
    if (l.phases.length >= MAX_PHASES) l.phases.splice(0, MAX_PHASES >> 1);
    l.phases.push(seg);
    l.open.push(seg);
    return seg;
  }

  exit(worker: number, req: number, phase: string, ts: number): void {
    const l = this.get(worker, req);
    if (!l) return;
    let k = l.open.length - 1;
    while (k >= 0 && l.open[k].phase !== phase) k--;
    if (k < 0) return;
    this.closeWait(l, ts);
    // a phase left while phases it ran are still open (an error ended them): they end here too
    for (let i = l.open.length - 1; i >= k; i--) l.open[i].e = ts;
    l.open.length = k; // (k < length here: never the shared empty list)
    if (l.kind === "timer" && l.open.length === 0) l.end = ts;
  }

  /** bindEntry tells the request's open phase which coroutine ngx_lua created to run it. */
  bindEntry(c: Coro): void {
    const l = this.get(c.worker, c.req);
    if (!l) return;
    for (let i = l.open.length - 1; i >= 0; i--) {
      const seg = l.open[i];
      if (!seg.sync && seg.phase === c.phase) {
        if (!seg.co) seg.co = c.co;
        return;
      }
    }
  }

  /** attach lists coroutine c under its request's lane. */
  attach(c: Coro): void {
    const l = this.lane(c.worker, c.req, c.created);
    if (l.coros === NO_COROS) l.coros = [];
    l.coros.push(c);
    if (c.kind === "entry") l.entries++;
    if (l.idx < this.changedFrom) this.changedFrom = l.idx;
    this.layout++;
  }

  /** stopped: none of the request's coroutines runs any more; inside a phase that yields, it now waits. */
  stopped(worker: number, req: number, ts: number, reason: string, co: number, source?: string, line?: number): void {
    const l = this.get(worker, req);
    if (!l || l.wait) return;
    let seg: PhaseSeg | undefined;
    for (let i = l.open.length - 1; i >= 0; i--) {
      if (!l.open[i].sync) {
        seg = l.open[i];
        break;
      }
    }
    if (!seg) return;
    const w: WaitSpan = { s: ts, e: NaN, reason, co, source, line };
    if (seg.waits === NO_WAITS) seg.waits = [];
    seg.waits.push(w);
    l.wait = w;
  }

  /** resumed: one of the request's coroutines runs again. */
  resumed(worker: number, req: number, ts: number): void {
    const l = this.get(worker, req);
    if (l) this.closeWait(l, ts);
  }

  private closeWait(l: ReqLane, ts: number): void {
    const w = l.wait;
    if (!w) return;
    l.wait = null;
    w.e = ts;
    if (w.e <= w.s) {
      // a yield that was no wait (the phase ended at once): not a span
      for (const seg of l.open) {
        const i = seg.waits.lastIndexOf(w);
        if (i >= 0) seg.waits.splice(i, 1);
      }
    }
  }

  private closeAll(l: ReqLane, ts: number): void {
    this.closeWait(l, ts);
    for (const seg of l.open) seg.e = ts;
    if (l.open.length) l.open.length = 0;
  }
}

/** phaseWaitNs sums the waits of a phase segment up to ts (for a segment still open). */
export function phaseWaitNs(seg: PhaseSeg, now: number): number {
  let sum = 0;
  for (const w of seg.waits) sum += (Number.isNaN(w.e) ? now : w.e) - w.s;
  return sum;
}
