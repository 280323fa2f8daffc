// The playground of `gradproof serve`: an editor for `.deriv` text, checked as the student types.
// The server decides every verdict (POST /api/check); this page only shows them: a mark per step
// line, the likely cause and the counterexample in the side panel and on hover, errors underlined,
// the derivation typeset. The text lives in the URL fragment, so a link shares a derivation.

import { EditorView, basicSetup } from "codemirror";
import { StateField, StateEffect, RangeSet } from "@codemirror/state";
import { gutter, GutterMarker } from "@codemirror/view";
import { StreamLanguage } from "@codemirror/language";
import { setDiagnostics } from "@codemirror/lint";
import katex from "katex";

const DEBOUNCE_MS = 250;
// After the server answered that it is busy (503: as many checks running as it allows), the same
// text is sent again this much later.
const RETRY_MS = 1000;
// A derivation text longer than this (in characters of Markdown) is not typeset: KaTeX would hold
// the page for seconds at every check.
const MAX_TYPESET = 60000;

// ---- the language: statements, names, numbers, comments -------------------------------------

const KEYWORDS = new Set(["index", "var", "let", "unknown", "fn", "derive", "assume", "title", "grading", "depends", "on", "in", "worth", "label"]);
const BUILTINS = new Set(["sum", "prod", "diff", "exp", "log", "ln", "sqrt", "abs", "sign", "sigmoid", "σ", "tanh", "relu", "softplus", "sin", "cos", "step", "max", "min", "delta", "δ", "det", "inv", "tr", "dot", "gelu", "erf"]);

