// Light/dark theme: html[data-theme], default from prefers-color-scheme, toggle kept in localStorage and a cookie.

import { cookiePath } from "./api";

export type Theme = "light" | "dark";
const KEY = "restylab_theme";

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    if (v === "light" || v === "dark") return v;
  } catch {
    /* storage may be disabled */
  }
  return null;
}

/** initTheme sets data-theme from the server's attribute, the stored choice, or the system preference. */
export function initTheme(): Theme {
  const html = document.documentElement;
  const attr = html.getAttribute("data-theme");
  let th: Theme;
  if (attr === "light" || attr === "dark") th = attr;
  else th = stored() ?? (typeof window.matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
  html.setAttribute("data-theme", th);
  return th;
}

export function currentTheme(): Theme {
  return document.documentElement.getAttribute("data-theme") === "dark" ? "dark" : "light";
}

/** setTheme applies and remembers a theme. */
export function setTheme(th: Theme): void {
  document.documentElement.setAttribute("data-theme", th);
  try {
    localStorage.setItem(KEY, th);
  } catch {
    /* ignore */
  }
  document.cookie = `${KEY}=${th}; path=${cookiePath()}; max-age=${365 * 24 * 3600}; samesite=lax`;
  window.dispatchEvent(new CustomEvent("restylab-theme", { detail: th }));
}

/** Okabe-Ito colours (colour-blind safe) for requests, without black. */
export const OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"];

export function requestColor(req: number): string {
  if (!req) return "#999999";
  return OKABE_ITO[req % OKABE_ITO.length];
}
