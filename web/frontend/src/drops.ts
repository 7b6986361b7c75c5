// Trace events lost on the way to this page, counted per hop of the trace pipe (docs/trace.md, "The pipe"):
// each "trace" message says what was lost since the previous one, in all ("dropped") and by hop ("drops").

/** The hops of the trace pipe, from the worker to the browser. */
export const HOPS = ["ring", "rate", "instance", "lab", "websocket"] as const;
export type Hop = (typeof HOPS)[number];

/** DropCounter adds up a connection's "trace" messages' drops. */
export class DropCounter {
  total = 0;
  readonly byHop: Record<Hop, number> = { ring: 0, rate: 0, instance: 0, lab: 0, websocket: 0 };

  /** add counts one message's drops; it reports whether there were any. A hop the page does not know counts in the total only. */
  add(dropped: number | undefined, drops: Partial<Record<string, number>> | null | undefined): boolean {
    const n = typeof dropped === "number" && dropped > 0 ? dropped : 0;
    if (n === 0) return false;
    this.total += n;
    if (drops) {
      for (const hop of HOPS) {
        const d = drops[hop];
        if (typeof d === "number" && d > 0) this.byHop[hop] += d;
      }
    }
    return true;
  }

  /** hops lists the hops that lost events, as "ring 3 · websocket 120". */
  hops(): string {
    return HOPS.filter((h) => this.byHop[h] > 0).map((h) => `${h} ${this.byHop[h]}`).join(" · ");
  }
}
