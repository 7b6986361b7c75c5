// Export of a recording: Chrome Trace Event JSON (opens in Perfetto) and JSON lines.

import { R_CO, R_END, R_REQ, R_START, type TraceModel } from "./model";
import type { TraceEvent } from "./types";

interface ChromeEvent {
  name: string;
  ph: string;
  ts: number;
  pid: number;
  tid: number;
  dur?: number;
  s?: string;
  cat?: string;
  args?: Record<string, unknown>;
}

const us = (ns: number) => ns / 1000;

/** chromeTrace turns the model into {"traceEvents": [...]}: one "X" slice per coroutine run, "i" instants for epoll. */
export function chromeTrace(m: TraceModel): { traceEvents: ChromeEvent[]; displayTimeUnit: string } {
  const out: ChromeEvent[] = [{ name: "process_name", ph: "M", ts: 0, pid: 1, tid: 0, args: { name: "restylab" } }];
  for (const l of m.workers.values()) {
    out.push({ name: "thread_name", ph: "M", ts: 0, pid: 1, tid: l.id, args: { name: `worker ${l.id}` } });
    const r = l.runs;
    for (let i = 0; i < r.n; i++) {
      const co = r.cols[R_CO][i];
      const req = r.cols[R_REQ][i];
      out.push({
        name: req ? `co ${co} (req ${req})` : `co ${co}`, cat: "coroutine", ph: "X",
        ts: us(r.cols[R_START][i]), dur: us(r.cols[R_END][i] - r.cols[R_START][i]),
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

/** jsonLines prints the held events, one JSON object a line. */
export function jsonLines(m: TraceModel): string {
  const lines: string[] = [];
  m.forEach((ev: TraceEvent) => lines.push(JSON.stringify(ev)));
  return lines.length ? lines.join("\n") + "\n" : "";
}
