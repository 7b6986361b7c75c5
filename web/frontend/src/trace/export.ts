// Export of a recording: Chrome Trace Event JSON (opens in Perfetto) and JSON lines.
// The JSON format: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
// ("X" complete events, "M" metadata, "s"/"f" flow events binding to the enclosing slice).

import { coKey, DONE, R_CO, R_END, R_REQ, R_START, RUN, type Coro, type TraceModel } from "./model";
import { chunkSource } from "./phases";
import { phaseWaitNs, type ReqLane } from "./requests";
import { workerLabel, type TraceEvent } from "./types";

interface ChromeEvent {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  s?: string;
  cat?: string;
  id?: number;
  bp?: string;
  args?: Record<string, unknown>;
}

const us = (ns: number) => ns / 1000;
const ms = (ns: number) => Math.round(ns / 1000) / 1000;

/** the process of worker w's requests and coroutines (pid 1 holds the workers' own tracks) */
const lanePid = (w: number) => 2 + w;

function laneTitle(l: ReqLane): string {
  if (l.kind === "timer") return `timer r${l.req}`;
  if (l.kind === "tls") return `TLS handshake fd ${l.tls?.fd ?? "?"}${l.tls?.sni ? " " + l.tls.sni : ""}${l.tls?.result ? " (" + l.tls.result + ")" : ""}`;
  if (l.kind === "worker") return `${workerLabel(l.worker)} (no request)`;
  return l.label ? `r${l.req} ${l.label}` : `r${l.req}`;
}

function coTitle(c: Coro): string {
  const what = c.kind === "thread" ? "light thread" : c.kind === "user" ? "coroutine" : c.kind === "timer" ? "timer" : c.phase;
  return `co ${c.co} ${what}`;
}

/**
 * chromeTrace turns the model into {"traceEvents": [...]}. pid 1: one track per worker, an "X" slice per run
 * (a coroutine, or a phase that cannot yield) and "i" instants for epoll. Then per worker a process of its
 * requests: a track per request with a slice per phase call (named by the phase; a wait inside it nested as
 * "wait: reason"), each followed by a track per coroutine of the request (run and wait slices, a flow from
 * each yield to its resume).
 */
export function chromeTrace(m: TraceModel): { traceEvents: ChromeEvent[]; displayTimeUnit: string } {
  const out: ChromeEvent[] = [{ name: "process_name", ph: "M", ts: 0, pid: 1, tid: 0, args: { name: "restylab" } }];
  for (const l of m.workers.values()) {
    out.push({ name: "thread_name", ph: "M", ts: 0, pid: 1, tid: l.id, args: { name: workerLabel(l.id) } });
    const r = l.runs;
    for (let i = 0; i < r.n; i++) {
      const co = r.cols[R_CO][i];
      const req = r.cols[R_REQ][i];
      const start = r.cols[R_START][i];
      const c = co ? m.coros.get(coKey(l.id, co)) : undefined;
      let name = c ? `${coTitle(c)} (r${req})` : co ? `co ${co}` : "";
      if (!co) {
        // a phase that cannot yield, run as a plain call
        const lane = m.requests.get(l.id, req);
        const p = lane?.phases.find((x) => x.s <= start && (Number.isNaN(x.e) || x.e >= start) && x.sync);
        name = `${p ? p.phase : "plain call"} (r${req})`;
      } else if (!req) name = c ? coTitle(c) : `co ${co}`;
      out.push({
        name, cat: co ? "coroutine" : "phase", ph: "X",
        ts: us(start), dur: us(r.cols[R_END][i] - start),
        pid: 1, tid: l.id, args: { co, req },
      });
    }
    if (l.open) {
      out.push({
        name: `co ${l.open.co}`, cat: "coroutine", ph: "X", ts: us(l.open.start),
        dur: us(Math.max(0, l.lastTs - l.open.start)), pid: 1, tid: l.id, args: { co: l.open.co, req: l.open.req, open: true },
      });
    }
  }
  requestTracks(m, out);
  m.forEach((ev) => {
    if (ev.kind === "epoll_wait" || ev.kind === "epoll_ready") {
      out.push({
        name: ev.kind === "epoll_wait" ? `epoll_wait ${ev.arg ?? -1}ms` : `epoll_ready fd ${ev.fd ?? -1}`,
        cat: "epoll", ph: "i", s: "t", ts: us(ev.ts), pid: 1, tid: ev.worker,
        args: { fd: ev.fd, arg: ev.arg },
      });
    }
  });
  return { traceEvents: out, displayTimeUnit: "ms" };
}

