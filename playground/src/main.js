// The Glimpse playground (docs/playground.md): write a program, run it or judge it against tests
// through the API this page is served by, and share it by link.
import { EditorView, basicSetup } from "codemirror";
import { syntaxHighlighting } from "@codemirror/language";
import { Compartment, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { classHighlighter } from "@lezer/highlight";
// Each language's languages/<id>/programs/hello.* and echo.*, read by build.mjs at build time.
import STARTERS from "glimpse:starters";
import { languageSupport } from "./languages.js";
import { shown } from "./output.js";
import { shareFragment, sharedProgram } from "./share.js";
import "./style.css";

const $ = (id) => document.getElementById(id);
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? "";
const BASE = meta("glimpse-base"); // what precedes the API's routes: the stage in API Gateway's URLs
const DEV_KEY = meta("glimpse-dev-key"); // only when `make dev` serves the page
const LIMITS = JSON.parse(meta("glimpse-limits") || "{}");
// The response's style nonce (Content-Security-Policy): CodeMirror's own <style> element carries it.
const STYLE_NONCE = document.querySelector('link[rel="stylesheet"]')?.nonce ?? "";
const KEY_ITEM = "glimpse.apiKey";
const LANGUAGE_ITEM = "glimpse.language";
const ECHO_STDIN = "Hello from stdin!\nA second line.\n";
const MAX_BODY = "5 MiB";

const storage = {
  get: (name) => { try { return localStorage.getItem(name) || ""; } catch { return ""; } },
  set: (name, value) => { try { if (value) localStorage.setItem(name, value); else localStorage.removeItem(name); } catch { /* storage off */ } },
};

// --- the API key ---------------------------------------------------------------------------
const keyInput = $("key");
keyInput.value = storage.get(KEY_ITEM) || DEV_KEY;
if (keyInput.value && keyInput.value === DEV_KEY) $("key-note").textContent = "make dev's development key, filled in.";
keyInput.addEventListener("change", () => {
  const key = keyInput.value.trim();
  storage.set(KEY_ITEM, key === DEV_KEY ? "" : key);
  loadLanguages();
});
$("key-show").addEventListener("click", () => {
  const showing = keyInput.type === "password";
  keyInput.type = showing ? "text" : "password";
  $("key-show").setAttribute("aria-pressed", String(showing));
  $("key-show").textContent = showing ? "Hide" : "Show";
});

// --- the editor ------------------------------------------------------------------------------
const languageSlot = new Compartment();
const darkSlot = new Compartment();
const dark = matchMedia("(prefers-color-scheme: dark)");
const view = new EditorView({
  parent: $("editor"),
  extensions: [
    Prec.highest(keymap.of([
      { key: "Mod-Enter", run: () => { run("run"); return true; } },
      { key: "Mod-Shift-Enter", run: () => { run("judge"); return true; } },
    ])),
    basicSetup,
    // Tokens get tok-* classes, coloured by style.css for the light and the dark scheme.
    syntaxHighlighting(classHighlighter),
    languageSlot.of([]),
    darkSlot.of(EditorView.darkTheme.of(dark.matches)),
    EditorView.contentAttributes.of({ "aria-label": "Code" }),
    EditorView.cspNonce.of(STYLE_NONCE),
  ],
});
dark.addEventListener("change", () => view.dispatch({ effects: darkSlot.reconfigure(EditorView.darkTheme.of(dark.matches)) }));

const code = () => view.state.doc.toString();
function setCode(text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: 0 } });
}

// --- languages -------------------------------------------------------------------------------
const picker = $("language");
let language = storage.get(LANGUAGE_ITEM) || "python";
let listed = false;

function starter(id, kind) {
  return STARTERS[id]?.[kind] ?? "";
}

async function highlight(id) {
  let support = [];
  try {
    support = await languageSupport(id);
  } catch {
    // highlighting is a nicety: plain text it is
  }
  if (id !== language) return;
  view.dispatch({ effects: languageSlot.reconfigure(support) });
  $("editor").dataset.highlighted = id; // the language the editor highlights now (the browser tests wait for it)
}

function choose(id, { keepCode = false } = {}) {
  const previous = language;
  const unchanged = !code().trim() || [starter(previous, "hello"), starter(previous, "echo")].includes(code());
  const wasEcho = code() === starter(previous, "echo") && code() !== "";
  language = id;
  storage.set(LANGUAGE_ITEM, id);
  if (picker.value !== id && [...picker.options].some((option) => option.value === id)) picker.value = id;
  if (!keepCode && unchanged) setCode(starter(id, wasEcho ? "echo" : "hello"));
  $("language-note").textContent = STARTERS[id] ? "" : "no starting code for this language";
  highlight(id);
}

picker.addEventListener("change", () => choose(picker.value));
$("start-hello").addEventListener("click", () => setCode(starter(language, "hello")));
$("start-echo").addEventListener("click", () => {
  setCode(starter(language, "echo"));
  if (!$("stdin").value) $("stdin").value = ECHO_STDIN;
});

