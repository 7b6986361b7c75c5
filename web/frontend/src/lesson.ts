// A lesson beside the playground: the server renders its text, task and
// experiment buttons in #lesson; this module makes the experiments fire from
// the request and burst panels and runs "Check my work".

import { api, type LessonResult } from "./api";
import type { Workspace } from "./boot";
import { h } from "./dom";
import { t } from "./i18n";

/** LessonHooks are the playground's parts a lesson drives. */
export interface LessonHooks {
  workspace(): Workspace;
  /** save writes the editor's pending edits to the server (and leaves nothing for the unload beacon). */
  save(): Promise<void>;
  /** sendRequest shows the request panel, fills it and sends. */
  sendRequest(method: string, path: string, headers: [string, string][], body: string): void;
  /** fireBurst shows the burst panel, fills it and fires. */
  fireBurst(path: string, n: number, c: number): void;
  /** setSNI sets the SNI name the next requests use ("" for plain HTTP's default; "-": none). */
  setSNI(name: string): void;
  /** setListen picks the listen address the next requests and bursts go to ("443"), when nginx.conf declares it. */
  setListen(name: string): void;
}

/** parseHeaders reads an experiment's "Name: value" lines. */
export function parseHeaders(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) out.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
  }
  return out;
}

/** wireLesson connects the server-rendered lesson pane to the playground. */
export function wireLesson(id: string, hooks: LessonHooks): void {
  const pane = document.getElementById("lesson");
  if (!pane) return;
  // Loading the starter snapshots the code the server holds: save the
  // editor's last edits first, or the unload beacon would race the form
  // and could put them back over the starter.
  const load = pane.querySelector<HTMLFormElement>("form.lesson-load");
  load?.addEventListener("submit", (e) => {
    e.preventDefault();
    void hooks.save().finally(() => load.submit());
  });
  for (const btn of pane.querySelectorAll<HTMLButtonElement>("button.experiment")) {
    btn.addEventListener("click", () => {
      const d = btn.dataset;
      const n = Number(d.n) || 1, c = Number(d.c) || 1;
      if (d.sni !== undefined) hooks.setSNI(d.sni === "-" ? "" : d.sni);
      if (d.listen !== undefined) hooks.setListen(d.listen);
      if (n > 1) hooks.fireBurst(d.path || "/", n, c);
      else hooks.sendRequest(d.method || "GET", d.path || "/", parseHeaders(d.headers || ""), d.body || "");
    });
  }
  const check = document.getElementById("lesson-check") as HTMLButtonElement | null;
  const results = document.getElementById("lesson-results");
  const score = document.getElementById("lesson-score");
  if (!check || !results || !score) return;
  check.addEventListener("click", async () => {
    check.disabled = true;
    results.setAttribute("data-state", "running");
    results.replaceChildren(h("p", { class: "muted" }, t("lesson.checking")));
    try {
      const r = await api.checkLesson(id, hooks.workspace());
      showResult(r, results, score);
    } catch (e) {
      results.setAttribute("data-state", "error");
      results.replaceChildren(h("p", { class: "err", id: "lesson-error" }, e instanceof Error ? e.message : String(e)));
    } finally {
      check.disabled = false;
    }
  });
}

function showResult(r: LessonResult, results: HTMLElement, score: HTMLElement): void {
  const passed = r.checks.filter((c) => c.ok).length;
  results.setAttribute("data-state", "done");
  results.setAttribute("data-score", String(r.score));
  score.dataset.score = String(r.score);
  if (r.score === 100) score.dataset.done = "true";
  score.textContent = t("lesson.score", { passed, total: r.checks.length, score: r.score });
  const list = h("ul", { class: "check-list" }, ...r.checks.map((c) =>
    h("li", { class: c.ok ? "ok" : "fail", "data-ok": String(c.ok) },
      h("span", { class: "mark", "aria-hidden": "true" }, c.ok ? "✓" : "✗"), " ",
      h("strong", null, c.name),
      c.ok ? null : h("p", { class: "msg" }, c.message),
      c.ok || !c.hint ? null : h("p", { class: "hint" }, t("lesson.hint"), " ", c.hint))));
  results.replaceChildren(
    h("p", { class: r.score === 100 ? "ok" : "muted" }, r.score === 100 ? t("lesson.passed") : t("lesson.partial", { passed, total: r.checks.length })),
    list);
  results.scrollIntoView({ block: "nearest" });
}
