// Small formatting helpers and the burst summary sentence (pure, unit-tested).

import { t } from "./i18n";

/** ms formats milliseconds: integers from 10 up, one decimal below. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  if (Math.abs(ms) >= 10) return String(Math.round(ms));
  return (Math.round(ms * 10) / 10).toString();
}

/** nsToMs formats a duration in ns as ms with sensible precision. */
export function nsToMs(ns: number): string {
  const ms = ns / 1e6;
  if (Math.abs(ms) >= 100) return ms.toFixed(0);
  if (Math.abs(ms) >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

export interface BurstNumbers {
  n: number; ok: number; errors: number; wall_ms: number; sum_ms: number;
  concurrency: number; busy_pct: number; workers: number;
}

/** burstSentence: "100 requests x 52 ms each took 61 ms: 85x concurrency on one thread. ..." */
export function burstSentence(b: BurstNumbers): string {
  const each = b.n > 0 ? b.sum_ms / b.n : 0;
  const conc = b.concurrency > 0 ? b.concurrency : (b.wall_ms > 0 ? b.sum_ms / b.wall_ms : 0);
  const threads = b.workers > 1 ? t("burst.threads", { w: b.workers }) : t("burst.one.thread");
  let s = t("burst.sentence", {
    n: b.n, each: fmtMs(each), wall: fmtMs(b.wall_ms),
    conc: conc >= 10 ? String(Math.round(conc)) : String(Math.round(conc * 10) / 10), threads,
  });
  if (Number.isFinite(b.busy_pct) && b.busy_pct >= 0) s += " " + t("burst.busy", { pct: fmtMs(b.busy_pct) });
  return s;
}

/** histogram buckets values into n equal bins over [0, max]. */
export function histogram(values: readonly number[], bins: number): { edges: number[]; counts: number[] } {
  const max = values.length ? Math.max(...values) : 0;
  const top = max > 0 ? max * 1.0001 : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v / top) * bins)))]++;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (top * i) / bins);
  return { edges, counts };
}

/** bytes formats a byte count as KiB/MiB. */
export function bytes(n: number): string {
  if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + " MiB";
  if (n >= 1024) return (n / 1024).toFixed(0) + " KiB";
  return n + " B";
}
