// Unit tests of the trace model: intervals, stats, epoll interest and ready lists, bounds, speed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { coKey, DONE, parseWaitFd, R_CO, RUN, TraceModel, WAIT } from "../src/trace/model";
import { workerKey, workerLabel, workerShort, type TraceEvent } from "../src/trace/types";

/** burst makes n requests on one worker, each sleeping: resume, yield "sleep", resume, exit. */
function burst(n: number, worker = 0, t0 = 0): TraceEvent[] {
  const evs: TraceEvent[] = [];
  let ts = t0;
  for (let i = 1; i <= n; i++) {
    evs.push({ ts: ts++, kind: "accept", worker, fd: 100 + i, detail: "127.0.0.1:1" });
    evs.push({ ts: ts++, kind: "co_create", worker, co: i, req: i });
    evs.push({ ts: ts++, kind: "phase_enter", worker, req: i, phase: "content" });
    evs.push({ ts: ts++, kind: "co_resume", worker, co: i, req: i, phase: "content", source: "nginx.conf", line: 12 });
    evs.push({ ts: ts += 10, kind: "co_yield", worker, co: i, req: i, phase: "content", detail: "sleep 50ms" });
  }
  evs.push({ ts: ts++, kind: "epoll_wait", worker, arg: 50 });
  for (let i = 1; i <= n; i++) evs.push({ ts: ts++, kind: "epoll_ready", worker, fd: 100 + i, arg: 1 });
  for (let i = 1; i <= n; i++) {
    evs.push({ ts: ts++, kind: "co_resume", worker, co: i, req: i, phase: "content" });
    evs.push({ ts: ts += 5, kind: "co_exit", worker, co: i, req: i, detail: "ok" });
    evs.push({ ts: ts++, kind: "close", worker, fd: 100 + i });
  }
  return evs;
}

test("a burst of 100 draws 100 coroutine lanes over one worker", () => {
  const m = new TraceModel();
  m.ingest(burst(100));
  const s = m.stats();
  assert.equal(s.workers, 1);
  assert.equal(s.coroutines, 100);
  assert.deepEqual(s.lanes, { "0": 100 });
  const w = m.workers.get(0)!;
  assert.equal(w.runs.n, 200, "two runs per coroutine");
  assert.equal(w.open, null);
  const c = m.coros.get(7)!;
  assert.deepEqual(c.segs.map((x) => x.st), [WAIT, RUN, WAIT, RUN, DONE]);
  assert.equal(c.segs[2].reason, "sleep 50ms");
  assert.equal(c.segs[1].source, "nginx.conf");
  assert.equal(c.segs[1].e - c.segs[1].s, 11);
  assert.equal(m.interest.size, 0, "all fds closed");
  assert.equal(m.recentWaits.length, 1);
  assert.equal(m.recentWaits[0].ready.length, 100);
});

test("runAt and stateAt tell who runs and who waits", () => {
  const m = new TraceModel();
  m.ingest(burst(3));
  const c2 = m.coros.get(2)!;
  const runSeg = c2.segs[1];
  const r = m.runAt(0, runSeg.s + 1)!;
  assert.equal(r.co, 2);
  const waitSeg = c2.segs[2];
  const st = m.stateAt(waitSeg.s + 1);
  assert.ok(st.nWaiting >= 1);
  assert.ok(st.waiting.has("sleep 50ms"));
});

test("interest list from co_yield details and accept, removed on close", () => {
  const m = new TraceModel();
  m.ingest([
    { ts: 1, kind: "accept", worker: 0, fd: 9, detail: "127.0.0.1:5" },
    { ts: 2, kind: "co_resume", worker: 0, co: 3, req: 1 },
    { ts: 3, kind: "co_yield", worker: 0, co: 3, req: 1, detail: "read fd 12" },
    { ts: 4, kind: "co_resume", worker: 0, co: 4, req: 2 },
    { ts: 5, kind: "co_yield", worker: 0, co: 4, req: 2, detail: "write fd 13" },
  ]);
  assert.equal(m.interest.size, 3);
  const it12 = [...m.interest.values()].find((x) => x.fd === 12)!;
  assert.equal(it12.owner, 3);
  assert.equal(it12.events, 1);
  const it13 = [...m.interest.values()].find((x) => x.fd === 13)!;
  assert.equal(it13.events, 4);
  m.ingest([{ ts: 6, kind: "close", worker: 0, fd: 12 }]);
  assert.equal(m.interest.size, 2);
  assert.deepEqual(parseWaitFd("read fd 9"), { fd: 9, events: 1 });
  assert.equal(parseWaitFd("sleep 100ms"), null);
});

test("interestAt replays the interest list to a time; the listening socket is there all along", () => {
  const m = new TraceModel();
  m.ingest([
    { ts: 10, kind: "accept", worker: 0, fd: 9, arg: 7, detail: "127.0.0.1:5" },
    { ts: 11, kind: "accept", worker: 0, fd: 10, arg: 7, detail: "127.0.0.1:6" },
    { ts: 12, kind: "co_resume", worker: 0, co: 3, req: 1 },
    { ts: 13, kind: "co_yield", worker: 0, co: 3, req: 1, detail: "read fd 12" },
    { ts: 20, kind: "close", worker: 0, fd: 12 },
    { ts: 21, kind: "close", worker: 0, fd: 9 },
    { ts: 22, kind: "close", worker: 0, fd: 10 },
  ]);
  const fds = (ts: number) => m.interestAt(ts).map((x) => x.fd);
  assert.deepEqual(fds(5), [7], "before the first accept: the listening socket");
  assert.deepEqual(fds(11), [7, 9, 10]);
  assert.deepEqual(fds(15), [7, 9, 10, 12]);
  assert.equal(m.interestAt(15).find((x) => x.fd === 12)!.owner, 3);
  assert.deepEqual(fds(20), [7, 9, 10]);
  assert.deepEqual(fds(Infinity), [7], "after the burst: the listening socket, not an empty list");
  assert.equal(m.interestAt(Infinity)[0].what, "listening socket");
  m.clear();
  assert.deepEqual(m.interestAt(Infinity), []);
});