const deriv = StreamLanguage.define({
  name: "deriv",
  token(stream) {
    if (stream.eatSpace()) return null;
    if (stream.peek() === "#") { stream.skipToEnd(); return "comment"; }
    if (stream.match(/^"[^"]*"?/)) return "string";
    if (stream.match(/^[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?/)) return "number";
    if (stream.match(/^[\p{L}_][\p{L}\p{N}_']*/u)) {
      const word = stream.current().replace(/'+$/, "");
      if (KEYWORDS.has(word)) return "keyword";
      if (BUILTINS.has(word)) return "atom";
      return "variableName";
    }
    if (stream.match(/^(∂|=|≈|~=|\+|-|\*|\/|\^|⊙|\.\*|ᵀ|·|×|\.\.)/)) return "operator";
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: "#" } },
});

// ---- marks per step line ---------------------------------------------------------------------

const SYMBOL = { proved: "✓", checked: "(✓)", wrong: "✗", undetermined: "?" };

class VerdictMarker extends GutterMarker {
  constructor(verdict, title) { super(); this.verdict = verdict; this.title = title; }
  eq(other) { return other.verdict === this.verdict && other.title === this.title; }
  toDOM() {
    const span = document.createElement("span");
    span.className = `gp-mark gp-${this.verdict}`;
    if (this.verdict in SYMBOL) span.dataset.verdict = this.verdict;
    span.textContent = SYMBOL[this.verdict] ?? "(✓)";
    span.title = this.title;
    return span;
  }
}

const setMarks = StateEffect.define();

const marks = StateField.define({
  create: () => RangeSet.empty,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const e of tr.effects) if (e.is(setMarks)) value = e.value;
    return value;
  },
});

const verdictGutter = gutter({
  class: "gp-verdicts",
  markers: (view) => view.state.field(marks),
  initialSpacer: () => new VerdictMarker("spacer", ""),
});

// ---- the page --------------------------------------------------------------------------------

const statusEl = document.getElementById("status");
const stepsEl = document.getElementById("steps");
const mathEl = document.getElementById("math");
const menu = document.getElementById("examples");
const kindMenu = document.getElementById("kind");
const modelPane = document.getElementById("model-pane");

const ANSWER_STARTER = String.raw`% An answer in LaTeX: every display-math block (align, equation, \[ … \]) that holds a chain
% LHS = A = B … is a derivation, checked step by step against the model below.
\begin{align*}
\end{align*}
`;

// The page's name for the server: a newer text from this page stops the server's check of an
// older one (a tester's finding: checks abandoned by typing held the server's places to the end).
// From getRandomValues, which a page served over plain HTTP on a class's network has too.
const CLIENT = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

let sequence = 0; // the number of the latest request; answers to older ones are dropped
let controller = null;
let timer = null;

const onChange = EditorView.updateListener.of((update) => {
  if (update.docChanged) scheduleCheck();
  else if (update.selectionSet) announceLine();
});

const view = new EditorView({
  parent: document.getElementById("editor"),
  extensions: [basicSetup, deriv, marks, verdictGutter, onChange, EditorView.contentAttributes.of({ "aria-label": "Derivation text" })],
});

// The model of an answer in LaTeX or Markdown (shown only for those).
const modelView = new EditorView({
  parent: document.getElementById("model"),
  extensions: [basicSetup, deriv, onChange, EditorView.contentAttributes.of({ "aria-label": "Model of the answer" })],
});

let currentKind = "deriv";
function kind() { return currentKind; }

function setStatus(text) { statusEl.textContent = text; statusEl.title = text; }

// What a screen reader says: the gutter's marks are hidden from it (CodeMirror's gutters are
// `aria-hidden`) and the status changes at every pause in typing, so a region of its own says
// only settled results (the summary, the first wrong step) and the verdict of the line the cursor
// moves to (a tester's finding: a newly wrong line was never announced).
const announceEl = document.getElementById("announce");
let lineVerdicts = new Map(); // line number → what a screen reader says of it
let announcedLine = null;

function announce(text) { announceEl.textContent = text; }

function announceLine() {
  const line = view.state.doc.lineAt(view.state.selection.main.head).number;
  if (line === announcedLine) return;
  announcedLine = line;
  const said = lineVerdicts.get(line);
  if (said) announce(said);
}

function scheduleCheck() {
  document.body.classList.add("gp-stale");
  setStatus("typing…");
  clearTimeout(timer);
  timer = setTimeout(runCheck, DEBOUNCE_MS);
}

// No verdict stays on screen for a text that was not checked: the marks, the panel and the
// typeset derivation are cleared, with the reason in the status (a tester's finding: with the
// server down, an edited step kept its faded ✓ and "proved" in the panel).
function clearVerdicts() {
  lineVerdicts = new Map();
  stepsEl.replaceChildren();
  mathEl.replaceChildren();
  view.dispatch(setDiagnostics(view.state, []), { effects: setMarks.of(RangeSet.empty) });
  modelView.dispatch(setDiagnostics(modelView.state, []));
  document.body.classList.remove("gp-stale");
}

async function runCheck() {
  const text = view.state.doc.toString();
  const checkedKind = kind();
  const model = checkedKind === "deriv" ? null : modelView.state.doc.toString();
  keepInUrl(text, model);
  const mine = ++sequence;
  if (controller) controller.abort();
  controller = new AbortController();
  setStatus("checking…");
  let answer;
  let busy = false;
  try {
    const response = await fetch("/api/check", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(model === null
        ? { source: text, client: CLIENT, sequence: mine }
        : { source: text, kind: checkedKind, model, client: CLIENT, sequence: mine }),
      signal: controller.signal,
    });
    busy = response.status === 503;
    answer = await response.json();
    if (!response.ok) throw new Error(answer.error ?? `the server answered ${response.status}`);
  } catch (error) {
    if (mine !== sequence || error.name === "AbortError") return;
    if (error.message === "Failed to fetch" || error instanceof TypeError) {
      clearVerdicts();
      setStatus("not checked: the playground server does not answer (is `gradproof serve` still running?)");
      announce(statusEl.textContent);
    } else if (busy) {
      // The server checks as many texts at once as it allows: this one again, a little later.
      setStatus("the server is busy: checking again in a moment…");
      clearTimeout(timer);
      timer = setTimeout(runCheck, RETRY_MS);
    } else {
      clearVerdicts();
      setStatus(`not checked: ${error.message}`);
      announce(statusEl.textContent);
    }
    return;
  }
  // Stale: a newer text is on its way, or the input was switched to another kind (a LaTeX
  // answer's verdicts were shown as the Markdown answer's: a tester's finding).
  if (mine !== sequence || view.state.doc.toString() !== text || kind() !== checkedKind) return;
  if (model !== null && modelView.state.doc.toString() !== model) return;
  show(answer);
}

function stepTitle(step) {
  const parts = [`${step.verdict}: ${step.detail}`];
  if (step.cause) parts.push(`likely cause: ${step.cause}`);
  if (step.repair) parts.push(`repair: ${step.repair.text}`);
  return parts.join("\n");
}

function counterexampleText(c) {
  if (!c) return "";
  const entries = (o) => Object.entries(o).map(([k, v]) => `${k} = ${v}`);
  const lines = [...entries(c.sizes), ...entries(c.indices), ...entries(c.inputs)];
  const sides = c.left != null && c.right != null ? `\nbefore: ${c.left}   this step: ${c.right}` : "";
  return `at ${lines.join(", ")}${sides}`;
}

function show(answer) {
  const report = answer.report;
  const doc = view.state.doc;
  const ranges = [];
  const diagnostics = [];
  stepsEl.replaceChildren();
  lineVerdicts = new Map();
  let firstWrong = null;
  const counts = { proved: 0, checked: 0, wrong: 0, undetermined: 0 };
  report.derivations.forEach((derivation, d) => {
    derivation.steps.forEach((step, k) => {
      const span = answer.steps[d][k];
      const line = doc.lineAt(Math.min(span.from, doc.length));
      ranges.push(new VerdictMarker(step.verdict, stepTitle(step)).range(line.from));
      counts[step.verdict] += 1;
      const said = `line ${line.number}: ${step.verdict}${step.cause ? `, likely cause: ${step.cause}` : ""}`;
      lineVerdicts.set(line.number, said);
      if (step.verdict === "wrong" && firstWrong === null) firstWrong = said;
      if (step.verdict === "wrong" || step.verdict === "undetermined") {
        const cause = step.cause ? ` Likely cause: ${step.cause}.` : "";
        const repair = step.repair ? ` Repair: ${step.repair.text}.` : "";
        diagnostics.push({
          from: span.from, to: Math.min(span.to, doc.length),
          severity: step.verdict === "wrong" ? "warning" : "info",
          message: `${step.verdict}: ${step.detail}.${cause}${repair}`,
        });
      }
      stepsEl.append(stepItem(step, span));
    });
  });
  const modelDiagnostics = [];
  const where = answer.in_model ? modelView.state.doc : doc;
  report.errors.forEach((error, i) => {
    const span = answer.errors[i];
    const to = Math.min(Math.max(span.to, span.from + 1), where.length);
    (answer.in_model ? modelDiagnostics : diagnostics).push({
      from: Math.min(span.from, where.length), to,
      severity: "error",
      message: error.hint ? `${error.message} (hint: ${error.hint})` : error.message,
    });
    const li = document.createElement("li");
    li.className = "wrong gp-error";
    const file = answer.in_model ? "model, " : "";
    li.textContent = `${file}line ${error.line}:${error.column}: error: ${error.message}${error.hint ? ` — ${error.hint}` : ""}`;
    focusable(li, () => jumpTo(span.from, answer.in_model ? modelView : view));
    stepsEl.append(li);
  });
  // Warnings (a head that is identically 0 by the declarations) change no verdict: lint
  // warnings in the editor and a line in the panel.
  (report.warnings ?? []).forEach((warning, i) => {
    const span = answer.warnings[i];
    const message = warning.hint ? `${warning.message} (hint: ${warning.hint})` : warning.message;
    diagnostics.push({
      from: Math.min(span.from, doc.length), to: Math.min(Math.max(span.to, span.from + 1), doc.length),
      severity: "warning", message,
    });
    const li = document.createElement("li");
    li.className = "undetermined gp-warning";
    li.textContent = `line ${warning.line}:${warning.column}: warning: ${warning.message}${warning.hint ? ` — ${warning.hint}` : ""}`;
    focusable(li, () => jumpTo(span.from, view));
    stepsEl.append(li);
  });
  ranges.sort((a, b) => a.from - b.from);
  view.dispatch(setDiagnostics(view.state, diagnostics), { effects: setMarks.of(RangeSet.of(ranges)) });
  modelView.dispatch(setDiagnostics(modelView.state, modelDiagnostics));
  showMath(answer.markdown);
  document.body.classList.remove("gp-stale");
  const errors = report.errors.length ? `, ${report.errors.length} error(s)` : "";
  const summary = `${counts.proved} proved, ${counts.checked} checked, ${counts.wrong} wrong, ${counts.undetermined} undetermined${errors}`;
  setStatus(summary);
  const firstError = report.errors.length ? `; line ${report.errors[0].line}: error: ${report.errors[0].message}` : "";
  announce(`${summary}${firstWrong ? `; first wrong: ${firstWrong}` : firstError}`);
  announcedLine = view.state.doc.lineAt(view.state.selection.main.head).number;
}

function stepItem(step, span) {
  const li = document.createElement("li");
  li.className = step.verdict;
  li.dataset.verdict = step.verdict;
  li.dataset.line = step.line;
  const head = document.createElement("span");
  const mark = document.createElement("span");
  mark.className = `gp-mark gp-${step.verdict}`;
  mark.textContent = SYMBOL[step.verdict];
  head.append(mark, ` line ${step.line}: ${step.verdict} — ${step.detail}`);
  li.append(head);
  if (step.cause) {
    const cause = document.createElement("span");
    cause.className = "cause";
    cause.textContent = `likely cause: ${step.cause}`;
    li.append(cause);
  }
  // The verified repair (docs/mistakes.md): the smallest typical change that makes the step follow.
  if (step.repair) {
    const repair = document.createElement("span");
    repair.className = "repair";
    repair.textContent = `repair: ${step.repair.text}`;
    li.append(repair);
  }
  if (step.counterexample) {
    const values = document.createElement("span");
    values.className = "values";
    values.textContent = counterexampleText(step.counterexample);
    li.append(values);
  }
  focusable(li, () => jumpTo(span.from));
  return li;
}

// A line of the panel that a click or the keyboard (Tab to it, Enter or Space) takes to its place.
function focusable(li, go) {
  li.tabIndex = 0;
  li.onclick = go;
  li.onkeydown = (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      go();
    }
  };
}

