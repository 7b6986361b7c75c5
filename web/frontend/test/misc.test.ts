// Unit tests of the pure helpers: boot parsing, scans, formatting, workspace choice, export, i18n, nginx+Lua tokens.
import { test } from "node:test";
import assert from "node:assert/strict";
import { StringStream } from "@codemirror/language";
import { parseBoot, DEFAULT_PHASES } from "../src/boot";
import { parseLocated, scanPhases, validLuaName } from "../src/editor/scan";
import { indentLevels, nginxLua, type NgxState } from "../src/editor/nginxlua";
import { burstSentence, fmtMs, histogram } from "../src/format";
import { keysOf, setLang, t } from "../src/i18n";
import { chooseStart, parseStored } from "../src/workspace";
import { TraceModel } from "../src/trace/model";
import { chromeTrace, jsonLines } from "../src/trace/export";
import { levelName } from "../src/panels/errorlog";
import { matches } from "../src/panels/eventlog";
import { DropCounter } from "../src/drops";

test("boot data with defaults", () => {
  const b = parseBoot('{"session":"s1","workspace":{"conf":"x","files":{"lua/a.lua":"y","bad":3}}}');
  assert.equal(b.session, "s1");
  assert.equal(b.embed, false);
  assert.deepEqual(b.workspace.files, { "lua/a.lua": "y" });
  assert.deepEqual(b.phases, DEFAULT_PHASES);
  assert.equal(parseBoot("not json").workspace.conf, "");
});

test("an example's preset is kept only when well formed", () => {
  assert.equal(parseBoot("{}").preset, undefined);
  assert.deepEqual(parseBoot('{"preset":{"path":"/spin","n":20,"c":20}}').preset, { path: "/spin", n: 20, c: 20 });
  for (const bad of ['{"path":"spin","n":1,"c":1}', '{"path":"/","n":5,"c":6}', '{"path":"/","n":0,"c":0}',
    '{"path":"/","n":2000,"c":1}', '{"path":"/","n":1.5,"c":1}', '"x"']) {
    assert.equal(parseBoot(`{"preset":${bad}}`).preset, undefined, bad);
  }
});

test("scanPhases finds *_by_lua blocks and files, not in comments", () => {
  const conf = [
    "http {",
    "  init_worker_by_lua_block { }",
    "  # access_by_lua_block { }",
    "  server { server_rewrite_by_lua_block { }",
    "    location / {",
    "    rewrite_by_lua_file lua/r.lua;",
    "    content_by_lua_block {",
    "      ngx.say('{')",
    "    }",
    "    header_filter_by_lua_block { }",
    "    log_by_lua_block { }",
    "  } }",
    "}",
  ].join("\n");
  const s = scanPhases(conf);
  assert.deepEqual(s.map((x) => [x.phase, x.line]), [["init_worker", 2], ["server_rewrite", 4], ["rewrite", 6], ["content", 7], ["header_filter", 10], ["log", 11]]);
  assert.equal(conf.slice(s[3].from, s[3].to), "content_by_lua_block");
  assert.equal(conf.slice(s[1].from, s[1].to), "server_rewrite_by_lua_block");
});

test("parseLocated reads file:line: message", () => {
  assert.deepEqual(parseLocated("nginx.conf:12: lua_code_cache is ignored"), { file: "nginx.conf", line: 12, message: "lua_code_cache is ignored" });
  assert.deepEqual(parseLocated("lua/x.lua:3: oops"), { file: "lua/x.lua", line: 3, message: "oops" });
  assert.equal(parseLocated("no location here"), null);
  assert.ok(validLuaName("lua/util.lua"));
  assert.ok(!validLuaName("lua/../x.lua"));
  assert.ok(!validLuaName("util.lua"));
});

