// Unit tests of the teacher page's model: CPU between polls, last activity, the class answer's shape.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ago, cpuPercent, parseClass } from "../src/teacher/model";

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
