// The code editor: one CodeMirror view, one EditorState (with its own undo history) per file tab,
// nginx.conf with Lua highlighting inside *_by_lua_block, diagnostics from apply errors, jump-to-line.

import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, HighlightStyle, indentOnInput, StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { forEachDiagnostic, lintGutter, lintKeymap, setDiagnostics, type Diagnostic } from "@codemirror/lint";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { EditorSelection, EditorState, Prec, StateEffect, StateField, type Extension } from "@codemirror/state";
import {
  Decoration, drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars,
  keymap, lineNumbers, type DecorationSet,
} from "@codemirror/view";
import { tags } from "@lezer/highlight";
import { h } from "../dom";
import { t } from "../i18n";
import { luaParser, nginxLua } from "./nginxlua";

const nginxLang = StreamLanguage.define(nginxLua);
const luaLang = StreamLanguage.define(luaParser);

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: "var(--tok-keyword)", fontWeight: "600" },
  { tag: tags.special(tags.keyword), color: "var(--tok-special)", fontWeight: "700" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--tok-string)" },
  { tag: tags.comment, color: "var(--tok-comment)", fontStyle: "italic" },
  { tag: [tags.number, tags.atom, tags.bool], color: "var(--tok-number)" },
  { tag: [tags.special(tags.variableName), tags.standard(tags.variableName)], color: "var(--tok-builtin)" },
  { tag: tags.attributeValue, color: "var(--tok-value)" },
  { tag: [tags.brace, tags.bracket], color: "var(--tok-brace)" },
]);

const flashEffect = StateEffect.define<number | null>();
const flashField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(flashEffect)) {
        if (e.value === null) deco = Decoration.none;
        else deco = Decoration.set([Decoration.line({ class: "cm-flash" }).range(e.value)]);
      }
    }
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export interface EditorOptions {
  readOnly: boolean;
  onChange(): void;
  onApply(): void;
  onTabChange?(name: string): void;
}

export const CONF = "nginx.conf";

/** CodeEditor holds the tabs and the view. */
export class CodeEditor {
  readonly root: HTMLElement;
  readonly tabs: HTMLElement;
  private view: EditorView;
  private states = new Map<string, EditorState>();
  active = CONF;
  private addBtn: HTMLButtonElement;

  constructor(conf: string, files: Record<string, string>, private opts: EditorOptions) {
    this.tabs = h("div", { class: "tabs editor-tabs", role: "tablist", "aria-label": t("editor.files") });
    this.addBtn = h("button", { type: "button", id: "add-file", class: "add-file", onclick: () => this.promptAdd() }, t("editor.add"));
    if (opts.readOnly) this.addBtn.hidden = true;
    const host = h("div", { class: "editor-host" });
    this.root = h("div", { class: "editor" }, h("div", { class: "tabbar" }, this.tabs, this.addBtn,
      opts.readOnly ? h("span", { class: "badge" }, t("editor.readonly")) : null), host);
    this.states.set(CONF, this.makeState(CONF, conf));
    for (const name of Object.keys(files).sort()) this.states.set(name, this.makeState(name, files[name]));
    this.view = new EditorView({ state: this.states.get(CONF)!, parent: host });
    this.renderTabs();
  }

