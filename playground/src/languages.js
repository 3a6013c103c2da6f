// Syntax highlighting by language id (GET /v1/languages): each language's CodeMirror support is a
// chunk of its own, loaded when the language is first chosen. An id this table does not know is
// plain text.
import { StreamLanguage } from "@codemirror/language";

const legacy = (load, name) => () => load().then((mode) => StreamLanguage.define(mode[name]));
const clike = () => import("@codemirror/legacy-modes/mode/clike");

const python = () => import("@codemirror/lang-python").then((m) => m.python());
const cpp = () => import("@codemirror/lang-cpp").then((m) => m.cpp());

const SUPPORT = {
  python,
  "python-ml": python,
  javascript: () => import("@codemirror/lang-javascript").then((m) => m.javascript()),
  typescript: () => import("@codemirror/lang-javascript").then((m) => m.javascript({ typescript: true })),
  c: cpp,
  cpp,
  java: () => import("@codemirror/lang-java").then((m) => m.java()),
  go: () => import("@codemirror/lang-go").then((m) => m.go()),
  php: () => import("@codemirror/lang-php").then((m) => m.php()),
  sql: () => import("@codemirror/lang-sql").then((m) => m.sql()),
  rust: () => import("@codemirror/lang-rust").then((m) => m.rust()),
  kotlin: legacy(clike, "kotlin"),
  csharp: legacy(clike, "csharp"),
  ruby: legacy(() => import("@codemirror/legacy-modes/mode/ruby"), "ruby"),
  perl: legacy(() => import("@codemirror/legacy-modes/mode/perl"), "perl"),
  lua: legacy(() => import("@codemirror/legacy-modes/mode/lua"), "lua"),
  bash: legacy(() => import("@codemirror/legacy-modes/mode/shell"), "shell"),
  r: legacy(() => import("@codemirror/legacy-modes/mode/r"), "r"),
};

const loaded = new Map();

/** The language's CodeMirror extension, or [] (plain text) for an id without one. */
export function languageSupport(id) {
  const load = SUPPORT[id];
  if (!load) return Promise.resolve([]);
  if (!loaded.has(id)) loaded.set(id, load().catch((error) => { loaded.delete(id); throw error; }));
  return loaded.get(id);
}

export const highlighted = Object.keys(SUPPORT);