test("burst sentence from the trace's figures", () => {
  setLang("en");
  const base = { n: 100, ok: 100, errors: 0, wall_ms: 61, workers: 1, traced: 100, trace_dropped: 0 };
  const sleep = burstSentence({ ...base, in_progress_peak: 97, in_progress_mean: 83.4, in_worker_ms_mean: 51, queued_ms_mean: 6.2, worker_busy_pct: 4.2 });
  assert.match(sleep, /^100 requests took 61 ms\. Inside the server, requests in progress at once: 97 at most, 83 on average, on one worker thread\. Each spent 51 ms in the worker and waited 6\.2 ms for it on average\./);
  assert.match(sleep, /The worker was busy 4\.2% of that time/);
  assert.ok(!/concurrency/.test(sleep), "no figure is called concurrency");
  const spin = burstSentence({ ...base, wall_ms: 5020, in_progress_peak: 1, in_progress_mean: 0.99, in_worker_ms_mean: 50, queued_ms_mean: 2475, worker_busy_pct: 99.6 });
  assert.match(spin, /in progress at once: 1 at most, 1\.0 on average/);
  assert.match(spin, /waited 2475 ms for it/);
  assert.match(burstSentence({ ...base, workers: 2, in_progress_peak: 4, in_progress_mean: 2, in_worker_ms_mean: 5, queued_ms_mean: 1, worker_busy_pct: 50, trace_dropped: 7 }), /on 2 worker threads.*workers were busy 50%.*lost 7 events/);
  assert.match(burstSentence({ ...base, traced: 0, in_progress_peak: 0, in_progress_mean: 0, in_worker_ms_mean: 0, queued_ms_mean: 0, worker_busy_pct: 0, trace_error: "the instance ended" }), /No figures from the trace: the instance ended\./);
  setLang("zh");
  assert.match(burstSentence({ ...base, in_progress_peak: 97, in_progress_mean: 83.4, in_worker_ms_mean: 51, queued_ms_mean: 6.2, worker_busy_pct: 4.2 }), /最多 97 个/);
  setLang("en");
  assert.equal(fmtMs(3.14159), "3.1");
  assert.equal(fmtMs(52.4), "52");
  const hst = histogram([1, 2, 3, 10], 5);
  assert.equal(hst.counts.reduce((a, b) => a + b, 0), 4);
  assert.equal(hst.counts[4], 1);
});

test("i18n: both dictionaries have the same keys and placeholders fill", () => {
  assert.deepEqual(keysOf("zh").sort(), keysOf("en").sort());
  setLang("zh-CN");
  assert.equal(t("apply.ok"), "已应用");
  setLang("en");
  assert.equal(t("dropped", { n: 5 }), "dropped: 5");
});

test("workspace: the newer local copy wins only when it differs", () => {
  const server = { conf: "a", files: {}, updated: 100 };
  assert.equal(chooseStart(server, { conf: "b", files: {}, updated: 200 }).fromLocal, true);
  assert.equal(chooseStart(server, { conf: "b", files: {}, updated: 50 }).fromLocal, false);
  assert.equal(chooseStart(server, { conf: "a", files: {}, updated: 200 }).fromLocal, false);
  assert.equal(chooseStart(server, null).fromLocal, false);
  assert.equal(parseStored("{bad"), null);
  assert.deepEqual(parseStored('{"conf":"c","files":{"lua/a.lua":"x"},"updated":5}'), { conf: "c", files: { "lua/a.lua": "x" }, updated: 5 });
});

test("export: Chrome trace slices and JSON lines", () => {
  const m = new TraceModel();
  m.ingest([
    { ts: 1000, kind: "epoll_wait", worker: 0, arg: -1 },
    { ts: 2000, kind: "co_resume", worker: 0, co: 1, req: 1 },
    { ts: 5000, kind: "co_yield", worker: 0, co: 1, req: 1, detail: "sleep 1ms" },
    { ts: 6000, kind: "epoll_ready", worker: 0, fd: 9, arg: 1 },
  ]);
  const ct = chromeTrace(m);
  const x = ct.traceEvents.filter((e) => e.ph === "X" && e.pid === 1);
  assert.equal(x.length, 1);
  assert.equal(x[0].ts, 2);
  assert.equal(x[0].dur, 3);
  assert.equal(x[0].pid, 1);
  assert.equal(x[0].tid, 0);
  assert.equal(ct.traceEvents.filter((e) => e.ph === "i").length, 2);
  const lines = jsonLines(m).trim().split("\n");
  assert.equal(lines.length, 4);
  assert.equal(JSON.parse(lines[1]).kind, "co_resume");
});

test("event filter and log levels", () => {
  const ev = { ts: 1, kind: "co_yield", worker: 0, req: 3, co: 7, detail: "sleep 100ms" };
  assert.ok(matches(ev, { kind: "", req: 0, co: 0, text: "" }));
  assert.ok(matches(ev, { kind: "co_yield", req: 3, co: 7, text: "sleep" }));
  assert.ok(!matches(ev, { kind: "", req: 4, co: 0, text: "" }));
  assert.ok(!matches(ev, { kind: "", req: 0, co: 0, text: "read" }));
  assert.equal(levelName(4), "error");
  assert.equal(levelName("warn"), "warn");
  assert.equal(levelName("err"), "error");
});

/** tokens runs the nginx+Lua tokenizer over text and returns [text, style] per token. */
function tokens(text: string): [string, string | null, boolean][] {
  const st: NgxState = nginxLua.startState!(2);
  const out: [string, string | null, boolean][] = [];
  for (const line of text.split("\n")) {
    const s = new StringStream(line, 4, 2);
    while (!s.eol()) {
      const inLua = st.lua !== null;
      const style = nginxLua.token(s, st);
      if (s.current().trim()) out.push([s.current(), style, inLua]);
      s.start = s.pos;
    }
  }
  return out;
}