async function loadLanguages() {
  const answer = await api("GET", "/v1/languages");
  if (!answer) return;
  picker.replaceChildren(...answer.body.languages.map((entry) => new Option(`${entry.name} (${entry.version})`, entry.id)));
  listed = true;
  const ids = answer.body.languages.map((entry) => entry.id);
  const known = ids.includes(language);
  choose(known ? language : ids[0], { keepCode: known });
}

// --- limits and inputs -----------------------------------------------------------------------
for (const [id, name] of [["time-ms", "time_ms"], ["memory-mb", "memory_mb"]]) {
  const bound = LIMITS[name];
  if (bound) {
    $(id).max = String(bound.maximum);
    $(id).placeholder = `${bound.default} (at most ${bound.maximum})`;
  }
}
$("compare").addEventListener("change", () => { $("tolerance-field").hidden = $("compare").value !== "float"; });

function addCase(stdin = "", expected = "") {
  const item = $("case-template").content.firstElementChild.cloneNode(true);
  const number = $("cases").children.length + 1;
  item.querySelector(".case-stdin").value = stdin;
  item.querySelector(".case-expected").value = expected;
  item.querySelector(".case-remove").setAttribute("aria-label", `Remove test ${number}`);
  item.querySelector(".case-remove").addEventListener("click", () => {
    const next = item.nextElementSibling?.querySelector("textarea") ?? $("add-case");
    item.remove();
    next.focus();
  });
  $("cases").append(item);
  return item;
}
$("add-case").addEventListener("click", () => addCase().querySelector("textarea").focus());

function limits() {
  const chosen = {};
  for (const [id, name] of [["time-ms", "time_ms"], ["memory-mb", "memory_mb"]]) {
    const input = $(id);
    if (!input.value) continue;
    if (!input.checkValidity()) throw new Error(`${input.labels[0].firstChild.textContent.trim()}: ${input.validationMessage}`);
    chosen[name] = Number(input.value);
  }
  return chosen;
}

function request(mode) {
  const body = { language, code: code() };
  const args = $("args").value.replace(/\n$/, "");
  if (args) body.args = args.split("\n");
  const chosen = limits();
  if (Object.keys(chosen).length) body.limits = chosen;
  if (mode === "run") {
    body.stdin = $("stdin").value;
    return body;
  }
  const cases = [...$("cases").children];
  if (!cases.length) throw new Error("Add a test first: Tests (judge mode), Add test.");
  body.tests = cases.map((item) => ({ stdin: item.querySelector(".case-stdin").value,
                                      expected_stdout: item.querySelector(".case-expected").value }));
  body.compare = $("compare").value;
  if (body.compare === "float" && $("tolerance").value) body.float_tolerance = Number($("tolerance").value);
  body.return_outputs = true;
  return body;
}

// --- calling the API -------------------------------------------------------------------------
function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = !text;
}

function refusal(response, answer) {
  const said = answer?.message ? ` ${answer.message}.` : "";
  const id = answer?.request_id ? ` Request id ${answer.request_id}.` : "";
  switch (response.status) {
    case 401:
    case 403:
      return `The API key was refused (${response.status}).${said} Check the API key field: it needs a key of this deployment.`;
    case 429: {
      const after = response.headers.get("Retry-After");
      return `Too many requests (429): ${after ? `retry after ${after} s.` : "retry in a moment."}${said}`;
    }
    case 413:
      return `Too large (413): the code, its input and its tests must stay under ${MAX_BODY} together.${said}`;
    case 422: {
      const fields = (answer?.fields ?? []).map((field) => `${field.field}: ${field.message}`).join("; ");
      return `The API refused the request (422): ${fields || answer?.message || "invalid request"}.`;
    }
    default:
      return `The API answered ${response.status}.${said}${id}`;
  }
}

async function api(method, path, body) {
  const key = keyInput.value.trim();
  if (!key) {
    notice("Enter an API key above: every call to the API needs one.");
    return null;
  }
  let response;
  try {
    response = await fetch(BASE + path, {
      method, cache: "no-store", credentials: "omit",
      headers: body === undefined ? { "x-api-key": key } : { "x-api-key": key, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    notice(`Could not reach the API (${error.message}): check the network connection and that the server runs.`);
    return null;
  }
  let answer = null;
  try { answer = await response.json(); } catch { /* not JSON: the status says enough */ }
  if (!response.ok) {
    notice(refusal(response, answer));
    return null;
  }
  notice("");
  return { status: response.status, body: answer };
}

// --- running ---------------------------------------------------------------------------------
let running = false;

async function run(mode) {
  if (running) return;
  let body;
  try {
    if (!listed) await loadLanguages();
    if (!listed) return;
    body = request(mode);
  } catch (error) {
    notice(error.message);
    return;
  }
  running = true;
  $("run").disabled = $("judge").disabled = true;
  $("summary").setAttribute("aria-busy", "true");
  badge($("status"), "running");
  try {
    const answer = await api("POST", "/v1/executions", body);
    if (answer) show(answer.body, mode);
    else badge($("status"), "none", "not run");
    // On a narrow screen the result is below the inputs: bring it into view (the focus stays).
    const shownAt = $("result-title").getBoundingClientRect();
    if (shownAt.top > innerHeight || shownAt.bottom < 0) $("result-title").scrollIntoView({ block: "start" });
  } finally {
    running = false;
    $("run").disabled = $("judge").disabled = false;
    $("summary").removeAttribute("aria-busy");
    $("summary").dataset.run = String(Number($("summary").dataset.run) + 1);
  }
}

$("run").addEventListener("click", () => run("run"));
$("judge").addEventListener("click", () => run("judge"));
// Ctrl/Cmd+Enter anywhere on the page (the editor has its own keymap for it).
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.defaultPrevented) {
    event.preventDefault();
    run(event.shiftKey ? "judge" : "run");
  }
});

