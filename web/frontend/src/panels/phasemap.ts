// The phase map: an inline SVG flow of OpenResty's phases; phases with Lua code are marked,
// phase_enter events light them up in order, a click jumps to the phase's block, pointing at one
// (or focusing it) tells onPoint, which shows what the phase may call.

import { svg } from "../dom";
import { t } from "../i18n";
import type { PhaseSite } from "../editor/scan";

const STARTUP = new Set(["init", "init_worker"]);

export class PhaseMap {
  readonly root: SVGSVGElement;
  private nodes = new Map<string, SVGGElement>();
  private sites = new Map<string, PhaseSite>();
  private queue: string[] = [];
  private timer = 0;

  constructor(phases: string[], private onJump: (site: PhaseSite) => void, private onPoint: (phase: string) => void = () => {}) {
    const startup = phases.filter((p) => STARTUP.has(p));
    const flow = phases.filter((p) => !STARTUP.has(p));
    const bw = 92, bh = 26, gap = 12, perRow = 5;
    const rows = Math.ceil(flow.length / perRow);
    const width = perRow * bw + (perRow - 1) * gap + 20;
    const height = 40 + bh + 28 + rows * (bh + 22) + 4;
    this.root = svg("svg", { class: "phasemap", viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": t("phases.title") }) as SVGSVGElement;
    this.root.appendChild(svg("text", { x: 10, y: 14, class: "pm-caption" }, t("phases.startup")));
    startup.forEach((p, i) => this.box(p, 10 + i * (bw + gap), 20, bw, bh));
    const y0 = 20 + bh + 28;
    this.root.appendChild(svg("text", { x: 10, y: y0 - 8, class: "pm-caption" }, t("phases.request")));
    const marker = svg("marker", { id: "pm-arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "pm-arrowhead" }));
    this.root.appendChild(svg("defs", {}, marker));
    flow.forEach((p, i) => {
      const row = Math.floor(i / perRow);
      const col = row % 2 === 0 ? i % perRow : perRow - 1 - (i % perRow);
      const x = 10 + col * (bw + gap);
      const y = y0 + row * (bh + 22);
      if (i > 0) {
        const prow = Math.floor((i - 1) / perRow);
        const pcol = prow % 2 === 0 ? (i - 1) % perRow : perRow - 1 - ((i - 1) % perRow);
        const px = 10 + pcol * (bw + gap), py = y0 + prow * (bh + 22);
        let d: string;
        if (prow === row) d = col > pcol ? `M${px + bw},${py + bh / 2} L${x - 1},${y + bh / 2}` : `M${px},${py + bh / 2} L${x + bw + 1},${y + bh / 2}`;
        else d = `M${px + bw / 2},${py + bh} L${x + bw / 2},${y - 1}`;
        this.root.appendChild(svg("path", { d, class: "pm-edge", "marker-end": "url(#pm-arrow)" }));
      }
      this.box(p, x, y, bw, bh);
    });
  }

  private box(phase: string, x: number, y: number, w: number, hh: number): void {
    const g = svg("g", { id: `phase-${phase}`, class: "pm-node", tabindex: 0, role: "button", "aria-label": phase }) as SVGGElement;
    g.appendChild(svg("rect", { x, y, width: w, height: hh, rx: 5 }));
    g.appendChild(svg("text", { x: x + w / 2, y: y + hh / 2 + 4, "text-anchor": "middle" }, phase));
    const go = () => {
      const s = this.sites.get(phase);
      if (s) this.onJump(s);
    };
    g.addEventListener("click", go);
    const point = () => {
      for (const n of this.nodes.values()) n.classList.toggle("pointed", n === g);
      this.onPoint(phase);
    };
    g.addEventListener("mouseenter", point);
    g.addEventListener("focus", point);
    g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        go();
      }
    });
    this.root.appendChild(g);
    this.nodes.set(phase, g);
  }

  /** setSites marks the phases that have code (first site of each phase wins). */
  setSites(sites: PhaseSite[]): void {
    this.sites.clear();
    for (const s of sites) if (!this.sites.has(s.phase)) this.sites.set(s.phase, s);
    for (const [p, g] of this.nodes) g.classList.toggle("has-code", this.sites.has(p));
  }

  /** visit queues a phase to light up; consecutive lights are spaced for a readable animation. */
  visit(phase: string): void {
    if (!this.nodes.has(phase)) return;
    if (this.queue.length > 24) this.queue.splice(0, this.queue.length - 24);
    if (this.queue[this.queue.length - 1] !== phase) this.queue.push(phase);
    if (!this.timer) this.tick();
  }

  private tick(): void {
    const p = this.queue.shift();
    if (p === undefined) {
      this.timer = 0;
      return;
    }
    const g = this.nodes.get(p)!;
    g.dataset.visits = String(Number(g.dataset.visits ?? 0) + 1); // for tests: how often it lit
    g.classList.remove("lit");
    void g.getBoundingClientRect();
    g.classList.add("lit");
    window.setTimeout(() => g.classList.remove("lit"), 600);
    this.timer = window.setTimeout(() => this.tick(), 120);
  }
}