  private extensions(name: string): Extension[] {
    const ro = this.opts.readOnly;
    return [
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      drawSelection(),
      EditorState.allowMultipleSelections.of(true),
      indentOnInput(),
      syntaxHighlighting(highlight),
      bracketMatching(),
      closeBrackets(),
      autocompletion({ activateOnTyping: false }),
      highlightActiveLine(),
      highlightSelectionMatches(),
      lintGutter(),
      flashField,
      name.endsWith(".lua") ? luaLang : nginxLang,
      EditorState.readOnly.of(ro),
      EditorView.editable.of(!ro),
      EditorView.contentAttributes.of({ "aria-label": name }),
      Prec.highest(keymap.of([{ key: "Mod-Enter", run: () => (this.opts.onApply(), true) }])),
      keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap, indentWithTab]),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) this.opts.onChange();
      }),
    ];
  }

  private makeState(name: string, doc: string): EditorState {
    return EditorState.create({ doc, extensions: this.extensions(name) });
  }

  names(): string[] {
    return [CONF, ...[...this.states.keys()].filter((n) => n !== CONF).sort()];
  }

  private renderTabs(): void {
    this.tabs.replaceChildren(...this.names().map((name) => {
      const sel = name === this.active;
      const b = h("button", {
        type: "button", role: "tab", class: "tab", "aria-selected": sel ? "true" : "false",
        tabindex: sel ? 0 : -1, "data-file": name, onclick: () => this.show(name),
      }, name);
      b.addEventListener("keydown", (e) => this.tabKey(e, name));
      return b;
    }));
  }

  private tabKey(e: KeyboardEvent, name: string): void {
    const names = this.names();
    const i = names.indexOf(name);
    let j = -1;
    if (e.key === "ArrowRight") j = (i + 1) % names.length;
    else if (e.key === "ArrowLeft") j = (i - 1 + names.length) % names.length;
    if (j < 0) return;
    e.preventDefault();
    this.show(names[j]);
    (this.tabs.querySelector(`[data-file="${CSS.escape(names[j])}"]`) as HTMLElement | null)?.focus();
  }

  /** show switches the view to a file's tab. */
  show(name: string): void {
    if (!this.states.has(name)) return;
    if (name !== this.active) {
      this.states.set(this.active, this.view.state);
      this.active = name;
      this.view.setState(this.states.get(name)!);
      this.renderTabs();
      this.opts.onTabChange?.(name);
    }
  }

  private promptAdd(): void {
    const name = window.prompt(t("editor.add.prompt"), "lua/util.lua");
    if (name === null) return;
    this.addFile(name.trim());
  }

  /** addFile adds an empty lua/*.lua tab; false when the name is not valid or taken. */
  addFile(name: string, content = ""): boolean {
    if (!/^lua\/[\w-]+(\/[\w-]+)*\.lua$/.test(name)) {
      window.alert(t("editor.add.bad"));
      return false;
    }
    if (!this.states.has(name)) {
      this.states.set(name, this.makeState(name, content));
      this.opts.onChange();
    }
    this.show(name);
    this.renderTabs();
    return true;
  }

  private stateOf(name: string): EditorState | undefined {
    return name === this.active ? this.view.state : this.states.get(name);
  }

  text(name: string): string {
    return this.stateOf(name)?.doc.toString() ?? "";
  }

  workspace(): { conf: string; files: Record<string, string> } {
    const files: Record<string, string> = {};
    for (const n of this.names()) if (n !== CONF) files[n] = this.text(n);
    return { conf: this.text(CONF), files };
  }

  /** resolve maps a trace source ("nginx.conf", "lua/x.lua", "=content_by_lua(nginx.conf:12)") to a tab. */
  resolve(source: string | undefined): string {
    if (!source) return CONF;
    if (this.states.has(source)) return source;
    const s = source.replace(/^[@=]/, "");
    if (this.states.has(s)) return s;
    for (const n of this.names()) if (s.endsWith(n) || s.endsWith("/" + n)) return n;
    return CONF;
  }

  /** jumpTo shows file at line (1-based), selects the line and flashes it. */
  jumpTo(file: string, line: number, selectLine = true): void {
    this.show(this.resolve(file));
    const doc = this.view.state.doc;
    const ln = doc.line(Math.max(1, Math.min(doc.lines, line || 1)));
    this.view.dispatch({
      selection: selectLine ? EditorSelection.range(ln.from, ln.to) : EditorSelection.cursor(ln.from),
      effects: [EditorView.scrollIntoView(ln.from, { y: "center" }), flashEffect.of(ln.from)],
    });
    this.view.focus();
    window.setTimeout(() => this.view.dispatch({ effects: flashEffect.of(null) }), 1500);
  }

  /** setProblems puts diagnostics on tabs: {file: [{line, message, severity}]}; files not named are cleared. */
  setProblems(problems: Map<string, { line: number; message: string; severity: "error" | "warning" }[]>): void {
    for (const name of this.names()) {
      const st = this.stateOf(name)!;
      const doc = st.doc;
      const diags: Diagnostic[] = (problems.get(name) ?? []).map((p) => {
        const ln = doc.line(Math.max(1, Math.min(doc.lines, p.line || 1)));
        return { from: ln.from, to: Math.max(ln.from, ln.to), severity: p.severity, message: p.message };
      });
      const spec = setDiagnostics(st, diags);
      if (name === this.active) this.view.dispatch(spec);
      else this.states.set(name, st.update(spec).state);
    }
  }

  /** diagnostics lists the markers the editor holds, per file, with 1-based lines (for tests and tools). */
  diagnostics(): { file: string; line: number; message: string; severity: string }[] {
    const out: { file: string; line: number; message: string; severity: string }[] = [];
    for (const name of this.names()) {
      const st = name === this.active ? this.view.state : this.stateOf(name)!;
      forEachDiagnostic(st, (d, from) => {
        out.push({ file: name, line: st.doc.lineAt(from).number, message: d.message, severity: d.severity });
      });
    }
    return out;
  }

  /** replaceAll swaps the whole workspace (a newer local copy). */
  replaceAll(conf: string, files: Record<string, string>): void {
    this.states.clear();
    this.states.set(CONF, this.makeState(CONF, conf));
    for (const name of Object.keys(files).sort()) this.states.set(name, this.makeState(name, files[name]));
    this.active = CONF;
    this.view.setState(this.states.get(CONF)!);
    this.renderTabs();
  }

  focus(): void {
    this.view.focus();
  }
}
