// Unit tests of the request lanes: phases as segments of one lane per request, coroutines only where
// ngx_lua makes them, waits inside the phase that yielded. Two traces were recorded from the engine
// (`restylab run --trace`, epoll and worker events left out): testdata/phases.jsonl is one GET / through
// web/examples/phases.conf; testdata/spawn.jsonl is an init_worker timer sleeping 10 ms, then GET /wait
// whose rewrite sleeps 10 ms, whose content spawns a light thread sleeping 20 ms, and whose log phase
// creates a coroutine.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DONE, R_CO, RUN, TraceModel, WAIT } from "../src/trace/model";
import { chunkSource, isSyncPhase } from "../src/trace/phases";
import { phaseWaitNs } from "../src/trace/requests";
import { chromeTrace } from "../src/trace/export";
import type { TraceEvent } from "../src/trace/types";

function recorded(name: string): TraceEvent[] {
  const text = readFileSync(new URL(`../test/testdata/${name}`, import.meta.url), "utf8");
  return text.trim().split("\n").map((l) => JSON.parse(l) as TraceEvent);
}

const SYNC_IN_PHASES = ["set", "header_filter", "body_filter", "log"];

/** newEngine drops the co_resume of the phases that cannot yield (an engine that reports them as plain calls). */
function newEngine(evs: TraceEvent[]): TraceEvent[] {
  return evs.filter((e) => !(e.kind === "co_resume" && SYNC_IN_PHASES.includes(e.phase ?? "")));
}

for (const [name, evs] of [["co_resume in sync phases", recorded("phases.jsonl")], ["no co_resume in sync phases", newEngine(recorded("phases.jsonl"))]] as const) {
  test(`phases example (${name}): one request lane, its phases in time order, 3 coroutines`, () => {
    const m = new TraceModel();
    m.ingest(evs);
    const lanes = m.requests.list;
    assert.equal(lanes.length, 1, "one lane");
    const lane = lanes[0];
    assert.equal(lane.kind, "request");
    assert.equal(lane.req, 1);
    assert.equal(lane.label, "GET /");
    assert.equal(lane.status, 200);
    assert.ok(lane.end > lane.start);
    const phases = lane.phases.map((p) => p.phase);
    // body_filter runs once per chunk: ngx.say's data, then the last (empty) buffer
    assert.deepEqual(phases, ["set", "rewrite", "access", "content", "header_filter", "body_filter", "body_filter", "log"]);
    assert.equal(new Set(phases).size, 7);
    for (let i = 1; i < lane.phases.length; i++) assert.ok(lane.phases[i].s >= lane.phases[i - 1].s, "time order");
    for (const p of lane.phases) {
      assert.ok(p.e >= p.s, `${p.phase} closed`);
      assert.equal(p.sync, SYNC_IN_PHASES.includes(p.phase), p.phase);
      assert.equal(p.waits.length, 0, `${p.phase} never waited`);
    }
    // the filters ngx.say ran from inside content are nested in it; the last body_filter is not
    assert.deepEqual(lane.phases.map((p) => p.depth), [0, 0, 0, 0, 1, 1, 0, 0]);
    assert.equal(lane.open.length, 0);
    assert.deepEqual(lane.coros.map((c) => [c.kind, c.phase]), [["entry", "rewrite"], ["entry", "access"], ["entry", "content"]]);
    assert.deepEqual(lane.phases.filter((p) => p.co).map((p) => [p.phase, p.co]), [["rewrite", 2], ["access", 3], ["content", 4]]);
    assert.equal(m.coroList.length, 3, "no coroutine for a plain call");
    assert.ok(m.coroList.every((c) => !isSyncPhase(c.phase)));
    assert.equal(m.stats().coroutines, 3);
    assert.equal(m.stats().requests, 1);
    for (const c of m.coroList) assert.deepEqual(c.segs.map((s) => s.st), [WAIT, RUN, DONE], `co ${c.co}`);
    // the worker ran set and log as plain calls (co 0), the coroutines in between, and nothing is left open
    const w = m.workers.get(0)!;
    assert.equal(w.open, null);
    assert.deepEqual(Array.from(w.runs.cols[R_CO].subarray(0, w.runs.n)), [0, 2, 3, 4, 0, 0]);
    const content = lane.phases[3];
    const r = m.runAt(0, (content.s + content.e) / 2)!;
    assert.equal(r.co, 4);
    assert.deepEqual(chunkSource(content.source), { file: "nginx.conf", line: 19 });
  });
}

