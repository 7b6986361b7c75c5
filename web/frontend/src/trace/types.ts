// Trace event shape of docs/trace.md, as received from the server.

export interface TraceEvent {
  ts: number;
  kind: string;
  worker: number;
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
