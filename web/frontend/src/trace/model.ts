// The trace model: a bounded ring of events plus what is derived from them incrementally:
// per-worker runs and epoll_wait markers, per-request lanes with their phases (requests.ts),
// per-coroutine running/waiting/done segments, the epoll interest list and the ready lists
// of recent epoll_wait calls.
//
// Coroutines are only what ngx_lua makes: the entry coroutines of rewrite, access and content
// (and ssl), timers, light threads and the learner's own coroutines. A phase that cannot yield
// (set, header_filter, body_filter, log ...) is a plain call: a span of its request's lane, never
// a coroutine, even when an engine reports a co_resume for it.

import { isSyncPhase } from "./phases";
import { RequestLanes } from "./requests";
import { Series } from "./series";
import { EPOLLIN, EPOLLOUT, workerKey, type TraceEvent } from "./types";

export const RUN = 0;
export const WAIT = 1;
export const DONE = 2;
export type SegState = typeof RUN | typeof WAIT | typeof DONE;

/** A stretch of one coroutine's life. e is NaN while it lasts. */
export interface Seg {
  s: number;
  e: number;
  st: SegState;
  reason?: string;
  phase?: string;
  source?: string;
  line?: number;
}

/**
 * What made a coroutine: the entry coroutine of a phase (rewrite, access, content, ssl), a timer's,
 * ngx.thread.spawn, coroutine.create in the learner's code; "" when its co_create was not recorded.
 */
export type CoKind = "entry" | "timer" | "thread" | "user" | "";

export interface Coro {
  key: number;
  co: number;
  worker: number;
  req: number;
  phase: string;
  parent: number;
  created: number;
  ran: boolean;
  kind: CoKind;
  segs: Seg[];
}

/** coKindOf classifies a co_create event. */
export function coKindOf(ev: TraceEvent): CoKind {
  if (ev.detail === "ngx.thread.spawn") return "thread";
  if (ev.arg) return "user";
  if (ev.phase === "timer") return "timer";
  if (ev.phase && !isSyncPhase(ev.phase) && ev.req) return "entry";
  return "user";
}

/** Worker run columns: start, end, co, req. */
export const R_START = 0, R_END = 1, R_CO = 2, R_REQ = 3;
/** epoll_wait columns: ts, timeout ms, ready count, ts of the return (first ready or next event). */
export const W_TS = 0, W_TIMEOUT = 1, W_READY = 2;

/** What a worker runs now: a coroutine, or (co 0) a phase that cannot yield. */
export interface OpenRun { start: number; co: number; req: number; phase: string; source: string; line: number }

export interface WorkerLane {
  id: number;
  runs: Series;
  open: OpenRun | null;
  /** runs suspended by a nested resume on this worker (ngx.thread.spawn, coroutine.resume) */
  stack: OpenRun[];
  waits: Series;
  distinctCoros: number;
  lastTs: number;
}

export interface Interest { worker: number; fd: number; events: number; owner: number; req: number; since: number; what: string }

export interface WaitCall { worker: number; ts: number; timeout: number; ready: { fd: number; mask: number }[] }

export interface ModelStats { events: number; coroutines: number; workers: number; requests: number; lanes: Record<string, number> }

const MAX_COROS = 20000;
const MAX_SEGS = 4000;
const MAX_RECENT_WAITS = 200;
const MAX_INTEREST_LOG = 200000;

export function coKey(worker: number, co: number): number {
  return worker * 4294967296 + co;
}

const FD_RE = /\b(read|recv|receive|write|send|connect|accept)\w*\b.*?\bfd\s*(\d+)/i;

/** parseWaitFd reads "read fd 9" style co_yield details: the fd and whether it waits to read or write. */
export function parseWaitFd(detail: string | undefined): { fd: number; events: number } | null {
  if (!detail) return null;
  const m = FD_RE.exec(detail);
  if (!m) return null;
  const verb = m[1].toLowerCase();
  const out = verb.startsWith("write") || verb.startsWith("send") || verb.startsWith("connect");
  return { fd: Number(m[2]), events: out ? EPOLLOUT : EPOLLIN };
}