test("yields are waits inside their phase; timers, light threads and user coroutines are coroutines", () => {
  const m = new TraceModel();
  m.ingest(recorded("spawn.jsonl"));
  const lanes = m.requests.list;
  assert.deepEqual(lanes.map((l) => [l.kind, l.req, l.label]), [["timer", 1, "ngx.timer"], ["request", 2, "GET /wait"]]);
  const [timer, req] = lanes;
  // init_worker's plain call (a co_resume without co) made no coroutine
  assert.ok(!m.coroList.some((c) => c.co === 0));
  assert.deepEqual(timer.phases.map((p) => [p.phase, p.co]), [["timer", 1]]);
  assert.deepEqual(timer.phases[0].waits.map((w) => [w.reason, w.source, w.line]), [["sleep 10ms", "nginx.conf", 5]]);
  assert.ok(timer.end > timer.start);
  assert.deepEqual(timer.coros.map((c) => c.kind), ["timer"]);

  assert.deepEqual(req.phases.map((p) => p.phase), ["rewrite", "content", "log"]);
  const [rewrite, content, log] = req.phases;
  assert.equal(rewrite.waits.length, 1);
  const w = rewrite.waits[0];
  assert.equal(w.reason, "sleep 10ms");
  assert.equal(w.line, 10);
  assert.equal(w.co, 2);
  assert.ok(w.s > rewrite.s && w.e < rewrite.e, "the wait lies inside the phase");
  const wait = phaseWaitNs(rewrite, m.maxTs);
  assert.ok(wait > 10e6 && wait < rewrite.e - rewrite.s, `waited ${wait} ns of ${rewrite.e - rewrite.s}`);
  // the content coroutine does not wait while its thread runs (the request keeps running); when it ends
  // with the thread still sleeping, the phase waits for its light threads until it is left
  assert.deepEqual(content.waits.map((x) => [x.reason, x.co, x.e]), [["light threads", 3, content.e]]);
  assert.ok(log.sync);
  assert.deepEqual(req.coros.map((c) => [c.kind, c.co, c.parent]), [["entry", 2, 0], ["entry", 3, 0], ["thread", 4, 3], ["user", 6, 5]]);
  assert.equal(req.entries, 2);
  const thread = m.coros.get(4)!;
  assert.deepEqual(thread.segs.map((s) => s.st), [WAIT, RUN, WAIT, RUN, DONE]);
  assert.equal(thread.segs[2].reason, "sleep 20ms");
});

test("a sleep in content: the wait spans the sleep; a coroutine whose create was not recorded still gets a lane", () => {
  const m = new TraceModel();
  m.ingest([
    { ts: 100, kind: "request_start", worker: 0, req: 7, detail: "POST /x" },
    { ts: 110, kind: "phase_enter", worker: 0, req: 7, phase: "content", source: "content_by_lua(nginx.conf:3)" },
    { ts: 120, kind: "co_resume", worker: 0, req: 7, co: 9, phase: "content" },
    { ts: 200, kind: "co_yield", worker: 0, req: 7, co: 9, phase: "content", source: "nginx.conf", line: 4, detail: "read fd 12" },
    { ts: 700, kind: "co_resume", worker: 0, req: 7, co: 9, phase: "content" },
    { ts: 750, kind: "co_exit", worker: 0, req: 7, co: 9, phase: "content", detail: "ok" },
    { ts: 760, kind: "phase_exit", worker: 0, req: 7, phase: "content" },
    { ts: 770, kind: "phase_enter", worker: 0, req: 7, phase: "log" },
    { ts: 775, kind: "co_resume", worker: 0, req: 7, co: 10, phase: "log" },
    { ts: 776, kind: "log", worker: 0, req: 7, co: 10, phase: "log", detail: "hi" },
    { ts: 780, kind: "phase_exit", worker: 0, req: 7, phase: "log" },
    { ts: 790, kind: "request_end", worker: 0, req: 7, arg: 201 },
  ]);
  const lane = m.requests.get(0, 7)!;
  assert.deepEqual(lane.phases.map((p) => [p.phase, p.s, p.e]), [["content", 110, 760], ["log", 770, 780]]);
  assert.deepEqual(lane.phases[0].waits.map((w) => [w.s, w.e, w.reason]), [[200, 700, "read fd 12"]]);
  assert.equal(phaseWaitNs(lane.phases[0], 0), 500);
  assert.deepEqual(m.coroList.map((c) => c.co), [9], "the log's co_resume made no coroutine");
  assert.equal(m.coroList[0].kind, "");
  const runs = m.workers.get(0)!.runs;
  assert.deepEqual(Array.from(runs.cols[R_CO].subarray(0, runs.n)), [9, 9, 0]);
  assert.equal(m.workers.get(0)!.open, null);
});

