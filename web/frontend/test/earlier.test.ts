// Unit tests of the earlier session: which copy of this browser's localStorage is offered, and the boot's previous id.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBoot } from "../src/boot";
import { findEarlier, wantOffer } from "../src/earlier";
import { storageKey } from "../src/workspace";

const starter = { conf: "starter", files: {} };
const copy = (conf: string, updated: number): string => JSON.stringify({ conf, files: { "lua/a.lua": conf }, updated });

test("findEarlier offers the previous session's copy, else the newest other one", () => {
  const entries: [string, string | null][] = [
    [storageKey("aaaaaaaaaaaaaaaa"), copy("old", 100)],
    [storageKey("bbbbbbbbbbbbbbbb"), copy("newest", 300)],
    [storageKey("cccccccccccccccc"), copy("previous", 200)],
    [storageKey("current000000000"), copy("mine", 900)],
    ["restylab:theme", "dark"],
    [storageKey("dddddddddddddddd"), "{not json"],
  ];
  const cases: { name: string; previous?: string; start?: { conf: string; files: Record<string, string> }; want: string | null }[] = [
    { name: "the previous session's copy first", previous: "cccccccccccccccc", want: "cccccccccccccccc" },
    { name: "no previous: the newest", want: "bbbbbbbbbbbbbbbb" },
    { name: "previous without a copy here: the newest", previous: "eeeeeeeeeeeeeeee", want: "bbbbbbbbbbbbbbbb" },
    { name: "the current session is never offered", previous: "current000000000", want: "bbbbbbbbbbbbbbbb" },
    { name: "a copy the same as the editor's is not offered", start: { conf: "newest", files: { "lua/a.lua": "newest" } }, want: "cccccccccccccccc" },
  ];
  for (const c of cases) {
    const got = findEarlier(entries, "current000000000", c.previous, c.start ?? starter);
    assert.equal(got?.session ?? null, c.want, c.name);
  }
  const got = findEarlier(entries, "current000000000", "cccccccccccccccc", starter);
  assert.deepEqual(got?.ws, { conf: "previous", files: { "lua/a.lua": "previous" }, updated: 200 });
  assert.equal(findEarlier([[storageKey("current000000000"), copy("mine", 1)]], "current000000000", undefined, starter), null);
  assert.equal(findEarlier([], "x", undefined, starter), null);
});

test("the boot's previous session id is kept only when well formed", () => {
  assert.equal(parseBoot('{"previous":"abcdefghijklmnop234567abcd"}').previous, "abcdefghijklmnop234567abcd");
  for (const bad of ['"short"', '"ABCDEFGHIJKLMNOPQRST"', '"abcdefghijklmnop<b>"', "42", "null"]) {
    assert.equal(parseBoot(`{"previous":${bad}}`).previous, undefined, bad);
  }
});

test("wantOffer: a new session here, or one started for an unknown session, with nothing typed yet", () => {
  const prev = "abcdefghijklmnop";
  const cases: { name: string; mark: string | null; local: boolean; previous?: string; want: boolean }[] = [
    { name: "the first page of a session in this browser", mark: null, local: false, want: true },
    { name: "a reload of a session seen before (a teacher's push dropped its copy)", mark: "seen", local: false, want: false },
    { name: "a reload of a session the lab started for an unknown one", mark: "seen", local: false, previous: prev, want: true },
    { name: "something typed in the session already", mark: null, local: true, previous: prev, want: false },
    { name: "dismissed", mark: "dismissed", local: false, previous: prev, want: false },
  ];
  for (const c of cases) assert.equal(wantOffer(c.mark, c.local, c.previous), c.want, c.name);
});
