// The teacher's pages. /teacher: polls GET /api/teacher/class every few seconds and draws the learners and the class's
// progress per lesson; resets a learner's instance and pushes a lesson or a snapshot to everyone, after a confirm
// dialog. Every call that acts carries X-Restylab-Teacher (the server refuses one without it). /teacher/sessions/{id}:
// the learner's last trace on a timeline (teacher/trace.ts).

import "./styles/teacher.css";
import { labURL } from "./api";
import { clear, h } from "./dom";
import { bytes } from "./format";
import { setLang, t, type Key } from "./i18n";
import { ago, cpuPercent, parseClass, type Class, type Learner, type PushResult, type Sample } from "./teacher/model";
import { showTrace } from "./teacher/trace";

const pollMs = 3000;

const root = document.getElementById("teacher");
if (root) start(root);
const traceRoot = document.getElementById("learner-trace");
if (traceRoot) {
  setLang(traceRoot.dataset.lang);
  showTrace(traceRoot);
}

function start(root: HTMLElement): void {
  setLang(root.dataset.lang);
  const sessionsEl = document.getElementById("teacher-sessions")!;
  const lessonsEl = document.getElementById("teacher-lessons")!;
  const samples = new Map<string, Sample>();
  let last: Class | null = null;
  let timer = 0;

  const poll = async (): Promise<void> => {
    window.clearTimeout(timer);
    try {
      const res = await fetch(labURL("/api/teacher/class"), { credentials: "same-origin", cache: "no-store" });
      if (res.status === 401) {
        sessionsEl.textContent = t("teacher.loggedout");
        return; // no more polling: the login is gone
      }
      if (!res.ok) throw new Error(t("error.http", { status: res.status }));
      last = parseClass(await res.json());
      drawSessions(sessionsEl, last, samples, act);
      drawLessons(lessonsEl, last);
      root.dataset.polls = String(Number(root.dataset.polls ?? "0") + 1);
    } catch (e) {
      sessionsEl.dataset.error = String(e);
    }
    timer = window.setTimeout(poll, pollMs);
  };

  const act = async (l: Learner): Promise<void> => {
    const who = l.name || l.short;
    if (!window.confirm(t("teacher.reset.confirm", { who }))) return;
    const out = await call("POST", `/api/teacher/sessions/${encodeURIComponent(l.id)}/reset`);
    const state = out.ok ? String((out.body as { state?: string }).state ?? "") : out.error;
    document.getElementById("push-result")!.textContent = t("teacher.reset.done", { who, state });
    void poll();
  };

  const form = document.getElementById("teacher-push") as HTMLFormElement | null;
  form?.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const lesson = (document.getElementById("push-lesson") as HTMLSelectElement).value;
    const share = (document.getElementById("push-share") as HTMLInputElement).value.trim().replace(/^.*\/share\//, "");
    const out = document.getElementById("push-result")!;
    if (!lesson === !share) {
      out.textContent = t("teacher.push.pick");
      return;
    }
    const sel = document.getElementById("push-lesson") as HTMLSelectElement;
    const what = lesson ? sel.options[sel.selectedIndex].text : `/share/${share}`;
    if (!window.confirm(t("teacher.push.confirm", { n: last?.sessions.length ?? 0, what }))) return;
    const res = await call("POST", "/api/teacher/push", lesson ? { lesson } : { share });
    if (!res.ok) {
      out.textContent = res.error;
      return;
    }
    const p = res.body as PushResult;
    out.textContent = t("teacher.push.done", { n: p.sessions, k: p.kept, a: p.applied }) + (p.errors.length ? " " + p.errors.join("; ") : "");
    void poll();
  });

  void poll();
}

async function call(method: string, url: string, body?: unknown): Promise<{ ok: true; body: unknown } | { ok: false; error: string }> {
  try {
    const res = await fetch(labURL(url), {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Restylab-Teacher": "1" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) return { ok: false, error: (data as { error?: string }).error ?? t("error.http", { status: res.status }) };
    return { ok: true, body: data };
  } catch (e) {
    return { ok: false, error: t("error.network", { msg: String(e) }) };
  }
}

function stateText(state: string): string {
  const key = `state.${state}` as Key;
  return t(key) || state;
}

function drawSessions(el: HTMLElement, c: Class, samples: Map<string, Sample>, reset: (l: Learner) => void): void {
  clear(el);
  el.dataset.count = String(c.sessions.length);
  if (c.sessions.length === 0) {
    el.append(h("p", { class: "note" }, t("teacher.none")));
    return;
  }
  const titles = new Map(c.lessons.map((l) => [l.id, l.title]));
  const cols: Key[] = ["teacher.col.learner", "teacher.col.lesson", "teacher.col.checks", "teacher.col.state", "teacher.col.error", "teacher.col.cpu", "teacher.col.rss", "teacher.col.last", "teacher.col.actions"];
  const rows = c.sessions.map((l) => {
    const cur: Sample = { at: c.now, cpuMs: l.cpu_ms };
    const pct = l.instance ? cpuPercent(samples.get(l.id), cur) : null;
    if (l.instance) samples.set(l.id, cur);
    else samples.delete(l.id);
    const when = ago(c.now, l.last_ms);
    return h(
      "tr",
      { "data-session": l.short, "data-lesson": l.lesson ?? "", "data-score": l.score, "data-done": String(l.done), "data-state": l.state },
      h("td", null, l.name ? h("strong", null, l.name) : null, " ", h("code", null, l.short)),
      h("td", null, l.lesson ? titles.get(l.lesson) ?? l.lesson : h("em", null, t("teacher.playground"))),
      h("td", null, l.lesson ? (l.done ? t("teacher.done") : `${l.score}%`) : "", h("br"), h("small", null, t("teacher.lessons.done", { n: l.passed }))),
      h("td", { class: `state-${l.state}` }, stateText(l.state)),
      h("td", { class: "error" }, l.error ?? ""),
      h("td", null, l.instance ? (pct === null ? `${(l.cpu_ms / 1000).toFixed(1)} s` : `${pct}%`) : ""),
      h("td", null, l.instance && l.rss > 0 ? bytes(l.rss) : ""),
      h("td", null, when ? t(when[0], { n: when[1] }) : t("teacher.never")),
      h(
        "td",
        null,
        h("a", { href: labURL(`/teacher/sessions/${encodeURIComponent(l.id)}`), target: "_blank", rel: "noopener" }, t("teacher.view")),
        " ",
        h("button", { type: "button", class: "reset", onclick: () => reset(l) }, t("teacher.reset")),
      ),
    );
  });
  el.append(h("table", { class: "teacher-table", id: "learners" }, h("thead", null, h("tr", null, cols.map((k) => h("th", null, t(k))))), h("tbody", null, rows)));
}

function drawLessons(el: HTMLElement, c: Class): void {
  clear(el);
  const cols: Key[] = ["teacher.col.lesson", "teacher.col.current", "teacher.col.tried", "teacher.col.passed"];
  const n = c.sessions.length;
  const rows = c.lessons.map((l) =>
    h(
      "tr",
      { "data-lesson": l.id, "data-passed": l.passed },
      h("td", null, `${l.order}. ${l.title}`),
      h("td", null, String(l.current)),
      h("td", null, String(l.tried)),
      h("td", null, h("meter", { min: 0, max: Math.max(n, 1), value: l.passed }), ` ${l.passed} / ${n}`),
    ),
  );
  el.append(h("table", { class: "teacher-table", id: "class-progress" }, h("thead", null, h("tr", null, cols.map((k) => h("th", null, t(k))))), h("tbody", null, rows)));
}
