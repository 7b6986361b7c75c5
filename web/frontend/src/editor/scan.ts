// Pure scans of the editor text: where each phase's Lua lives in nginx.conf, and warnings as "file:line: message".

export interface PhaseSite { phase: string; line: number; from: number; to: number }

const DIRECTIVE_RE = /\b([a-z_]+?)_by_lua(?:_block|_file)?\b/g;

/** phaseOf maps a *_by_lua* directive's prefix to its phase name. */
function phaseOf(prefix: string): string | null {
  switch (prefix) {
    case "init": case "init_worker": case "set": case "server_rewrite": case "rewrite": case "access": case "content":
    case "balancer": case "header_filter": case "body_filter": case "log":
      return prefix;
    case "ssl_certificate": case "ssl_session_fetch": case "ssl_session_store": case "ssl_client_hello":
      return "ssl";
    default:
      return null;
  }
}

/** scanPhases finds the *_by_lua_block / *_by_lua_file directives outside comments, in order. */
export function scanPhases(conf: string): PhaseSite[] {
  const out: PhaseSite[] = [];
  let pos = 0;
  let lineNo = 1;
  for (const line of conf.split("\n")) {
    const code = stripComment(line);
    DIRECTIVE_RE.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = DIRECTIVE_RE.exec(code))) {
      const ph = phaseOf(m[1]);
      if (ph) out.push({ phase: ph, line: lineNo, from: pos + m.index, to: pos + m.index + m[0].length });
    }
    pos += line.length + 1;
    lineNo++;
  }
  return out;
}

function stripComment(line: string): string {
  let q = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === "\\") i++;
      else if (ch === q) q = "";
    } else if (ch === '"' || ch === "'") q = ch;
    else if (ch === "#") return line.slice(0, i);
  }
  return line;
}

export interface Located { file: string; line: number; message: string }

/** parseLocated reads "nginx.conf:12: message" (also "lua/x.lua:3: ..."); null when it has no location. */
export function parseLocated(s: string): Located | null {
  const m = /^\s*([\w./-]+\.(?:conf|lua)):(\d+):\s*(.*)$/s.exec(s);
  if (!m) return null;
  return { file: m[1], line: Number(m[2]), message: m[3] };
}

/** validLuaName accepts lua/name.lua (subdirectories allowed, no "..") */
export function validLuaName(name: string): boolean {
  return /^lua\/[\w-]+(\/[\w-]+)*\.lua$/.test(name);
}
