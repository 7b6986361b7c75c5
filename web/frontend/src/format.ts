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
  n: number; ok: number; errors: number; wall_ms: number; workers: number;
  traced: number; in_progress_peak: number; in_progress_mean: number; in_worker_ms_mean: number;
  queued_ms_mean: number; worker_busy_pct: number; trace_dropped: number; trace_error?: string;
}

/** fmtMean formats a mean count: one decimal below 10. */
function fmtMean(v: number): string {
  return v >= 10 ? String(Math.round(v)) : (Math.round(v * 10) / 10).toFixed(1);
}

/**
 * burstSentence says what a burst did inside the server, from the figures
 * the server measured on the burst's trace (docs/web.md): requests in
 * progress at once, time in the worker and time waiting for it, the
 * workers' busy share. Every number can be checked on the timeline.
 */
export function burstSentence(b: BurstNumbers): string {
  let s = t("burst.took", { n: b.n, wall: fmtMs(b.wall_ms) });
  if (b.trace_error || !(b.traced > 0)) {
    return s + " " + t("burst.nofigures", { why: b.trace_error || t("burst.notraced") });
  }
  const threads = b.workers > 1 ? t("burst.threads", { w: b.workers }) : t("burst.one.thread");
  s += " " + t("burst.inworker", {
    peak: b.in_progress_peak, mean: fmtMean(b.in_progress_mean), threads,
    each: fmtMs(b.in_worker_ms_mean), queued: fmtMs(b.queued_ms_mean),
  });
  s += " " + t(b.workers > 1 ? "burst.busy.many" : "burst.busy", { pct: fmtMs(b.worker_busy_pct) });
  if (b.trace_dropped > 0) s += " " + t("burst.dropped", { d: b.trace_dropped });
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
