// The editor's fields for each block type. Each gets its block and onChange(newBlock);
// fields whose text must parse first (the run filter) report what to fix through
// onInvalid(text | null) and leave the block as it was until the text parses.
import { enc, getJSON } from "../lib/api.js";
import { LINES, SHADINGS, SHADING_LABELS } from "../lib/bands.js";
import { FilterError, parseFilter, splitText, withText } from "../lib/filterexpr.js";
import { chartSettings, joinKeys, splitKeys } from "../lib/reportblocks.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { FilterInput } from "./tabletools.js";

const X_AXES = [["_step", "step"], ["_timestamp", "wall time"], ["_runtime", "relative time (s)"]];
const GROUP_FIELDS = ["group", "job_type", "state", "host", "name", "tags"];
const clampMax = (text) => Math.max(1, Math.min(500, Math.round(Number(text)) || 1));

// A comma-separated list of keys; the text stays as typed (a trailing comma included).
function KeysField({ uid, label, name, keys, onChange, placeholder, options = GROUP_FIELDS }) {
  const [text, setText] = useState(() => joinKeys(keys));
  const listId = `rf-keys-${name}-${uid}`;
  return html`
    <label class="rf-field">${label}
      <input name=${name} value=${text} placeholder=${placeholder} list=${listId}
        onInput=${(e) => { const t = e.currentTarget.value; setText(t); onChange(splitKeys(t)); }} />
      <datalist id=${listId}>${options.map((o) => html`<option value=${o}></option>`)}</datalist>
    </label>`;
}

// The run filter: the workspace's filter box. Its text is stored as {"$text": text}
// (the server's filter language), beside any part of a filter written as JSON
// before the box that no term says (shown, and removable). A runs block's older
// text filter (`q`) joins the box's text. Nothing changes until the box is edited.
function FilterField({ filters, q = "", onChange, onInvalid }) {
  const [start] = useState(() => splitText(filters));
  const [text, setText] = useState(() => [start.text, q].filter(Boolean).join(" "));
  const [rest, setRest] = useState(start.rest);
  const [error, setError] = useState(null);
  const apply = (t, r) => {
    try {
      parseFilter(t);
    } catch (e) {
      if (!(e instanceof FilterError)) throw e;
      setError(e.message);
      onInvalid(e.message);
      return;
    }
    setError(null);
    onInvalid(null);
    onChange(withText(r, t));
  };
  return html`
    <div class="rf-field rf-wide rf-filter-field">
      <label><span>Run filter (as the workspace's filter box: words, or terms like config.lr>0.01
        state!=crashed; empty: every run)</span>
        <${FilterInput} name="filter" value=${text} error=${error} label="Run filter"
          onInput=${(t) => { setText(t); apply(t, rest); }} /></label>
      ${rest ? html`<span class="muted" data-testid="filter-rest">and only the runs matching
        <code>${JSON.stringify(rest)}</code> (a filter written as JSON)
        <button class="rf-link" data-testid="filter-rest-remove"
          onClick=${() => { setRest(null); apply(text, null); }}>Remove</button></span>` : null}
      ${error ? html`<span class="error inline" role="alert" data-testid="filter-error">${error}</span>` : null}
    </div>`;
}

function MarkdownFields({ block, onChange }) {
  return html`
    <label class="rf-field">Text (markdown: # headings, **bold**, lists, [links](https://…), tables)
      <textarea name="markdown" rows="10" data-testid="markdown-input"
        placeholder="What did this experiment show? What should someone reading this in six months know?"
        value=${block.text} onInput=${(e) => onChange({ ...block, text: e.currentTarget.value })}></textarea>
    </label>`;
}

function MetricsPicker({ metrics, chosen, onChange }) {
  const [find, setFind] = useState("");
  const set = new Set(chosen);
  const system = (m) => m.startsWith("system/");
  const ordered = [...metrics.filter((m) => !system(m)), ...metrics.filter(system)];
  const shown = ordered.filter((m) => !find || m.toLowerCase().includes(find.toLowerCase()));
  const toggle = (m) => onChange(set.has(m) ? chosen.filter((c) => c !== m) : [...chosen, m]);
  return html`
    <fieldset class="rf-field rf-metrics" data-testid="metrics-picker">
      <legend>Metrics (${chosen.length} chosen)</legend>
      <input type="search" placeholder="Find a metric" value=${find} aria-label="Find a metric"
        onInput=${(e) => setFind(e.currentTarget.value)} />
      <div class="rf-metric-list">
        ${shown.map((m) => html`<label><input type="checkbox" data-metric=${m} checked=${set.has(m)}
          onChange=${() => toggle(m)} /> ${m}</label>`)}
        ${chosen.filter((m) => !metrics.includes(m)).map((m) => html`<label class="muted"><input type="checkbox"
          data-metric=${m} checked onChange=${() => toggle(m)} /> ${m} (not logged)</label>`)}
        ${metrics.length ? null : html`<p class="muted">No metrics logged in this project yet.</p>`}
      </div>
    </fieldset>`;
}

