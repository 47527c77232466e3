// The runs table's filter box: plain words search name, group and tags; terms like
// `config.lr>0.01`, `summary.loss<=0.5`, `state!=crashed`, `tags=best` or
// `name~^bert` (a case-insensitive regular expression) filter on values. All terms
// must hold. Values with spaces go in double quotes: group="my exp".
import { RUN_FIELDS, runValue, same } from "./runvalues.js";

const OPERATORS = [">=", "<=", "!=", "=", ">", "<", "~"];
const NUMERIC_OPS = new Set([">", ">=", "<", "<="]);

export class FilterError extends Error {}

// Split the text into words, quoted strings and operators.
function tokens(text) {
  const out = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) { out.push({ op }); i += op.length; continue; }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new FilterError(`A quote opened at “${text.slice(i)}” is not closed: add the closing ".`);
      out.push({ word: text.slice(i + 1, end), quoted: true });
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j]) && !OPERATORS.some((o) => text.startsWith(o, j))) j++;
    out.push({ word: text.slice(i, j) });
    i = j;
  }
  return out;
}

function knownField(field) {
  return RUN_FIELDS.includes(field) || /^(config|summary)\.\S+$/.test(field);
}

function literal(tok) {
  if (tok.quoted) return tok.word;
  const w = tok.word;
  if (w === "true" || w === "false") return w === "true";
  if (w === "null" || w === "none") return null;
  if (w !== "" && Number.isFinite(Number(w))) return Number(w);
  return w;
}

// Parse the text into {words, terms}; throws FilterError with what to fix.
export function parseFilter(text) {
  const toks = tokens(text || "");
  const words = [];
  const terms = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    const next = toks[i + 1];
    if (t.op) throw new FilterError(`“${t.op}” needs a field before it, like config.lr${t.op}0.01.`);
    if (next && next.op) {
      const value = toks[i + 2];
      if (!value || value.op) {
        throw new FilterError(`“${t.word}${next.op}” needs a value after it, like ${t.word}${next.op}1.`);
      }
      if (!knownField(t.word)) {
        throw new FilterError(`Unknown field “${t.word}”: use config.<path>, summary.<key> or one of ${RUN_FIELDS.join(", ")}.`);
      }
      const v = literal(value);
      if (NUMERIC_OPS.has(next.op) && typeof v !== "number" && !["created_at", "runtime"].includes(t.word)) {
        throw new FilterError(`“${t.word}${next.op}${value.word}” compares with a number; “${value.word}” is not one.`);
      }
      let regex = null;
      if (next.op === "~") {
        try { regex = new RegExp(value.word, "i"); } catch (e) {
          throw new FilterError(`“${value.word}” is not a valid regular expression: ${e.message}`);
        }
      }
      terms.push({ field: t.word, op: next.op, value: v, raw: value.word, regex });
      i += 2;
    } else if (t.word) words.push(t.word.toLowerCase());
  }
  return { words, terms };
}

function holds(actual, term) {
  const { op, value, raw, regex } = term;
  if (Array.isArray(actual) && term.field === "tags") {
    if (op === "=") return actual.includes(raw);
    if (op === "!=") return !actual.includes(raw);
    if (op === "~") return actual.some((t) => regex.test(t));
  }
  const missing = actual === undefined || actual === null;
  if (op === "=") return value === null ? missing : !missing && (same(actual, value) || String(actual) === raw);
  if (op === "!=") return value === null ? !missing : missing || !(same(actual, value) || String(actual) === raw);
  if (missing) return false;
  if (op === "~") return regex.test(typeof actual === "object" ? JSON.stringify(actual) : String(actual));
  const a = Number(actual); // ±inf compare as numbers; text that is no number never passes
  if (Number.isNaN(a)) return false;
  if (op === ">") return a > value;
  if (op === ">=") return a >= value;
  if (op === "<") return a < value;
  return a <= value;
}

// Does the run pass the parsed filter?
export function matches(run, filter) {
  for (const w of filter.words) {
    const hay = [run.name, run.group || "", ...(run.tags || [])];
    if (!hay.some((s) => String(s).toLowerCase().includes(w))) return false;
  }
  return filter.terms.every((term) => holds(runValue(run, term.field), term));
}

// ---- the filter box on the server -------------------------------------------
// The server keeps the runs a text keeps with {"$text": text} in a run filter
// (runfold/query/textfilter.py, the same meaning as `matches` here), so a filter
// covers every run of the project, not only those a page fetched.

export const TEXT_KEY = "$text";

const isEmpty = (filters) => !filters || Object.keys(filters).length === 0;

// The run filter of the page's own filters (`base`, e.g. a group page's group) and
// the filter box's text: null when both are empty.
export function withText(base, text) {
  const q = (text || "").trim();
  const on = isEmpty(base) ? null : base;
  if (!q) return on;
  const own = { [TEXT_KEY]: q };
  return on ? { $and: [on, own] } : own;
}

// The filter box's text and the rest of a stored run filter: {text, rest} with
// `withText(rest, text)` keeping the same runs. A filter written before the box
// (JSON) comes back as text where a term says the same (config.lr>0.01,
// group="exp 1"); what no term says stays in `rest`.
export function splitText(filters) {
  if (isEmpty(filters)) return { text: "", rest: null };
  const texts = [];
  const rest = [];
  const parts = Object.keys(filters).length === 1 && Array.isArray(filters.$and)
    ? filters.$and : [filters];
  for (const part of parts) {
    const { [TEXT_KEY]: text, ...others } = part || {};
    if (typeof text === "string") texts.push(text.trim());
    if (!isEmpty(others)) rest.push(typeof text === "string" ? others : part);
  }
  const left = rest.length === 0 ? null : rest.length === 1 ? rest[0] : { $and: rest };
  const said = left ? filterText(left) : null;
  const text = [said, ...texts].filter(Boolean).join(" ");
  return { text, rest: said === null ? left : null };
}

const COMPARE_TERMS = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" };

// A value as the box writes it, or null when no term says it exactly.
function termValue(v) {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : null;
  if (typeof v !== "string" || v.includes('"')) return null;
  const plain = v !== "" && !/\s/.test(v) && !OPERATORS.some((o) => v.includes(o))
    && literal({ word: v }) === v;
  return plain ? v : `"${v}"`;
}

// {"group": "exp", "config.lr": {"$gt": 0.01}} as the box's text, or null.
function filterText(filters) {
  const terms = [];
  for (const [field, cond] of Object.entries(filters)) {
    if (!knownField(field) || /\s/.test(field) || OPERATORS.some((o) => field.includes(o))) return null;
    const ops = cond !== null && typeof cond === "object" && !Array.isArray(cond) ? cond : { $eq: cond };
    for (const [op, v] of Object.entries(ops)) {
      const value = termValue(v);
      const numeric = typeof v === "number";
      if (value === null) return null;
      if (op === "$eq") terms.push(`${field}=${value}`);
      else if (op === "$ne") terms.push(`${field}!=${value}`);
      else if (COMPARE_TERMS[op] && numeric) terms.push(`${field}${COMPARE_TERMS[op]}${value}`);
      else return null;
    }
  }
  return terms.join(" ");
}