test("a request that ends inside a phase closes it; chunk names give the source", () => {
  const m = new TraceModel();
  m.ingest([
    { ts: 1, kind: "request_start", worker: 1, req: 3, detail: "GET /" },
    { ts: 2, kind: "phase_enter", worker: 1, req: 3, phase: "access" },
    { ts: 3, kind: "co_create", worker: 1, req: 3, co: 5, phase: "access" },
    { ts: 4, kind: "co_resume", worker: 1, req: 3, co: 5, phase: "access" },
    { ts: 5, kind: "co_yield", worker: 1, req: 3, co: 5, phase: "access", detail: "sleep 1ms" },
    { ts: 9, kind: "request_end", worker: 1, req: 3, arg: 499 },
  ]);
  const lane = m.requests.get(1, 3)!;
  assert.equal(lane.phases[0].e, 9);
  assert.deepEqual(lane.phases[0].waits.map((w) => [w.s, w.e]), [[5, 9]]);
  assert.equal(lane.status, 499);
  assert.deepEqual(chunkSource("rewrite_by_lua(nginx.conf:17)"), { file: "nginx.conf", line: 17 });
  assert.deepEqual(chunkSource("/srv/lua/h.lua"), { file: "/srv/lua/h.lua", line: 1 });
  assert.equal(chunkSource("whatever"), null);
});

test("Perfetto export: named phase slices on the request's track, coroutine tracks, flows from yield to resume", () => {
  const m = new TraceModel();
  m.ingest(recorded("spawn.jsonl"));
  const evs = chromeTrace(m).traceEvents;
  const names = (pid: number, tid: number, cat: string) => evs.filter((e) => e.pid === pid && e.tid === tid && e.cat === cat && e.ph === "X").map((e) => e.name);
  const track = (name: string) => evs.find((e) => e.ph === "M" && e.name === "thread_name" && (e.args as { name: string }).name.trim() === name)!;
  const req = track("r2 GET /wait");
  assert.ok(req, "a track for the request");
  assert.equal(req.pid, 2, "worker 0's requests");
  assert.deepEqual(names(req.pid, req.tid, "phase"), ["rewrite", "content", "log"]);
  assert.deepEqual(names(req.pid, req.tid, "wait"), ["wait: sleep 10ms", "wait: light threads"]);
  const rewrite = evs.find((e) => e.pid === req.pid && e.tid === req.tid && e.name === "rewrite")!;
  const wait = evs.find((e) => e.pid === req.pid && e.tid === req.tid && e.name === "wait: sleep 10ms")!;
  assert.ok(wait.ts > rewrite.ts && wait.ts + wait.dur! < rewrite.ts + rewrite.dur!, "the wait nests in its phase");
  assert.equal((rewrite.args as { source: string }).source, "nginx.conf:10");
  assert.ok((rewrite.args as { waiting_ms: number }).waiting_ms >= 10);
  // the coroutine tracks follow their request's, in the timeline's order
  const thread = track("co 4 light thread");
  assert.equal(thread.pid, req.pid);
  assert.equal(thread.tid, req.tid + 3);
  assert.deepEqual(names(thread.pid, thread.tid, "coroutine"), ["running", "running"]);
  assert.deepEqual(names(thread.pid, thread.tid, "wait"), ["wait: created", "wait: sleep 20ms"]);
  // one flow per wait that was resumed: the rewrite's sleep, content's while its thread ran first, the
  // thread's sleep, the timer's sleep
  const starts = evs.filter((e) => e.ph === "s");
  const ends = evs.filter((e) => e.ph === "f");
  assert.deepEqual(starts.map((e) => e.name).sort(), ["yield: co 4", "yield: sleep 10ms", "yield: sleep 10ms", "yield: sleep 20ms"]);
  assert.deepEqual(starts.map((e) => e.id), ends.map((e) => e.id));
  const ts = starts.find((e) => e.tid === thread.tid)!;
  const tf = ends.find((e) => e.id === ts.id)!;
  assert.equal(ts.name, "yield: sleep 20ms");
  assert.equal(tf.tid, thread.tid);
  assert.equal(tf.bp, "e");
  const runs = evs.filter((e) => e.pid === thread.pid && e.tid === thread.tid && e.name === "running");
  assert.ok(ts.ts >= runs[0].ts && ts.ts <= runs[0].ts + runs[0].dur!, "the flow leaves the run that yielded");
  assert.ok(tf.ts >= runs[1].ts && tf.ts <= runs[1].ts + runs[1].dur!, "and enters the run that resumed");
  // the worker's own track names what ran: coroutines and the plain calls of phases that cannot yield
  const worker = evs.filter((e) => e.pid === 1 && e.ph === "X").map((e) => e.name);
  assert.ok(worker.includes("co 4 light thread (r2)"), worker.join(", "));
  assert.ok(worker.includes("log (r2)"), worker.join(", "));
});

