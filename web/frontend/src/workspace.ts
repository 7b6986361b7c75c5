// Autosave: debounced PUT /api/workspace plus a localStorage copy, and a beacon on unload.

import type { Workspace } from "./boot";

export interface Stored { conf: string; files: Record<string, string>; updated: number }

export function storageKey(session: string): string {
  return `restylab:ws:${session}`;
}

/** parseStored reads a localStorage value; null when missing or malformed. */
export function parseStored(text: string | null): Stored | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<Stored>;
    if (typeof v.conf !== "string" || typeof v.updated !== "number") return null;
    const files: Record<string, string> = {};
    if (v.files && typeof v.files === "object") {
      for (const [k, s] of Object.entries(v.files)) if (typeof s === "string") files[k] = s;
    }
    return { conf: v.conf, files, updated: v.updated };
  } catch {
    return null;
  }
}

/** chooseStart picks the local copy when it is newer than the server's and differs from it. */
export function chooseStart(server: Workspace, local: Stored | null): { ws: Workspace; fromLocal: boolean } {
  if (local && local.updated > (server.updated ?? 0) && !sameContent(server, local)) {
    return { ws: { conf: local.conf, files: local.files, updated: local.updated }, fromLocal: true };
  }
  return { ws: server, fromLocal: false };
}

export function sameContent(a: { conf: string; files: Record<string, string> }, b: { conf: string; files: Record<string, string> }): boolean {
  if (a.conf !== b.conf) return false;
  const ka = Object.keys(a.files).sort();
  const kb = Object.keys(b.files).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a.files[k] === b.files[k]);
}

export interface SaverDeps {
  session: string;
  get(): { conf: string; files: Record<string, string> };
  put(ws: Workspace): Promise<unknown>;
  beacon(ws: Workspace): boolean;
  status(ok: boolean, msg?: string): void;
  delay?: number;
}

/** Saver debounces saves of the editor's workspace. */
export class Saver {
  private timer = 0;
  private dirty = false;

  constructor(private d: SaverDeps) {}

  /** changed is called on every edit. */
  changed(): void {
    this.dirty = true;
    this.saveLocal();
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.flush(), this.d.delay ?? 800);
  }

  saveLocal(): void {
    const ws = this.d.get();
    try {
      localStorage.setItem(storageKey(this.d.session), JSON.stringify({ ...ws, updated: Date.now() }));
    } catch {
      /* storage full or disabled */
    }
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    if (!this.dirty) return;
    this.dirty = false;
    const ws = this.d.get();
    try {
      await this.d.put(ws);
      this.d.status(true);
    } catch (e) {
      this.dirty = true;
      this.d.status(false, e instanceof Error ? e.message : String(e));
    }
  }

  /** discard forgets the edits not saved yet and this browser's copy: the
   * server's workspace was replaced (a teacher's push) and must win. */
  discard(): void {
    clearTimeout(this.timer);
    this.dirty = false;
    try {
      localStorage.removeItem(storageKey(this.d.session));
    } catch {
      /* storage disabled */
    }
  }

  /** unload saves synchronously-ish: localStorage and a beacon. */
  unload(): void {
    if (!this.dirty) return;
    clearTimeout(this.timer);
    this.saveLocal();
    if (this.d.beacon(this.d.get())) this.dirty = false;
  }

  install(): void {
    window.addEventListener("beforeunload", () => this.unload());
    window.addEventListener("pagehide", () => this.unload());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") this.unload();
    });
  }
}
