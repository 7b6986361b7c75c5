// Unit tests of the teacher page's model: CPU between polls, last activity, the class answer's shape.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, cpuPercent, parseClass, parseTrace } from "../src/teacher/model";
import { basePath, cookiePath, labURL } from "../src/api";

test("teacher: CPU between two polls, none across a new instance", () => {
  assert.equal(cpuPercent(undefined, { at: 1000, cpuMs: 50 }), null);
  assert.equal(cpuPercent({ at: 1000, cpuMs: 50 }, { at: 4000, cpuMs: 1550 }), 50);
  assert.equal(cpuPercent({ at: 1000, cpuMs: 900 }, { at: 4000, cpuMs: 10 }), null);
  assert.equal(cpuPercent({ at: 4000, cpuMs: 0 }, { at: 4000, cpuMs: 10 }), null);
});

test("teacher: last activity in s, min, h", () => {
  assert.equal(ago(10_000, 0), null);
  assert.deepEqual(ago(70_000, 10_000), ["teacher.ago.m", 1]);
  assert.deepEqual(ago(10_000, 5_000), ["teacher.ago.s", 5]);
  assert.deepEqual(ago(7_300_000, 0 + 100), ["teacher.ago.h", 2]);
});

test("teacher: a class answer keeps its learners and drops the rest", () => {
  const c = parseClass({ now: 5, sessions: [{ id: "a" }, null, { nope: 1 }], lessons: [{ id: "hello" }, 3] });
  assert.equal(c.now, 5);
  assert.equal(c.sessions.length, 1);
  assert.equal(c.lessons.length, 1);
  assert.deepEqual(parseClass(null).sessions, []);
});

test("teacher: a trace answer keeps its events and drops the rest", () => {
  const tr = parseTrace({ events: [{ ts: 1, kind: "request_start", worker: 0, req: 1 }, { ts: 2 }, null, "x"], dropped: 3, at: 9 });
  assert.equal(tr.events.length, 1);
  assert.equal(tr.events[0].kind, "request_start");
  assert.equal(tr.dropped, 3);
  assert.equal(tr.at, 9);
  assert.deepEqual(parseTrace(null), { events: [], dropped: 0, at: 0 });
});

test("base path: none without a page (the lab at the host's root)", () => {
  assert.equal(basePath(), "");
  assert.equal(labURL("/api/ws"), "/api/ws");
  assert.equal(cookiePath(), "/");
});