export class TraceModel {
  readonly cap: number;
  private ring: (TraceEvent | undefined)[];
  /** total events ingested since the last clear; event i lives at ring[i % cap] while i >= total - cap */
  total = 0;
  minTs = Infinity;
  maxTs = -Infinity;
  workers = new Map<number, WorkerLane>();
  coros = new Map<number, Coro>();
  /** coroutines in order of first sight (their lanes) */
  coroList: Coro[] = [];
  /** index in coroList of coroList[0] since the last clear (lanes removed from the front) */
  coroBase = 0;
  private seen = new Set<number>();
  distinctCoros = 0;
  /** one lane per request with its phases and coroutines */
  requests = new RequestLanes();
  /** the span of the request that ended last (Send fits the axis to it) */
  lastRequest: { start: number; end: number } | null = null;
  private openRequests = new Map<number, number>();
  interest = new Map<number, Interest>();
  /** every change of the interest list in order (it: null for a removal), for interestAt */
  private interestLog: { ts: number; key: number; it: Interest | null }[] = [];
  recentWaits: WaitCall[] = [];
  private lastWait = new Map<number, WaitCall>();
  kinds = new Set<string>();
  traceDropped = 0;
  /** bumps on every change; views redraw when it moved */
  version = 0;

  constructor(cap = 1 << 18) {
    this.cap = cap;
    this.ring = new Array(cap);
  }

  clear(): void {
    this.ring = new Array(this.cap);
    this.total = 0;
    this.minTs = Infinity;
    this.maxTs = -Infinity;
    this.workers.clear();
    this.coros.clear();
    this.coroList = [];
    this.coroBase = 0;
    this.seen.clear();
    this.distinctCoros = 0;
    this.requests.clear();
    this.interest.clear();
    this.interestLog = [];
    this.lastRequest = null;
    this.openRequests.clear();
    this.recentWaits = [];
    this.lastWait.clear();
    this.kinds.clear();
    this.traceDropped = 0;
    this.version++;
  }

  /** first is the sequence number of the oldest event still held. */
  get first(): number {
    return Math.max(0, this.total - this.cap);
  }

  get(seq: number): TraceEvent | undefined {
    if (seq < this.first || seq >= this.total) return undefined;
    return this.ring[seq % this.cap];
  }

