// Trace event shape of docs/trace.md, as received from the server.

import { t } from "../i18n";

export interface TraceEvent {
  ts: number;
  kind: string;
  worker: number;
  /** engine generation: one more per reload of the instance, absent for the first (docs/trace.md) */
  gen?: number;
  fd?: number;
  req?: number;
  co?: number;
  phase?: string;
  source?: string;
  line?: number;
  arg?: number;
  arg2?: number;
  detail?: string;
}

/**
 * GEN_STRIDE spaces the worker keys of successive engine generations: a reload's new workers are numbered from 0
 * again (as ngx.worker.id() is) while the old ones finish their requests, and the two must not share a lane.
 */
export const GEN_STRIDE = 1000;

/** workerKey is the model's key for worker w of generation gen (the key is w itself for the first generation). */
export function workerKey(w: number, gen = 0): number {
  return gen * GEN_STRIDE + w;
}

/** workerLabel names a worker key: "worker 0", or "worker 0 · reload 2" for a later generation. */
export function workerLabel(key: number): string {
  const g = Math.floor(key / GEN_STRIDE);
  const w = key % GEN_STRIDE;
  return g > 0 ? t("tl.workerGen", { w, g }) : t("tl.worker", { w });
}

/** workerShort is a worker key for a table column: "0", or "0 (reload 2)". */
export function workerShort(key: number): string {
  const g = Math.floor(key / GEN_STRIDE);
  const w = key % GEN_STRIDE;
  return g > 0 ? t("tl.workerGenShort", { w, g }) : String(w);
}

export const EPOLLIN = 1;
export const EPOLLOUT = 4;
export const EPOLLERR = 8;
export const EPOLLHUP = 16;
export const EPOLLRDHUP = 8192;

/** maskText names the bits of an epoll event mask: "IN|OUT". */
export function maskText(m: number): string {
  const parts: string[] = [];
  if (m & EPOLLIN) parts.push("IN");
  if (m & EPOLLOUT) parts.push("OUT");
  if (m & EPOLLERR) parts.push("ERR");
  if (m & EPOLLHUP) parts.push("HUP");
  if (m & EPOLLRDHUP) parts.push("RDHUP");
  return parts.length ? parts.join("|") : String(m);
}
