// An earlier session: the one the lab did not know when it started this one (boot.previous: the browser's own
// previous-session cookie, docs/scaling.md), and the code this browser keeps of an earlier session in localStorage,
// offered when a new session starts so the learner carries it over in one click. The code comes from this browser
// only: the server never sends another session's workspace.

import { api } from "./api";
import { h } from "./dom";
import { lang, t } from "./i18n";
import { parseStored, sameContent, storageKey, type Stored } from "./workspace";

const PREFIX = storageKey("");

/** Earlier is this browser's copy of an earlier session's code. */
export interface Earlier { session: string; ws: Stored }

/**
 * findEarlier picks the copy to offer to session current, among localStorage entries ([key, value]): the copy of
 * previous (the session the lab did not know) when this browser has one, else the newest copy of any other session;
 * a copy the same as start (what the editor opens with) is not worth offering. null when there is none.
 */
export function findEarlier(entries: [string, string | null][], current: string, previous: string | undefined,
  start: { conf: string; files: Record<string, string> }): Earlier | null {
  let best: Earlier | null = null;
  for (const [key, value] of entries) {
    if (!key.startsWith(PREFIX)) continue;
    const session = key.slice(PREFIX.length);
    if (!session || session === current) continue;
    const ws = parseStored(value);
    if (!ws || sameContent(ws, start)) continue;
    if (session === previous) return { session, ws };
    if (!best || ws.updated > best.ws.updated) best = { session, ws };
  }
  return best;
}

/** localEntries lists this browser's localStorage ([] when it is disabled). */
export function localEntries(): [string, string | null][] {
  const out: [string, string | null][] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k !== null) out.push([k, localStorage.getItem(k)]);
    }
  } catch {
    /* storage disabled */
  }
  return out;
}

/** markKey is what this browser knows of session's offer: "seen" (a page started in it before), "dismissed". */
function markKey(session: string): string {
  return `restylab:earlier:${session}`;
}

/** visit returns session's mark (null: the first page in it here) and records that a page started in it. */
export function visit(session: string): string | null {
  try {
    const m = localStorage.getItem(markKey(session));
    if (m === null) localStorage.setItem(markKey(session), "seen");
    return m;
  } catch {
    return null;
  }
}

/**
 * wantOffer says whether the page offers an earlier session's code: to a session the page starts for the first time
 * in this browser, or one the lab started in place of a session it did not know (previous), as long as it has no
 * copy of its own here (nothing typed in it yet) and the learner did not dismiss the offer.
 */
export function wantOffer(mark: string | null, hasLocal: boolean, previous: string | undefined): boolean {
  if (hasLocal || mark === "dismissed") return false;
  return mark === null || !!previous;
}

export interface EarlierDeps {
  session: string;
  previous?: string;
  /** offer: the copy to carry over (null: nothing to offer) */
  offer: Earlier | null;
  /** carry loads the copy into the editor and saves it as this session's workspace */
  carry(ws: Stored): void;
}

/**
 * earlierNotice is the bar above the playground: that the lab does not know the earlier session (with its id), and
 * the offer to carry this browser's copy of an earlier session's code over; null when there is nothing to say.
 */
export function earlierNotice(d: EarlierDeps): HTMLElement | null {
  if (!d.previous && !d.offer) return null;
  const bar = h("div", { id: "earlier", class: "earlier-notice", role: "status" });
  const parts: (HTMLElement | null)[] = [];
  if (d.previous) {
    parts.push(h("p", { id: "earlier-unknown" }, ...withCode(t("earlier.unknown", { id: "\u0000" }), d.previous)));
  }
  if (d.offer) {
    const offer = d.offer;
    const when = new Date(offer.ws.updated).toLocaleString(lang() === "zh" ? "zh-CN" : "en");
    const msg = h("span", { id: "earlier-offer-text" }, ...withCode(t("earlier.offer", { id: "\u0000", when }), offer.session));
    const carry = h("button", { type: "button", id: "carry-over", class: "primary small" }, t("earlier.carry"));
    const row = h("p", { id: "earlier-offer" }, msg, " ", carry);
    carry.addEventListener("click", () => {
      d.carry(offer.ws);
      row.replaceChildren(h("span", { id: "earlier-carried" }, t("earlier.carried")));
    });
    parts.push(row);
  }
  const close = h("button", { type: "button", id: "earlier-dismiss", class: "small", title: t("earlier.dismiss.title") }, t("earlier.dismiss"));
  close.addEventListener("click", () => {
    bar.remove();
    try {
      localStorage.setItem(markKey(d.session), "dismissed");
    } catch {
      /* storage disabled */
    }
    if (d.previous) void api.forgetPrevious().catch(() => undefined);
  });
  bar.append(...parts.filter((p): p is HTMLElement => p !== null), close);
  return bar;
}

/** withCode splits a message at its "\u0000" placeholder and puts id there as <code>. */
function withCode(msg: string, id: string): (string | HTMLElement)[] {
  const i = msg.indexOf("\u0000");
  if (i < 0) return [msg];
  return [msg.slice(0, i), h("code", { class: "session-id" }, id), msg.slice(i + 1)];
}
