// Typed calls to the HTTP API of docs/web.md (same origin, session from the cookie).

import type { Workspace } from "./boot";

export interface LoadError { message: string; file?: string; line?: number }
/** ListenAddress: one listen address of the instance (name: "80", "127.0.0.1:8080"; what a request's listen and /s/ID@name/ take). */
export interface ListenAddress { name: string; declared: string; ssl?: boolean }
export interface ApplyResult { ok: boolean; warnings?: string[] | null; error?: LoadError | null; addresses?: ListenAddress[] | null }
/** TLS options of a request: the ClientHello's SNI name, resuming the session's TLS sessions, forcing a scheme ("" = https when the chosen address listens with ssl). */
export interface TlsOptions { sni?: string; resume?: boolean; scheme?: "" | "http" | "https" }
export interface SendRequest extends TlsOptions { method: string; path: string; headers: [string, string][]; body: string; listen?: string }
/** CertInfo: the certificate an HTTPS instance picked (docs/web.md). */
export interface CertInfo { subject: string; issuer: string; dns_names?: string[]; not_after: string; key: string; serial: string }
/** TlsInfo: an HTTPS request's handshake, checked against the lab's CA afterwards. */
export interface TlsInfo {
  sni: string; version: string; cipher: string; resumed: boolean; alpn?: string; cert?: CertInfo;
  verified: boolean; verify_error?: string;
}
export interface SendResult {
  status: number; headers: [string, string][] | null; body: string; raw_request: string;
  raw_response: string; ms: number; curl: string; error?: string; tls?: TlsInfo;
}
export interface BurstRequest extends TlsOptions { method: string; path: string; n: number; c: number; listen?: string }
/** BurstTls: a burst's handshakes over HTTPS. */
export interface BurstTls { handshakes: number; resumed: number; versions: Record<string, number>; ciphers: Record<string, number>; certs: Record<string, number> }
export interface BurstResult {
  n: number; ok: number; errors: number; statuses: Record<string, number>;
  bodies: { body: string; count: number }[] | null; latencies_ms: number[] | null;
  wall_ms: number; sum_ms: number; cpu_pct: number; workers: number;
  /** measured on the burst's trace (docs/web.md) */
  traced: number; in_progress_peak: number; in_progress_mean: number; in_worker_ms_mean: number;
  queued_ms_mean: number; worker_busy_pct: number; trace_window_ms: number; trace_dropped: number;
  trace_error?: string;
  tls?: BurstTls;
}
export interface ShareResult { id: string; url: string; embed: string }
/** CheckResult: one check of a lesson (message and hint are empty when it passed). */
export interface CheckResult { name: string; ok: boolean; message: string; hint: string }
/** LessonResult: POST /api/lessons/{id}/check. */
export interface LessonResult { lesson: string; score: number; checks: CheckResult[] }
/** SourceLines: lines of a workspace file tokenised by chroma on the server (c = CSS class of chroma.css). */
export interface SourceLines { file: string; line: number; lines: { n: number; tokens: { c?: string; t: string }[] }[] }

/** ApiError carries the server's one-sentence error. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

let sessionId = "";
let base: string | null = null;

/**
 * basePath is the path prefix the lab is served under behind a reverse proxy ("/lab"; "" at the host's root), which
 * the server renders into every page once as <meta name="restylab-base">.
 */
export function basePath(): string {
  if (base === null) {
    const m = typeof document === "undefined" ? null : document.querySelector<HTMLMetaElement>('meta[name="restylab-base"]');
    const v = m?.content ?? "";
    base = v.startsWith("/") && !v.endsWith("/") ? v : "";
  }
  return base;
}

/** labURL is the lab's path p ("/api/ws", "/teacher") as the browser must ask for it: under the base path. */
export function labURL(p: string): string {
  return basePath() + p;
}

/** cookiePath is the Path of the lab's cookies (restylab_lang, restylab_theme): the base path's directory. */
export function cookiePath(): string {
  return basePath() + "/";
}

/** setSession makes every call carry X-Restylab-Session (embeds in other sites get no cookies). */
export function setSession(id: string): void {
  sessionId = id;
}

function headers(json: boolean): Record<string, string> {
  const hd: Record<string, string> = {};
  if (json) hd["Content-Type"] = "application/json";
  if (sessionId) hd["X-Restylab-Session"] = sessionId;
  return hd;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(labURL(path), {
      method,
      headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (e) {
    throw new ApiError(e instanceof Error ? e.message : String(e), 0);
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const msg = data && typeof data === "object" && typeof (data as { error?: unknown }).error === "string"
      ? (data as { error: string }).error : (text.trim() || `HTTP ${res.status}`);
    throw new ApiError(msg, res.status);
  }
  return data as T;
}

function wsBody(ws: Workspace): { conf: string; files: Record<string, string> } {
  return { conf: ws.conf, files: ws.files };
}

export const api = {
  getWorkspace: () => call<Workspace>("GET", "/api/workspace"),
  putWorkspace: (ws: Workspace) => call<null>("PUT", "/api/workspace", wsBody(ws)),
  apply: (ws: Workspace) => call<ApplyResult>("POST", "/api/apply", wsBody(ws)),
  send: (r: SendRequest) => call<SendResult>("POST", "/api/send", r),
  burst: (r: BurstRequest) => call<BurstResult>("POST", "/api/burst", r),
  share: (ws: Workspace) => call<ShareResult>("POST", "/api/share", wsBody(ws)),
  checkLesson: (id: string, ws: Workspace) =>
    call<LessonResult>("POST", `/api/lessons/${encodeURIComponent(id)}/check`, wsBody(ws)),
  /** forgetPrevious: the browser forgets the earlier session's id (the notice was dismissed). */
  forgetPrevious: () => call<null>("DELETE", "/api/session/previous"),
  source: (file: string, line: number) =>
    call<SourceLines>("GET", `/api/source?file=${encodeURIComponent(file)}&line=${line}`),
  /** beaconWorkspace saves without waiting (page unload): POST /api/workspace as a keepalive fetch
   * (it can carry the session header), or sendBeacon when the body is over keepalive's 64 KiB. */
  beaconWorkspace(ws: Workspace): boolean {
    const text = JSON.stringify(wsBody(ws));
    try {
      if (text.length < 60000) {
        void fetch(labURL("/api/workspace"), { method: "POST", headers: headers(true), body: text, keepalive: true, credentials: "same-origin" }).catch(() => undefined);
        return true;
      }
      return navigator.sendBeacon(labURL("/api/workspace"), new Blob([text], { type: "application/json" }));
    } catch {
      return false;
    }
  },
};
