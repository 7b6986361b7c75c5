// What the timeline needs to know about ngx_lua's phases: which of them run their Lua in a coroutine that
// may yield, and which run it as a plain call that cannot (lua-nginx-module's README lists, per API, the
// contexts it works in: ngx.sleep and the cosockets are refused in set_by_lua*, header_filter_by_lua*,
// body_filter_by_lua*, log_by_lua*, balancer_by_lua* and init_worker_by_lua*).

/** Phases whose handler is a plain call: no coroutine of its own, no yield. */
export const SYNC_PHASES: ReadonlySet<string> = new Set([
  "init", "init_worker", "exit_worker", "set", "header_filter", "body_filter", "log", "balancer", "ssl_session_store",
]);

/** isSyncPhase tells whether phase runs its Lua as a plain call that cannot yield. */
export function isSyncPhase(phase: string | undefined): boolean {
  return !!phase && SYNC_PHASES.has(phase);
}

const CHUNK_RE = /\(([^()]+):(\d+)\)\s*$/;

/**
 * chunkSource reads the file and line out of a phase_enter's chunk name: "content_by_lua(nginx.conf:19)" is
 * nginx.conf line 19; a *_by_lua_file's chunk name is the file's path (line 1).
 */
export function chunkSource(chunk: string | undefined): { file: string; line: number } | null {
  if (!chunk) return null;
  const m = CHUNK_RE.exec(chunk);
  if (m) return { file: m[1], line: Number(m[2]) };
  if (chunk.endsWith(".lua")) return { file: chunk, line: 1 };
  return null;
}

/**
 * mapPhase is the phase map's node of a trace phase: the TLS handshake's handlers (phase "ssl_cert" of
 * ssl_certificate_by_lua, and ssl_client_hello, ssl_session_fetch, ssl_session_store) are its "ssl" node.
 */
export function mapPhase(phase: string): string {
  return phase.startsWith("ssl_") ? "ssl" : phase;
}

/** tracePhases are the trace phases (and the API table's) that a phase map node stands for. */
export function tracePhases(node: string): string[] {
  return node === "ssl" ? ["ssl", "ssl_cert", "ssl_client_hello"] : [node];
}