function ChartFields({ uid, block, info, onChange, onInvalid }) {
  const s = chartSettings(block);
  const set = (k, v) => onChange({ ...block, settings: { ...s, [k]: v } });
  return html`
    <div class="rf-fields">
      <${MetricsPicker} metrics=${info.metrics} chosen=${block.metrics || []}
        onChange=${(metrics) => onChange({ ...block, metrics })} />
      <div class="rf-field-grid">
        <${KeysField} uid=${uid} label="Group by (empty: one line per run)" name="by" keys=${block.by}
          placeholder="group, job_type" onChange=${(by) => onChange({ ...block, by })} />
        <label class="rf-field">X axis <select name="x" value=${s.x} onChange=${(e) => set("x", e.currentTarget.value)}>
          ${X_AXES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
          ${info.metrics.map((m) => html`<option value=${m}>${m}</option>`)}</select></label>
        <label class="rf-field">Line <select name="line" value=${s.line}
          onChange=${(e) => set("line", e.currentTarget.value)}>
          ${LINES.map((l) => html`<option value=${l}>${l}</option>`)}</select></label>
        <label class="rf-field">Shading <select name="shading" value=${s.shading}
          onChange=${(e) => set("shading", e.currentTarget.value)}>
          ${SHADINGS.map((v) => html`<option value=${v}>${SHADING_LABELS[v]}</option>`)}</select></label>
        <label class="rf-field">Smoothing <span class="rf-inline"><input type="range" name="smoothing" min="0"
          max="0.99" step="0.01" value=${s.smoothing}
          onChange=${(e) => set("smoothing", Number(e.currentTarget.value))} />
          <span class="rf-num">${Number(s.smoothing).toFixed(2)}</span></span></label>
        <label class="rf-field">Max lines <input type="number" name="max" min="1" max="500" value=${s.max}
          onChange=${(e) => set("max", clampMax(e.currentTarget.value))} /></label>
        <label class="rf-field rf-check"><input type="checkbox" name="log" checked=${s.log}
          onChange=${(e) => set("log", e.currentTarget.checked)} /> log scale</label>
      </div>
      <${FilterField} filters=${block.filters} onChange=${(filters) => onChange({ ...block, filters })}
        onInvalid=${onInvalid} />
    </div>`;
}

function RunsFields({ uid, block, info, onChange, onInvalid }) {
  const columns = columnOptions(info.runs);
  return html`
    <div class="rf-fields">
      <${KeysField} uid=${uid} label="Group by (empty: one row per run)" name="runs-by" keys=${block.by}
        placeholder="group, job_type" onChange=${(by) => onChange({ ...block, by })} />
      <${KeysField} uid=${uid} label="Columns (empty: the varying config and the summary)" name="columns"
        keys=${block.columns} placeholder="config.lr, summary.loss" options=${columns}
        onChange=${(cols) => onChange({ ...block, columns: cols })} />
      <${FilterField} filters=${block.filters} q=${block.q}
        onChange=${(filters) => onChange({ ...block, filters, q: "" })} onInvalid=${onInvalid} />
    </div>`;
}

function columnOptions(runs) {
  const out = new Set();
  for (const r of runs) {
    for (const k of Object.keys(r.config || {})) out.add(`config.${k}`);
    for (const [k, v] of Object.entries(r.summary || {})) {
      if (typeof v === "number" && !k.startsWith("_")) out.add(`summary.${k}`);
    }
  }
  return [...out].sort();
}

function GroupFields({ block, info, onChange }) {
  const options = [...new Set([...info.groups, ...(block.group ? [block.group] : [])])];
  return html`
    <label class="rf-field">Group
      <select name="group-block" value=${block.group}
        onChange=${(e) => onChange({ ...block, group: e.currentTarget.value })}>
        <option value="">(choose a group)</option>
        ${options.map((g) => html`<option value=${g}>${g}</option>`)}
      </select></label>`;
}

function FileFields({ uid, project, block, info, onChange }) {
  const [files, setFiles] = useState(null);
  useEffect(() => {
    setFiles(null);
    if (!block.run) return undefined;
    let live = true;
    getJSON(`/projects/${enc(project)}/runs/${enc(block.run)}`)
      .then((r) => live && setFiles((r.files || []).map((f) => f.path)), () => live && setFiles([]));
    return () => { live = false; };
  }, [project, block.run]);
  const runs = info.runs;
  return html`
    <div class="rf-field-grid">
      <label class="rf-field">Run
        <select name="file-run" value=${block.run}
          onChange=${(e) => onChange({ ...block, run: e.currentTarget.value, path: "" })}>
          <option value="">(choose a run)</option>
          ${runs.map((r) => html`<option value=${r.id}>${r.name}${r.group ? ` (${r.group})` : ""}</option>`)}
          ${block.run && !runs.some((r) => r.id === block.run)
            ? html`<option value=${block.run}>${block.run}</option>` : null}
        </select></label>
      <label class="rf-field">File
        <input name="file-path" value=${block.path} list=${`rf-run-files-${uid}`} placeholder="plots/confusion.png"
          onInput=${(e) => onChange({ ...block, path: e.currentTarget.value })} />
        <datalist id=${`rf-run-files-${uid}`}>${(files || []).map((f) => html`<option value=${f}></option>`)}</datalist>
        ${files && block.run && !files.length ? html`<span class="muted">This run has saved no files
          (<code>run.save("path")</code> saves one).</span>` : null}
      </label>
    </div>`;
}

export const EDITORS = {
  markdown: MarkdownFields, chart: ChartFields, runs: RunsFields, group: GroupFields, file: FileFields,
};