  ingest(events: readonly TraceEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      if (!ev || typeof ev.ts !== "number" || typeof ev.kind !== "string") continue;
      if (typeof ev.worker !== "number") (ev as { worker: number }).worker = 0;
      // a reload's workers reuse the old ones' ids: from here on a worker is known by its key
      if (typeof ev.gen === "number" && ev.gen > 0) (ev as { worker: number }).worker = workerKey(ev.worker, ev.gen);
      this.ring[this.total % this.cap] = ev;
      this.total++;
      this.one(ev);
    }
    if (events.length) this.version++;
  }

  private lane(w: number): WorkerLane {
    let l = this.workers.get(w);
    if (!l) {
      l = { id: w, runs: new Series(4, 256, 1 << 19), open: null, stack: [], waits: new Series(3, 256, 1 << 18), distinctCoros: 0, lastTs: 0 };
      this.workers.set(w, l);
    }
    return l;
  }

  private coro(ev: TraceEvent, kind: CoKind = ""): Coro {
    const co = ev.co ?? 0;
    const key = coKey(ev.worker, co);
    let c = this.coros.get(key);
    if (!c) {
      c = { key, co, worker: ev.worker, req: ev.req ?? 0, phase: ev.phase ?? "", parent: 0, created: ev.ts, ran: false, kind, segs: [] };
      this.coros.set(key, c);
      this.coroList.push(c);
      this.requests.attach(c);
      if (!this.seen.has(key)) {
        if (this.seen.size < 2_000_000) this.seen.add(key);
        this.distinctCoros++;
      }
      if (this.coroList.length > MAX_COROS) {
        const drop = this.coroList.length - MAX_COROS + (MAX_COROS >> 3);
        for (let i = 0; i < drop; i++) this.coros.delete(this.coroList[i].key);
        this.coroList.splice(0, drop);
        this.coroBase += drop;
      }
    } else {
      // (no req / phase update: a coroutine belongs to the request and phase it was made for; a filter
      // run by its ngx.say reports the filter's phase)
      if (!c.phase && ev.phase) c.phase = ev.phase;
    }
    return c;
  }

  private openSeg(c: Coro, ts: number, st: SegState, ev: TraceEvent, reason?: string): void {
    const last = c.segs[c.segs.length - 1];
    if (last && Number.isNaN(last.e)) last.e = ts;
    if (c.segs.length >= MAX_SEGS) c.segs.splice(0, MAX_SEGS >> 1);
    c.segs.push({ s: ts, e: NaN, st, reason, phase: ev.phase, source: ev.source, line: ev.line });
  }

  /** closeRun ends the worker's open run at ts. */
  private closeRun(l: WorkerLane, ts: number): void {
    const o = l.open;
    if (!o) return;
    l.runs.push(o.start, Math.max(ts, o.start), o.co, o.req);
    l.open = null;
  }

  private one(ev: TraceEvent): void {
    const ts = ev.ts;
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    const l = this.lane(ev.worker);
    if (ts > l.lastTs) l.lastTs = ts;
    if (!this.kinds.has(ev.kind)) this.kinds.add(ev.kind);
    switch (ev.kind) {
      case "co_create": {
        const c = this.coro(ev, coKindOf(ev));
        c.parent = ev.arg ?? 0;
        if (c.segs.length === 0) this.openSeg(c, ts, WAIT, ev, "created");
        if (c.kind === "timer") {
          // a timer's handler is its phase "timer" (its co_create stands for the phase_enter the engine omits)
          this.requests.timer(ev);
          const tl = this.requests.get(ev.worker, c.req);
          if (!tl || !tl.open.some((p) => p.phase === "timer")) this.requests.enter(ev.worker, c.req, "timer", ts, ev.source).co = c.co;
          else this.requests.bindEntry(c);
        } else if (c.kind === "entry") this.requests.bindEntry(c);
        break;
      }
      case "co_resume": {
        // a phase that cannot yield runs as a plain call: an engine's co_resume of a coroutine nobody
        // created, in such a phase, is that call, not a coroutine
        if (isSyncPhase(ev.phase) && !this.coros.has(coKey(ev.worker, ev.co ?? 0))) break;
        const c = this.coro(ev);
        if (l.open && l.open.co === c.co) {
          // already running (a parent resumed by us when its child yielded)
          break;
        }
        if (l.open) {
          const parent = l.open.co ? this.coros.get(coKey(ev.worker, l.open.co)) : undefined;
          l.stack.push(l.open);
          this.closeRun(l, ts);
          if (parent) this.openSeg(parent, ts, WAIT, ev, `co ${c.co}`);
        }
        if (!c.ran) {
          c.ran = true;
          l.distinctCoros++;
        }
        this.openSeg(c, ts, RUN, ev);
        l.open = { start: ts, co: c.co, req: c.req || (ev.req ?? 0), phase: c.phase || (ev.phase ?? ""), source: ev.source ?? "", line: ev.line ?? 0 };
        if (c.req) this.requests.resumed(ev.worker, c.req, ts);
        break;
      }
      case "co_yield":
      case "co_exit": {
        if (isSyncPhase(ev.phase) && !this.coros.has(coKey(ev.worker, ev.co ?? 0))) break;
        const c = this.coro(ev);
        const exit = ev.kind === "co_exit";
        this.openSeg(c, ts, exit ? DONE : WAIT, ev, exit ? (ev.detail || "ok") : (ev.detail || "yield"));
        if (l.open && l.open.co === c.co) {
          this.closeRun(l, ts);
          const up = l.stack.pop();
          if (up !== undefined) {
            const p = up.co ? this.coros.get(coKey(ev.worker, up.co)) : undefined;
            if (p) this.openSeg(p, ts, RUN, ev);
            if (p || !up.co) l.open = { ...up, start: ts };
          }
        } else {
          const k = l.stack.findIndex((o) => o.co === c.co);
          if (k >= 0) l.stack.splice(k, 1);
        }
        if (c.req && (!l.open || l.open.req !== c.req)) {
          // none of the request's coroutines runs now: inside a phase that yields, the request waits
          // (after a yield; after its entry coroutine ended, only for light threads still alive)
          if (!exit) this.requests.stopped(ev.worker, c.req, ts, ev.detail || "yield", c.co, ev.source, ev.line);
          else if (c.kind === "entry" && this.liveThreads(ev.worker, c.req)) this.requests.stopped(ev.worker, c.req, ts, "light threads", c.co);
        }
        if (exit && c.kind === "timer") this.requests.exit(ev.worker, c.req, "timer", ts);
        if (!exit) {
          const w = parseWaitFd(ev.detail);
          if (w) this.setInterest(ev, w.fd, w.events, c.co, ev.detail ?? "");
          else if (ev.fd && /read|write|recv|send|connect/i.test(ev.detail ?? "")) {
            this.setInterest(ev, ev.fd, /write|send|connect/i.test(ev.detail ?? "") ? EPOLLOUT : EPOLLIN, c.co, ev.detail ?? "");
          }
        }
        break;
      }
      case "request_start":
        if (ev.req) this.openRequests.set(coKey(ev.worker, ev.req), ts);
        this.requests.start(ev);
        break;
      case "tls_hello":
        this.requests.tlsHello(ev);
        break;
      case "tls_done":
        this.requests.tlsDone(ev);
        break;
      case "phase_enter":
        if (ev.req && ev.phase) {
          // the handshake's handlers (ssl_certificate_by_lua: "ssl_cert") run on a fake request of their own
          if (ev.phase.startsWith("ssl_")) this.requests.sslPhase(ev);
          this.requests.enter(ev.worker, ev.req, ev.phase, ts, ev.source);
          // the worker runs a plain call (nested in a running coroutine, the coroutine's run goes on)
          if (isSyncPhase(ev.phase) && !l.open) l.open = { start: ts, co: 0, req: ev.req, phase: ev.phase, source: ev.source ?? "", line: 0 };
        }
        break;
      case "phase_exit":
        if (ev.req && ev.phase) {
          this.requests.exit(ev.worker, ev.req, ev.phase, ts);
          const o = l.open;
          if (o && o.co === 0 && o.req === ev.req && o.phase === ev.phase) this.closeRun(l, ts);
        }
        break;
      case "timer_fire":
        // (a sleep's wake-up is a timer_fire of its request too)
        if (ev.detail === "ngx.timer") this.requests.timer(ev);
        break;
      case "request_end": {
        this.requests.end(ev);
        const key = coKey(ev.worker, ev.req ?? 0);
        const start = this.openRequests.get(key);
        if (start !== undefined) {
          this.openRequests.delete(key);
          this.lastRequest = { start, end: ts };
        }
        break;
      }
      case "epoll_wait": {
        l.waits.push(ts, ev.arg ?? -1, 0);
        const call: WaitCall = { worker: ev.worker, ts, timeout: ev.arg ?? -1, ready: [] };
        this.recentWaits.push(call);
        if (this.recentWaits.length > MAX_RECENT_WAITS * 2) this.recentWaits.splice(0, MAX_RECENT_WAITS);
        this.lastWait.set(ev.worker, call);
        break;
      }
      case "epoll_ready": {
        const call = this.lastWait.get(ev.worker);
        if (call) {
          call.ready.push({ fd: ev.fd ?? -1, mask: ev.arg ?? 0 });
          if (l.waits.n > 0) l.waits.cols[W_READY][l.waits.n - 1]++;
        }
        break;
      }
      case "accept":
        // the listening socket (arg) was in the list since the worker started, before this recording
        if (ev.arg && !this.interest.has(coKey(ev.worker, ev.arg))) {
          this.setInterest({ ...ev, ts: -Infinity, req: 0 }, ev.arg, EPOLLIN, 0, "listening socket");
        }
        if (ev.fd) this.setInterest(ev, ev.fd, EPOLLIN, ev.co ?? 0, ev.detail ? `accept ${ev.detail}` : "accept");
        break;
      case "close":
        if (ev.fd !== undefined) {
          this.requests.tlsDone(ev, true); // a handshake that never finished
          const key = coKey(ev.worker, ev.fd);
          if (this.interest.delete(key)) this.logInterest(ts, key, null);
        }
        break;
      case "dropped":
        this.traceDropped += ev.arg ?? 0;
        break;
      case "worker_exit":
        this.closeRun(l, ts);
        l.stack = [];
        break;
      default:
        // a log line of a plain call (old engines give it a coroutine id of its own) makes no coroutine
        if (ev.co && (!isSyncPhase(ev.phase) || this.coros.has(coKey(ev.worker, ev.co)))) this.coro(ev);
    }
  }

  /** liveThreads tells whether a light thread of the request has not ended. */
  private liveThreads(worker: number, req: number): boolean {
    const lane = this.requests.get(worker, req);
    if (!lane) return false;
    return lane.coros.some((k) => k.kind === "thread" && k.segs.length > 0 && k.segs[k.segs.length - 1].st !== DONE);
  }

  private setInterest(ev: TraceEvent, fd: number, events: number, owner: number, what: string): void {
    const key = coKey(ev.worker, fd);
    const old = this.interest.get(key);
    const it: Interest = old
      ? { ...old, events, owner: owner || old.owner, req: ev.req || old.req, what }
      : { worker: ev.worker, fd, events, owner, req: ev.req ?? 0, since: ev.ts, what };
    this.interest.set(key, it);
    this.logInterest(ev.ts, key, it);
  }

  private logInterest(ts: number, key: number, it: Interest | null): void {
    this.interestLog.push({ ts, key, it });
    // bounded: the oldest changes go (interestAt then starts from a later list)
    if (this.interestLog.length > MAX_INTEREST_LOG) this.interestLog.splice(0, MAX_INTEREST_LOG / 2);
  }

  /** interestAt is the interest list as it was at ts (the replay cursor), sorted by worker and fd. */
  interestAt(ts: number): Interest[] {
    const byFd = (a: Interest, b: Interest) => a.worker - b.worker || a.fd - b.fd;
    // now: the live list (replaying the log would redo every change on each redraw of a streaming trace)
    if (ts >= this.maxTs) return [...this.interest.values()].sort(byFd);
    const at = new Map<number, Interest>();
    for (const c of this.interestLog) {
      if (c.ts > ts) continue; // workers' batches may interleave: no early break
      if (c.it) at.set(c.key, c.it);
      else at.delete(c.key);
    }
    return [...at.values()].sort(byFd);
  }

  workerIds(): number[] {
    return [...this.workers.keys()].sort((a, b) => a - b);
  }

  stats(): ModelStats {
    const lanes: Record<string, number> = {};
    let workers = 0;
    for (const l of this.workers.values()) {
      workers++;
      if (l.distinctCoros > 0) lanes[String(l.id)] = l.distinctCoros;
    }
    return { events: this.total, coroutines: this.distinctCoros, workers, requests: this.requests.requests, lanes };
  }

  /** runAt finds what worker w runs at ts: the coroutine and request, or null when idle. */
  runAt(w: number, ts: number): { co: number; req: number; start: number; end: number } | null {
    const l = this.workers.get(w);
    if (!l) return null;
    if (l.open && ts >= l.open.start) return { co: l.open.co, req: l.open.req, start: l.open.start, end: NaN };
    const r = l.runs;
    const i = r.lowerBound(R_END, ts);
    if (i < r.n && r.cols[R_START][i] <= ts) {
      return { co: r.cols[R_CO][i], req: r.cols[R_REQ][i], start: r.cols[R_START][i], end: r.cols[R_END][i] };
    }
    return null;
  }

  /** segAt finds the segment of coroutine c covering ts. */
  segAt(c: Coro, ts: number): Seg | null {
    const segs = c.segs;
    let lo = 0;
    let hi = segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid].s <= ts) lo = mid + 1;
      else hi = mid;
    }
    const s = segs[lo - 1];
    if (!s) return null;
    if (!Number.isNaN(s.e) && s.e < ts && s.st !== DONE) return null;
    return s;
  }

  /** stateAt sums up the instant ts: per worker what runs, and the waiting coroutines with their reasons. */
  stateAt(ts: number): { workers: { w: number; co: number; req: number }[]; waiting: Map<string, number>; nWaiting: number } {
    const workers = this.workerIds().map((w) => {
      const r = this.runAt(w, ts);
      return { w, co: r ? r.co : 0, req: r ? r.req : 0 };
    });
    const waiting = new Map<string, number>();
    let nWaiting = 0;
    for (const c of this.coroList) {
      if (c.created > ts) continue;
      const s = this.segAt(c, ts);
      if (s && s.st === WAIT) {
        nWaiting++;
        const r = (s.reason ?? "").replace(/\bfd \d+/g, "fd N");
        waiting.set(r, (waiting.get(r) ?? 0) + 1);
      }
    }
    return { workers, waiting, nWaiting };
  }

  /** forEach visits the held events from oldest to newest. */
  forEach(fn: (ev: TraceEvent, seq: number) => void): void {
    for (let s = this.first; s < this.total; s++) fn(this.ring[s % this.cap] as TraceEvent, s);
  }
}