// --- showing a result ------------------------------------------------------------------------
function badge(element, status, text) {
  element.dataset.status = status;
  element.textContent = text ?? status.replaceAll("_", " ");
}

function pane(id, content, encoding) {
  const { text, note } = shown(content, encoding);
  $(id).textContent = text;
  $(`${id}-encoding`).textContent = note ? `(${note})` : "";
  $(id).classList.toggle("binary", Boolean(note));
}

function ended(stage) {
  if (stage.signal) return `signal ${stage.signal}`;
  return stage.exit_code === null || stage.exit_code === undefined ? "" : `exit ${stage.exit_code}`;
}

function show(result, mode) {
  badge($("status"), result.status);
  const compile = result.compile;
  const compilerOutput = compile ? [compile.stdout, compile.stderr].filter(Boolean) : [];
  const compilerBinary = compile && (compile.stdout_encoding === "base64" || compile.stderr_encoding === "base64");
  pane("compiler", compilerBinary ? (compile.stderr || compile.stdout) : compilerOutput.join("\n"),
       compilerBinary ? (compile.stderr ? compile.stderr_encoding : compile.stdout_encoding) : "utf8");
  const messages = [];
  if (compile?.message) messages.push(`compile: ${compile.message}`);
  let stage = result.run;
  const tests = result.tests ?? [];
  if (mode === "judge" || tests.length) {
    // The output panes show the first test that was not accepted (or the last one).
    stage = tests.find((test) => test.status !== "accepted") ?? tests.at(-1) ?? null;
    if (stage) messages.push(`output of test ${stage.index + 1}`);
  }
  if (stage?.message) messages.push(stage.message);
  pane("stdout", stage?.stdout ?? "", stage?.stdout_encoding);
  pane("stderr", stage?.stderr ?? "", stage?.stderr_encoding);
  $("time").textContent = stage ? `${stage.time_ms} ms` : compile ? `${compile.time_ms} ms (compile)` : "";
  $("memory").textContent = stage ? `${stage.memory_kb} KB` : "";
  $("exit").textContent = stage ? ended(stage) : "";
  $("stage-message").textContent = messages.join(" · ");
  $("stage-message").hidden = !messages.length;
  verdicts(tests, mode);
}

function verdicts(tests, mode) {
  const rows = tests.map((test) => {
    const row = document.createElement("tr");
    const cells = [String(test.index + 1), "", `${test.time_ms} ms`, `${test.memory_kb} KB`, ended(test), test.message ?? ""];
    for (const text of cells) row.insertCell().textContent = text;
    const verdict = document.createElement("span");
    verdict.className = "badge";
    badge(verdict, test.status);
    row.cells[1].append(verdict);
    return row;
  });
  $("verdict-rows").replaceChildren(...rows);
  $("verdicts").hidden = mode !== "judge" && !tests.length;
  const cases = [...$("cases").children];
  cases.forEach((item, index) => {
    const test = tests.find((entry) => entry.index === index);
    badge(item.querySelector(".case-verdict"), test ? test.status : "none", test ? undefined : "");
  });
}

// --- sharing ---------------------------------------------------------------------------------
$("share").addEventListener("click", async () => {
  const fragment = await shareFragment({ language, code: code(), stdin: $("stdin").value });
  history.replaceState(null, "", fragment);
  const link = $("share-link");
  link.value = location.href;
  link.hidden = false;
  link.focus();
  link.select();
  try { await navigator.clipboard.writeText(link.value); } catch { /* the link is selected: copy it by hand */ }
});

async function openShared() {
  try {
    const shared = await sharedProgram(location.hash);
    if (!shared) return false;
    choose(shared.language, { keepCode: true });
    setCode(shared.code);
    $("stdin").value = shared.stdin;
    return true;
  } catch (error) {
    notice(`This link's program could not be read (${error.message}).`);
    return false;
  }
}
addEventListener("hashchange", openShared);

// --- start -----------------------------------------------------------------------------------
setCode(starter(language, "hello"));
highlight(language);
// data-ready: the page has read its link and asked for the languages (the browser tests wait for it).
openShared().then(() => loadLanguages()).finally(() => { document.body.dataset.ready = "true"; });