/** requestTracks adds the request and coroutine tracks of every worker. */
function requestTracks(m: TraceModel, out: ChromeEvent[]): void {
  const now = m.maxTs;
  const end = (e: number) => (Number.isNaN(e) ? now : e);
  const tids = new Map<number, number>();
  let flow = 0;
  for (const lane of m.requests.list) {
    const pid = lanePid(lane.worker);
    if (!tids.has(pid)) {
      tids.set(pid, 0);
      out.push({ name: "process_name", ph: "M", ts: 0, pid, tid: 0, args: { name: `${workerLabel(lane.worker)}: requests` } });
    }
    let tid = tids.get(pid)! + 1;
    out.push({ name: "thread_name", ph: "M", ts: 0, pid, tid, args: { name: laneTitle(lane) } });
    out.push({ name: "thread_sort_index", ph: "M", ts: 0, pid, tid, args: { sort_index: tid } });
    for (const p of lane.phases) {
      const pe = end(p.e);
      const waited = phaseWaitNs(p, now);
      const src = chunkSource(p.source);
      out.push({
        name: p.phase, cat: "phase", ph: "X", ts: us(p.s), dur: us(pe - p.s), pid, tid,
        args: { req: lane.req, source: src ? `${src.file}:${src.line}` : p.source, co: p.co || undefined, running_ms: ms(pe - p.s - waited), waiting_ms: ms(waited) },
      });
      for (const w of p.waits) {
        out.push({
          name: `wait: ${w.reason}`, cat: "wait", ph: "X", ts: us(w.s), dur: us(end(w.e) - w.s), pid, tid,
          args: { co: w.co, source: w.source ? `${w.source}:${w.line ?? 0}` : undefined },
        });
      }
    }
    for (const c of lane.coros) {
      tid++;
      out.push({ name: "thread_name", ph: "M", ts: 0, pid, tid, args: { name: `  ${coTitle(c)}` } });
      out.push({ name: "thread_sort_index", ph: "M", ts: 0, pid, tid, args: { sort_index: tid } });
      const segs = c.segs;
      for (let i = 0; i < segs.length; i++) {
        const sg = segs[i];
        const se = end(sg.e);
        if (sg.st === DONE) {
          out.push({ name: `exit: ${sg.reason ?? "ok"}`, cat: "coroutine", ph: "i", s: "t", ts: us(sg.s), pid, tid });
          continue;
        }
        if (sg.st === RUN) {
          out.push({ name: "running", cat: "coroutine", ph: "X", ts: us(sg.s), dur: us(se - sg.s), pid, tid, args: { co: c.co, phase: sg.phase || c.phase } });
          continue;
        }
        out.push({
          name: `wait: ${sg.reason ?? ""}`, cat: "wait", ph: "X", ts: us(sg.s), dur: us(se - sg.s), pid, tid,
          args: { co: c.co, source: sg.source ? `${sg.source}:${sg.line ?? 0}` : undefined },
        });
        // a yield between two runs: a flow from the end of the run that yielded to the run that resumed
        const before = segs[i - 1];
        const after = segs[i + 1];
        if (before && before.st === RUN && after && after.st === RUN && se > sg.s) {
          flow++;
          const name = `yield: ${sg.reason ?? ""}`;
          out.push({ name, cat: "yield", ph: "s", id: flow, ts: us(Math.max(before.s, sg.s - 0.5)), pid, tid });
          out.push({ name, cat: "yield", ph: "f", bp: "e", id: flow, ts: us(after.s + Math.min(0.5, (end(after.e) - after.s) / 2)), pid, tid });
        }
      }
    }
    tids.set(pid, tid);
  }
}

/** jsonLines prints the held events, one JSON object a line. */
export function jsonLines(m: TraceModel): string {
  const lines: string[] = [];
  m.forEach((ev: TraceEvent) => lines.push(JSON.stringify(ev)));
  return lines.length ? lines.join("\n") + "\n" : "";
}
