// The boot data the server renders into <script id="boot">, with defaults for missing fields.

export interface Workspace {
  conf: string;
  files: Record<string, string>;
  updated?: number;
}

export interface Boot {
  session: string;
  lang: string;
  embed: boolean;
  readOnly: boolean;
  workspace: Workspace;
  proxyBase: string;
  phases: string[];
  /** The ngx API with the phases where ngx_lua allows each call (the engine's API table). */
  api: ApiUse[];
  /** The example just opened: the path it serves, and its burst's n and c. */
  preset?: Preset;
  /** Set on a lesson page: the lesson beside the playground. */
  lesson?: { id: string };
  /** The session id the browser brought that this lab does not know (its previous-session cookie). */
  previous?: string;
}

/** SESSION_ID matches a session id as the server makes them (lowercase base32, 16 to 32 characters). */
export const SESSION_ID = /^[a-z2-7]{16,32}$/;

export interface Preset {
  path: string;
  n: number;
  c: number;
  /** the request panel's method and body (GET and none when absent) */
  method?: string;
  body?: string;
}

/** parsePreset keeps a well-formed preset (a path from the root, 1 <= c <= n <= 1000), else undefined. */
export function parsePreset(v: unknown): Preset | undefined {
  if (!v || typeof v !== "object") return undefined;
  const p = v as Record<string, unknown>;
  if (typeof p.path !== "string" || !p.path.startsWith("/")) return undefined;
  const n = Number(p.n), c = Number(p.c);
  if (!Number.isInteger(n) || !Number.isInteger(c) || n < 1 || n > 1000 || c < 1 || c > n) return undefined;
  const out: Preset = { path: p.path, n, c };
  if (typeof p.method === "string" && /^[A-Z]{1,16}$/.test(p.method)) out.method = p.method;
  if (typeof p.body === "string") out.body = p.body;
  return out;
}

/** ApiUse is one ngx API: where it may run, whether it may yield, whether it works in every phase. */
export interface ApiUse {
  name: string;
  phases: string[];
  yields: boolean;
  any: boolean;
}

/** parseApi keeps the well-formed entries of the boot data's api list. */
export function parseApi(v: unknown): ApiUse[] {
  if (!Array.isArray(v)) return [];
  const out: ApiUse[] = [];
  for (const e of v) {
    if (!e || typeof e !== "object") continue;
    const r = e as Record<string, unknown>;
    if (typeof r.name !== "string") continue;
    const phases = Array.isArray(r.phases) ? r.phases.filter((p): p is string => typeof p === "string") : [];
    out.push({ name: r.name, phases, yields: r.yields === true, any: r.any === true });
  }
  return out;
}

export const DEFAULT_PHASES = [
  "init", "init_worker", "ssl", "set", "server_rewrite", "rewrite", "access", "content",
  "balancer", "header_filter", "body_filter", "log",
];

/** parseBoot reads the boot JSON text; anything missing or malformed gets a safe default. */
export function parseBoot(text: string | null | undefined, htmlLang = "en"): Boot {
  let raw: Record<string, unknown> = {};
  try {
    const v = JSON.parse(text || "{}");
    if (v && typeof v === "object") raw = v as Record<string, unknown>;
  } catch {
    raw = {};
  }
  const ws = (raw.workspace && typeof raw.workspace === "object" ? raw.workspace : {}) as Record<string, unknown>;
  const files: Record<string, string> = {};
  if (ws.files && typeof ws.files === "object") {
    for (const [k, v] of Object.entries(ws.files as Record<string, unknown>)) {
      if (typeof v === "string") files[k] = v;
    }
  }
  const phases = Array.isArray(raw.phases) && raw.phases.every((p) => typeof p === "string")
    ? (raw.phases as string[]) : DEFAULT_PHASES;
  return {
    session: typeof raw.session === "string" ? raw.session : "",
    lang: typeof raw.lang === "string" ? raw.lang : htmlLang,
    embed: raw.embed === true,
    readOnly: raw.readOnly === true,
    workspace: {
      conf: typeof ws.conf === "string" ? ws.conf : "",
      files,
      updated: typeof ws.updated === "number" ? ws.updated : 0,
    },
    proxyBase: typeof raw.proxyBase === "string" ? raw.proxyBase : "",
    phases: phases.length ? phases : DEFAULT_PHASES,
    api: parseApi(raw.api),
    preset: parsePreset(raw.preset),
    lesson: raw.lesson && typeof raw.lesson === "object" && typeof (raw.lesson as { id?: unknown }).id === "string"
      ? { id: (raw.lesson as { id: string }).id } : undefined,
    previous: typeof raw.previous === "string" && SESSION_ID.test(raw.previous) ? raw.previous : undefined,
  };
}

/** readBoot parses the page's boot element. */
export function readBoot(): Boot {
  const el = document.getElementById("boot");
  return parseBoot(el ? el.textContent : null, document.documentElement.lang || "en");
}