function jumpTo(from, editor = view) {
  const at = Math.min(from, editor.state.doc.length);
  editor.dispatch({ selection: { anchor: at }, scrollIntoView: true });
  editor.focus();
}

// The derivations as `render --to markdown --verdicts` writes them: `$$` blocks typeset as MathML.
function showMath(markdown) {
  mathEl.replaceChildren();
  if (!markdown) {
    mathEl.textContent = kind() === "deriv" ? "(shown when the text has no errors)" : "(for .deriv text)";
    return;
  }
  if (markdown.length > MAX_TYPESET) {
    mathEl.textContent = `(not typeset: the text is too long to typeset while you type, ${markdown.length} characters of formulas; \`gradproof render\` writes it)`;
    return;
  }
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "$$") {
      const body = [];
      for (i++; i < lines.length && lines[i].trim() !== "$$"; i++) body.push(lines[i]);
      const div = document.createElement("div");
      // KaTeX stops at 1,000 macro expansions by default: a derivation of 100 steps passed it and
      // was shown as raw LaTeX. The Markdown is the binary's own, never a user's macros.
      div.innerHTML = katex.renderToString(body.join("\n"), { displayMode: true, output: "mathml", throwOnError: false, maxExpand: 100000 });
      mathEl.append(div);
    } else if (line.startsWith("#")) {
      const h = document.createElement("h3");
      h.textContent = line.replace(/^#+\s*/, "");
      mathEl.append(h);
    } else if (line.trim()) {
      const p = document.createElement("p");
      p.textContent = line;
      mathEl.append(p);
    }
  }
}

