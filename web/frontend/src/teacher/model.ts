// The teacher page's data: what GET /api/teacher/class answers and the figures the page derives from two polls.

import type { TraceEvent } from "../trace/types";

export interface Learner {
  id: string;
  short: string;
  name?: string;
  lesson?: string;
  score: number;
  done: boolean;
  passed: number;
  state: string;
  error?: string;
  cpu_ms: number;
  rss: number;
  last_ms: number;
  instance: boolean;
  tabs: number;
}

export interface LessonProgress {
  id: string;
  order: number;
  title: string;
  current: number;
  tried: number;
  passed: number;
}

export interface Class {
  now: number;
  sessions: Learner[];
  lessons: LessonProgress[];
}

export interface PushResult {
  sessions: number;
  kept: number;
  applied: number;
  errors: string[];
  snapshots: Record<string, string>;
}

/** parseClass checks the shape of a class answer, dropping rows that are not learners. */
export function parseClass(v: unknown): Class {
  const o = (v ?? {}) as Partial<Class>;
  const sessions = Array.isArray(o.sessions) ? o.sessions.filter((s) => s && typeof s.id === "string") : [];
  const lessons = Array.isArray(o.lessons) ? o.lessons.filter((l) => l && typeof l.id === "string") : [];
  return { now: typeof o.now === "number" ? o.now : Date.now(), sessions, lessons };
}

/** Sample is a learner's CPU time at one poll. */
export interface Sample {
  at: number; // the server's clock, ms
  cpuMs: number;
}

/**
 * cpuPercent is a learner's CPU use between two polls, as a share of one core (100 = one core busy), or null when
 * there is no earlier sample of the same instance (its CPU time went down: a new instance).
 */
export function cpuPercent(prev: Sample | undefined, cur: Sample): number | null {
  if (!prev || cur.at <= prev.at || cur.cpuMs < prev.cpuMs) return null;
  return Math.round(((cur.cpuMs - prev.cpuMs) / (cur.at - prev.at)) * 100);
}

/** ago says how long before now a time was, as [unit key, count]; null for never (0). */
export function ago(now: number, then: number): ["teacher.ago.s" | "teacher.ago.m" | "teacher.ago.h", number] | null {
  if (!then) return null;
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return ["teacher.ago.s", s];
  if (s < 3600) return ["teacher.ago.m", Math.floor(s / 60)];
  return ["teacher.ago.h", Math.floor(s / 3600)];
}

/** LearnerTrace is GET /api/teacher/sessions/{id}/trace: the learner's last trace (at: Unix ms of its latest events, 0: none). */
export interface LearnerTrace {
  events: TraceEvent[];
  dropped: number;
  at: number;
}

/** parseTrace checks the shape of a trace answer, dropping what is not an event (ts, kind and worker at least). */
export function parseTrace(v: unknown): LearnerTrace {
  const o = (v ?? {}) as Partial<LearnerTrace>;
  const events = Array.isArray(o.events)
    ? o.events.filter((e) => e && typeof e === "object" && typeof e.ts === "number" && typeof e.kind === "string" && typeof e.worker === "number")
    : [];
  return { events, dropped: typeof o.dropped === "number" ? o.dropped : 0, at: typeof o.at === "number" ? o.at : 0 };
}