test("lastRequest is the span of the request that ended last", () => {
  const m = new TraceModel();
  assert.equal(m.lastRequest, null);
  m.ingest([
    { ts: 5, kind: "request_start", worker: 0, req: 1 },
    { ts: 7, kind: "request_start", worker: 1, req: 1 },
    { ts: 9, kind: "request_end", worker: 0, req: 1 },
  ]);
  assert.deepEqual(m.lastRequest, { start: 5, end: 9 });
  m.ingest([{ ts: 12, kind: "request_end", worker: 1, req: 1 }]);
  assert.deepEqual(m.lastRequest, { start: 7, end: 12 }, "requests of two workers with the same number");
  m.clear();
  assert.equal(m.lastRequest, null);
});

test("nested resume (ngx.thread.spawn) keeps one coroutine on the worker at a time", () => {
  const m = new TraceModel();
  m.ingest([
    { ts: 1, kind: "co_resume", worker: 0, co: 1, req: 1 },
    { ts: 2, kind: "co_create", worker: 0, co: 2, req: 1, arg: 1 },
    { ts: 3, kind: "co_resume", worker: 0, co: 2, req: 1 },
    { ts: 5, kind: "co_yield", worker: 0, co: 2, req: 1, detail: "sleep 10ms" },
    { ts: 6, kind: "co_resume", worker: 0, co: 1, req: 1 },
    { ts: 8, kind: "co_exit", worker: 0, co: 1, req: 1, detail: "ok" },
  ]);
  const w = m.workers.get(0)!;
  const cos = Array.from(w.runs.cols[R_CO].subarray(0, w.runs.n));
  assert.deepEqual(cos, [1, 2, 1]);
  assert.equal(w.open, null);
  assert.deepEqual(m.stats().lanes, { "0": 2 });
});

test("several workers and coroutine ids that repeat across workers", () => {
  const m = new TraceModel();
  m.ingest([...burst(5, 0), ...burst(5, 1)]);
  const s = m.stats();
  assert.equal(s.workers, 2);
  assert.equal(s.coroutines, 10);
  assert.deepEqual(s.lanes, { "0": 5, "1": 5 });
});

test("a reload's workers (gen 1) get lanes of their own beside the old ones finishing", () => {
  const m = new TraceModel();
  const old = burst(3, 0, 0); // the old worker 0: its requests finish after the reload
  const fresh = burst(2, 0, 5).map((e) => ({ ...e, gen: 1, req: e.req ? e.req + 10 : e.req }));
  m.ingest([...old, ...fresh].sort((a, b) => a.ts - b.ts));
  assert.equal(m.stats().workers, 2, "old worker 0 and new worker 0 are two workers");
  const keys = m.workerIds();
  assert.deepEqual(keys, [0, workerKey(0, 1)]);
  assert.equal(workerLabel(keys[0]), "worker 0");
  assert.equal(workerLabel(keys[1]), "worker 0 · reload 1");
  assert.equal(workerShort(keys[1]), "0 (reload 1)");
  const last = (k: number) => { const segs = m.coros.get(k)?.segs ?? []; return segs[segs.length - 1]?.st; };
  assert.equal(last(coKey(keys[1], 1)), DONE, "the new worker's coroutine 1 is its own");
  assert.equal(last(coKey(0, 3)), DONE, "the old worker's last coroutine ended");
});

test("the ring keeps the most recent events and clear resets everything", () => {
  const m = new TraceModel(1024);
  const evs = burst(200);
  m.ingest(evs);
  assert.equal(m.total, evs.length);
  assert.equal(m.first, evs.length - 1024);
  assert.equal(m.get(m.total - 1), evs[evs.length - 1]);
  assert.equal(m.get(0), undefined);
  m.clear();
  assert.equal(m.total, 0);
  assert.deepEqual(m.stats(), { events: 0, coroutines: 0, workers: 0, requests: 0, lanes: {} });
  assert.equal(m.requests.list.length, 0);
});

test("dropped events are summed, unknown kinds are kept", () => {
  const m = new TraceModel();
  m.ingest([{ ts: 1, kind: "dropped", worker: 2, arg: 17 }, { ts: 2, kind: "whatever", worker: 0 }]);
  assert.equal(m.traceDropped, 17);
  assert.ok(m.kinds.has("whatever"));
});

test("ingest keeps up with 50k events/s many times over", () => {
  const m = new TraceModel();
  const batch = burst(1000);
  // CPU time, not wall time: the machine may be shared (a busy neighbour stretches the wall clock)
  const cpu0 = process.cpuUsage();
  let n = 0;
  for (let k = 0; k < 20; k++) {
    const shifted = batch.map((e) => ({ ...e, ts: e.ts + k * 1e6, co: e.co ? e.co + k * 1000 : undefined, req: e.req ? e.req + k * 1000 : undefined }));
    m.ingest(shifted);
    n += shifted.length;
  }
  const used = process.cpuUsage(cpu0);
  const ms = (used.user + used.system) / 1000;
  assert.ok(n > 100000);
  assert.ok(ms < 1500, `ingest of ${n} events took ${ms} ms of CPU`);
  assert.equal(m.stats().coroutines, 20000);
});
