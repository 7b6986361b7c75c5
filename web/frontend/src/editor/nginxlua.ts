// A stream tokenizer for nginx.conf that switches to the legacy Lua mode inside
// `*_by_lua_block { ... }` until the matching brace (nested braces counted,
// braces inside Lua strings and comments ignored).

import type { StreamParser, StringStream } from "@codemirror/language";
import { lua } from "@codemirror/legacy-modes/mode/lua";

type LuaState = { cur: unknown; basecol: number; indentDepth: number };

export interface NgxState {
  /** non-null while inside a Lua block */
  lua: LuaState | null;
  depth: number;
  /** nginx block nesting outside Lua (http { server { ... ) */
  nest: number;
  /** a *_by_lua_block directive was read and its "{" is still to come */
  pending: boolean;
  /** the next word starts a statement (a directive name) */
  stmt: boolean;
  /** an nginx string left open at the end of the previous line */
  quote: string;
}

const luaStart = () => lua.startState!(2) as LuaState;
const luaNormal = luaStart().cur;

function luaToken(stream: StringStream, state: NgxState): string | null {
  const ls = state.lua as LuaState;
  if (stream.eatSpace()) return null;
  if (ls.cur === luaNormal) {
    const ch = stream.peek();
    if (ch === "{") {
      stream.next();
      state.depth++;
      return "bracket";
    }
    if (ch === "}") {
      stream.next();
      state.depth--;
      if (state.depth === 0) {
        state.lua = null;
        state.stmt = true;
        return "brace";
      }
      return "bracket";
    }
  }
  return lua.token(stream, ls);
}

function readString(stream: StringStream, state: NgxState): string {
  let escaped = false;
  let ch: string | void;
  while ((ch = stream.next()) != null) {
    if (ch === state.quote && !escaped) {
      state.quote = "";
      return "string";
    }
    escaped = !escaped && ch === "\\";
  }
  return "string";
}

function ngxToken(stream: StringStream, state: NgxState): string | null {
  if (state.quote) return readString(stream, state);
  if (stream.eatSpace()) return null;
  const ch = stream.peek() as string;
  if (ch === "#") {
    stream.skipToEnd();
    return "comment";
  }
  if (ch === "{") {
    stream.next();
    state.stmt = true;
    if (state.pending) {
      state.pending = false;
      state.lua = luaStart();
      state.depth = 1;
    } else state.nest++;
    return "brace";
  }
  if (ch === "}" || ch === ";") {
    stream.next();
    state.stmt = true;
    state.pending = false;
    if (ch === "}" && state.nest > 0) state.nest--;
    return ch === ";" ? "punctuation" : "brace";
  }
  if (ch === '"' || ch === "'") {
    stream.next();
    state.quote = ch;
    state.stmt = false;
    return readString(stream, state);
  }
  if (ch === "$") {
    stream.next();
    if (stream.eat("{")) {
      stream.eatWhile(/[\w]/);
      stream.eat("}");
    } else stream.eatWhile(/[\w]/);
    state.stmt = false;
    return "variableName.special";
  }
  stream.eatWhile(/[^\s;{}#"'$]/);
  if (stream.current() === "") {
    stream.next();
    return null;
  }
  const word = stream.current();
  if (state.stmt) {
    state.stmt = false;
    if (/_by_lua_block$/.test(word)) state.pending = true;
    return /_by_lua/.test(word) ? "keyword.special" : "keyword";
  }
  if (/^-?\d+(\.\d+)?[kKmMgGsShdwy]?(s)?$/.test(word)) return "number";
  if (/^(on|off)$/.test(word)) return "atom";
  return "attributeValue";
}

/** indentLevels is how many units a line starting with textAfter is indented: one per open nginx
 *  block, one per open brace and Lua block (function, if, do ...) inside a *_by_lua_block. */
export function indentLevels(state: NgxState, textAfter: string): number {
  const closes = /^\s*\}/.test(textAfter);
  if (!state.lua) return Math.max(0, state.nest - (closes ? 1 : 0));
  const luaCloses = /^\s*(end|until|else|elseif)\b/.test(textAfter);
  return Math.max(0, state.nest + state.depth + state.lua.indentDepth - (closes || luaCloses ? 1 : 0));
}

export const nginxLua: StreamParser<NgxState> = {
  name: "nginx",
  startState: () => ({ lua: null, depth: 0, nest: 0, pending: false, stmt: true, quote: "" }),
  copyState: (s) => ({ ...s, lua: s.lua ? { ...s.lua } : null }),
  token: (stream, state) => (state.lua ? luaToken(stream, state) : ngxToken(stream, state)),
  indent: (state, textAfter, cx) => indentLevels(state, textAfter) * cx.unit,
  languageData: { commentTokens: { line: "#" }, indentOnInput: /^\s*(\}|end|else|elseif|until)$/ },
};

/** luaParser is the plain Lua mode for .lua files. */
export const luaParser = lua;
