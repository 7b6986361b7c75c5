// The WebSocket client of /api/ws: typed messages, reconnect with backoff, pause/step/resume.

import { labURL, type ListenAddress } from "./api";
import type { TraceEvent } from "./trace/types";

export type InstanceState = "starting" | "running" | "paused" | "exited";

export type ServerMsg =
  | { t: "hello"; session: string; workers: number; paused: boolean; state: InstanceState | string; reason?: string; addresses?: ListenAddress[] | null; rss?: number; cpu_time?: number; fds?: number; conns?: number }
  | { t: "trace"; events: TraceEvent[] | null; dropped?: number; drops?: Partial<Record<string, number>> | null }
  | { t: "log"; level: string | number; line: string }
  | { t: "access"; lines: { file: string; line: string }[] | null; dropped?: number }
  | { t: "health"; rss: number; cpu_time: number; fds: number; conns: number }
  | { t: "state"; state: InstanceState | string; reason?: string; pending?: string[] | null; addresses?: ListenAddress[] | null }
  | { t: "applied"; ok: boolean; warnings?: string[] | null; error?: { message: string; file?: string; line?: number } | null; addresses?: ListenAddress[] | null }
  | { t: "workspace"; kept?: string };

export interface WsHandlers {
  onMessage(m: ServerMsg): void;
  onStatus(s: { connected: boolean; retryIn?: number }): void;
}

/** WsClient keeps one connection open, reconnecting with exponential backoff. */
export class WsClient {
  private sock: WebSocket | null = null;
  private delay = 500;
  private timer = 0;
  private closed = false;

  constructor(private readonly url: string, private readonly h: WsHandlers) {}

  /** urlFor is /api/ws on this host, under the base path; ?session= carries the session where cookies are not sent (embeds). */
  static urlFor(loc: Location, session = ""): string {
    return (loc.protocol === "https:" ? "wss://" : "ws://") + loc.host + labURL("/api/ws") + (session ? "?session=" + encodeURIComponent(session) : "");
  }

  start(): void {
    this.closed = false;
    this.connect();
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.sock?.close();
  }

  private connect(): void {
    let s: WebSocket;
    try {
      s = new WebSocket(this.url);
    } catch {
      this.retry();
      return;
    }
    this.sock = s;
    s.onopen = () => {
      this.delay = 500;
      this.h.onStatus({ connected: true });
    };
    s.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      let m: ServerMsg;
      try {
        m = JSON.parse(ev.data) as ServerMsg;
      } catch {
        return;
      }
      if (m && typeof m === "object" && typeof m.t === "string") this.h.onMessage(m);
    };
    s.onclose = () => {
      if (this.sock === s) this.sock = null;
      if (!this.closed) this.retry();
    };
    s.onerror = () => {
      /* onclose follows */
    };
  }

  private retry(): void {
    const d = this.delay;
    this.delay = Math.min(this.delay * 2, 10000);
    this.h.onStatus({ connected: false, retryIn: Math.ceil(d / 1000) });
    this.timer = window.setTimeout(() => this.connect(), d + Math.random() * 250);
  }

  send(msg: { t: "pause" } | { t: "step"; n?: number } | { t: "resume" }): boolean {
    if (!this.sock || this.sock.readyState !== WebSocket.OPEN) return false;
    this.sock.send(JSON.stringify(msg));
    return true;
  }
}