// ---- the text in the URL fragment, and the menu ----------------------------------------------

function encode(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decode(data) {
  const binary = atob(data.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

function keepInUrl(text, model) {
  const model_part = model === null ? "" : `&kind=${kind()}&model=${encode(model)}`;
  history.replaceState(null, "", `#code=${encode(text)}${model_part}`);
}

function setText(text, editor = view) {
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: text } });
}

// Switching to an answer keeps the `.deriv` text as its model; switching back makes the model the
// text again.
// The answer written last in each kind, kept when the input is switched away from it and given
// back when it is switched to again (nothing typed is lost by trying the menu).
const answers = {};

function setKind(next, { keepTexts = false } = {}) {
  const before = currentKind;
  if (before !== next) {
    // A check of the other kind on its way answers for nothing on screen.
    sequence += 1;
    if (controller) controller.abort();
  }
  currentKind = next;
  kindMenu.value = next;
  modelPane.hidden = next === "deriv";
  if (keepTexts || before === next) return;
  if (before !== "deriv") answers[before] = view.state.doc.toString();
  if (before === "deriv") {
    setText(view.state.doc.toString(), modelView);
    setText(answers[next] ?? ANSWER_STARTER);
  } else if (next === "deriv") {
    setText(modelView.state.doc.toString());
  } else {
    if (answers[next] !== undefined) setText(answers[next]);
    scheduleCheck();
  }
}

async function loadExample(name) {
  const response = await fetch(`/api/examples/${encodeURIComponent(name)}`);
  setText(await response.text());
}

async function start() {
  const examples = await (await fetch("/api/examples")).json();
  for (const e of examples) {
    const option = document.createElement("option");
    option.value = e.name;
    option.textContent = e.title;
    menu.append(option);
  }
  menu.onchange = () => { setKind("deriv"); loadExample(menu.value); };
  kindMenu.onchange = () => setKind(kindMenu.value);
  const params = new URLSearchParams(location.hash.slice(1));
  const shared = params.get("code");
  if (shared) {
    try {
      const sharedKind = params.get("kind");
      if (sharedKind === "tex" || sharedKind === "markdown") {
        // Set the kind first, so that the two texts arrive in one check.
        setKind(sharedKind, { keepTexts: true });
        setText(decode(params.get("model") ?? ""), modelView);
      }
      setText(decode(shared));
      return;
    } catch { /* a broken link: open the first example */ }
  }
  await loadExample(examples[0].name);
}

start();