// testdata/tls.jsonl (`restylab run --trace`, every event): two HTTPS connections to a server whose
// ssl_certificate_by_lua sleeps 10 ms and sets a.test's certificate for SNI a.test (then GET /), and raises
// an error for SNI bad.test, which fails the handshake.
test("TLS handshakes: a lane per handshake holding the ssl_cert phase and its coroutine; failed ones say so", async () => {
  const { mapPhase, tracePhases } = await import("../src/trace/phases");
  const m = new TraceModel();
  m.ingest(recorded("tls.jsonl"));
  const lanes = m.requests.list;
  assert.deepEqual(lanes.map((l) => [l.kind, l.req]), [["tls", 1], ["request", 2], ["tls", 3]]);
  const [ok, req, bad] = lanes;
  assert.deepEqual(ok.tls, { fd: 14, sni: "a.test", versions: "TLSv1.3,TLSv1.2,TLSv1.1,TLSv1", result: "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 new", failed: false });
  assert.deepEqual(ok.phases.map((p) => [p.phase, p.co, p.waits.map((w) => w.reason)]), [["ssl_cert", 1, ["sleep 10ms"]]]);
  assert.ok(ok.phases[0].s >= ok.start && ok.phases[0].e <= ok.end, "the ssl phase runs inside the handshake");
  assert.deepEqual(ok.coros.map((c) => [c.kind, c.phase, c.segs.map((s) => s.st)]), [["entry", "ssl_cert", [WAIT, RUN, WAIT, RUN, DONE]]]);
  assert.ok(ok.end < req.start, "the request comes after the handshake");
  assert.equal(req.label, "GET /");
  assert.equal(bad.tls?.sni, "bad.test");
  assert.ok(bad.tls?.failed && bad.tls.result.includes("cert cb error"), bad.tls?.result);
  assert.deepEqual(bad.coros.map((c) => c.segs[c.segs.length - 1].reason), ["error"]);
  assert.equal(m.stats().requests, 1, "handshakes are not requests");
  assert.equal(mapPhase("ssl_cert"), "ssl");
  assert.equal(mapPhase("content"), "content");
  assert.ok(tracePhases("ssl").includes("ssl_cert"));
});

test("a handshake whose connection closes before tls_done fails; an ssl phase without tls_hello gets a lane of its own", () => {
  const m = new TraceModel();
  m.ingest([
    { ts: 1, kind: "tls_hello", worker: 0, fd: 9, detail: "sni=- versions=TLSv1.3" },
    { ts: 5, kind: "close", worker: 0, fd: 9, detail: "client timed out" },
    { ts: 6, kind: "phase_enter", worker: 0, fd: 10, req: 7, phase: "ssl_cert", source: "ssl_certificate_by_lua(nginx.conf:3)" },
    { ts: 7, kind: "co_create", worker: 0, req: 7, co: 2, phase: "ssl_cert" },
    { ts: 8, kind: "phase_exit", worker: 0, req: 7, phase: "ssl_cert" },
  ]);
  const [closed, orphan] = m.requests.list;
  assert.equal(closed.tls?.sni, "");
  assert.equal(closed.end, 5);
  assert.deepEqual([closed.tls?.failed, closed.tls?.result], [true, "failed: client timed out"]);
  assert.equal(orphan.kind, "tls");
  assert.deepEqual(orphan.phases.map((p) => [p.phase, p.co]), [["ssl_cert", 2]]);
});