test("nginx tokenizer switches to Lua inside *_by_lua_block and back at the matching brace", () => {
  const tk = tokens([
    "location / {",
    "  content_by_lua_block {",
    "    local t = { a = { 1 } }  -- a } in a comment",
    "    ngx.say(\"}\")",
    "    local s = [[ } ]]",
    "  }",
    "  return 200;",
    "}",
  ].join("\n"));
  const find = (txt: string) => tk.find((x) => x[0] === txt);
  assert.equal(find("location")?.[1], "keyword");
  assert.equal(find("content_by_lua_block")?.[1], "keyword.special");
  assert.equal(find("local")?.[1], "keyword");
  assert.equal(find("local")?.[2], true, "local is tokenized as Lua");
  assert.equal(find('"}"')?.[1], "string");
  assert.equal(find("-- a } in a comment")?.[1], "comment");
  const ret = find("return")!;
  assert.equal(ret[2], false, "back in nginx after the block");
  assert.equal(ret[1], "keyword");
  assert.equal(find("200")?.[1], "number");
});

test("indentation follows nginx blocks and the Lua inside *_by_lua_block", () => {
  const lines = [
    "http {",
    "server {",
    "location / {",
    "content_by_lua_block {",
    "local t = {",
    "1,",
    "}",
    "if t then",
    "ngx.say(1)",
    "end",
    "}",
    "}",
    "}",
    "}",
  ];
  const want = [0, 1, 2, 3, 4, 5, 4, 4, 5, 4, 3, 2, 1, 0];
  const state = nginxLua.startState!(2);
  lines.forEach((line, i) => {
    assert.equal(indentLevels(state, line), want[i], `line ${i + 1}: ${line}`);
    const stream = new StringStream(line, 4, 2);
    while (!stream.eol()) {
      nginxLua.token(stream, state);
      stream.start = stream.pos;
    }
  });
});

test("a lesson's experiment headers and boot data", async () => {
  const { parseHeaders } = await import("../src/lesson");
  assert.deepEqual(parseHeaders("Content-Type: text/plain\nX-Key: a:b\n\nbad line"), [["Content-Type", "text/plain"], ["X-Key", "a:b"]]);
  assert.deepEqual(parseBoot(JSON.stringify({ lesson: { id: "nonblocking" } })).lesson, { id: "nonblocking" });
  assert.equal(parseBoot(JSON.stringify({ lesson: { id: 3 } })).lesson, undefined);
  assert.equal(parseBoot("{}").lesson, undefined);
});

test("a preset may carry the request's method and body", () => {
  assert.deepEqual(parseBoot(JSON.stringify({ preset: { path: "/echo", n: 1, c: 1, method: "POST", body: "hi" } })).preset,
    { path: "/echo", n: 1, c: 1, method: "POST", body: "hi" });
  assert.deepEqual(parseBoot(JSON.stringify({ preset: { path: "/", n: 1, c: 1, method: "get; rm" } })).preset, { path: "/", n: 1, c: 1 });
  assert.equal(parseBoot(JSON.stringify({ preset: { path: "x", n: 1, c: 1 } })).preset, undefined);
});

test("a phase's APIs: its own, those that yield, and those of every phase", async () => {
  const { apisOf } = await import("../src/panels/phaseapi");
  const b = parseBoot(JSON.stringify({ api: [
    { name: "ngx.say", phases: ["content"] },
    { name: "ngx.sleep", phases: ["content", "timer", "ssl_cert"], yields: true },
    { name: "ngx.now", any: true },
    { name: 3 }, "junk",
  ] }));
  assert.equal(b.api.length, 3);
  const content = apisOf(b.api, "content");
  assert.deepEqual(content.own.map((a) => a.name), ["ngx.say", "ngx.sleep"]);
  assert.deepEqual(content.yields.map((a) => a.name), ["ngx.sleep"]);
  assert.deepEqual(content.any.map((a) => a.name), ["ngx.now"]);
  const filter = apisOf(b.api, "header_filter");
  assert.equal(filter.own.length, 0);
  assert.equal(filter.yields.length, 0);
  // the phase map's "ssl" node is the API table's ssl_cert (ssl_certificate_by_lua)
  assert.deepEqual(apisOf(b.api, "ssl").yields.map((a) => a.name), ["ngx.sleep"]);
  assert.deepEqual(parseBoot("{}").api, []);
});

test("trace drops add up per hop of the pipe", () => {
  const d = new DropCounter();
  assert.equal(d.add(0, null), false);
  assert.equal(d.add(undefined, { ring: 5 }), false); // no total: nothing counted
  assert.equal(d.add(5, { ring: 3, rate: 2 }), true);
  assert.equal(d.add(7, { websocket: 7, future_hop: 1 }), true);
  assert.equal(d.add(4, null), true); // an older server: the total only
  assert.equal(d.total, 16);
  assert.deepEqual(d.byHop, { ring: 3, rate: 2, instance: 0, lab: 0, websocket: 7 });
  assert.equal(d.hops(), "ring 3 · rate 2 · websocket 7");
});
