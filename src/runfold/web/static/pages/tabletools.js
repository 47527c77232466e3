// The runs table's tools: the Group control with the filter box, the column picker
// and the bar that acts on selected runs (compare, move to a group). The filter box
// itself (FilterInput) is also the report editor's run filter.
import { enc, sendJSON } from "../lib/api.js";
import { html, useState } from "../lib/ui.js";

const GROUP_FIELDS = ["group", "job_type", "state", "host", "name", "tags"];
const FILTER_HELP = `Words search name, group and tags. Terms: field=value, !=, >, >=, <, <=, ~regex on
run fields (state, group, job_type, host, tags, name), config.<path> and summary.<key>.
The server applies it to every run of the project.`;

// The filter box (the workspace's, the group page's and the report editor's): words,
// or terms like config.lr>0.01 state!=crashed (lib/filterexpr.js); `error`: what is
// wrong with the text, shown by the caller under it.
export function FilterInput({ value, onInput, error, placeholder, name = "q", label = "Filter runs" }) {
  return html`<input type="search" class="filter" name=${name} data-testid="filter" aria-label=${label}
    placeholder=${placeholder || "Filter: words, or config.lr>0.01 state!=crashed"}
    aria-invalid=${error ? "true" : "false"} title=${FILTER_HELP}
    value=${value} onInput=${(e) => onInput(e.currentTarget.value)} />`;
}

// compact: the workspace's sidebar (no column picker: the full table has it).
export function Toolbar({ by, cols, view, update, counts, filterError, compact = false }) {
  const [adding, setAdding] = useState("");
  const options = [...GROUP_FIELDS, ...cols.configKeys.map((k) => `config.${k}`)].filter((k) => !by.includes(k));
  const add = (key) => { if (key) update({ by: [...by, key], open: [] }); setAdding(""); };
  const remove = (key) => update({ by: by.filter((k) => k !== key), open: [] });
  const exceptSeed = cols.varying.filter((k) => k !== "seed" && !k.endsWith(".seed")).map((k) => `config.${k}`);
  return html`
    <div class="toolbar" data-testid="group-control">
      <span class="filter-box">
        <${FilterInput} value=${view.q} error=${filterError} onInput=${(q) => update({ q })}
          placeholder=${compact ? "Filter runs: words, state=failed, config.lr>0.01" : undefined} />
      </span>
      <span class="label">Group by</span>
      <span class="chips" data-testid="group-chips">
        ${by.map((k, i) => html`<span class="chip" data-key=${k}>
          ${i > 0 ? html`<span class="muted">then </span>` : null}${k}
          <button aria-label=${`Remove ${k}`} title="Remove" onClick=${() => remove(k)}>×</button></span>`)}
        ${by.length === 0 ? html`<span class="muted">none (single runs)</span>` : null}
      </span>
      <select data-testid="group-add" aria-label="Add a grouping key" value=${adding}
        onChange=${(e) => add(e.currentTarget.value)}>
        <option value="">+ add key…</option>
        ${options.map((k) => html`<option value=${k}>${k}</option>`)}
      </select>
      ${exceptSeed.length ? html`<button data-testid="group-except-seed" title=${exceptSeed.join(", ")}
        onClick=${() => update({ by: exceptSeed, open: [] })}>config.* except seed</button>` : null}
      <button data-testid="group-clear" disabled=${by.length === 0} onClick=${() => update({ by: [], open: [] })}>Clear</button>
      ${compact ? null : html`<${ColumnPicker} cols=${cols} view=${view} update=${update} />`}
      <span class="spacer"></span>
      <span class="muted" data-testid="counts">${counts.runs} of ${counts.total} runs${counts.groups !== null ? ` · ${counts.groups} groups` : ""}</span>
    </div>
    ${filterError ? html`<p class="error inline" role="alert" data-testid="filter-error">${filterError}</p>` : null}`;
}

function ColumnPicker({ cols, view, update }) {
  const chosen = new Set(view.cols ?? cols.defaults);
  const toggle = (id) => {
    const next = [...(view.cols ?? cols.defaults)];
    update({ cols: chosen.has(id) ? next.filter((c) => c !== id) : [...next, id] });
  };
  const option = (id, label, varies) => html`
    <label class="col-option"><input type="checkbox" checked=${chosen.has(id)} data-col=${id}
      onChange=${() => toggle(id)} /> ${label}${varies ? html` <span class="muted">varies</span>` : null}</label>`;
  const varying = new Set(cols.varying);
  // the list opens toward the side with room (near the right edge it opens leftward)
  const place = (e) => {
    const d = e.currentTarget;
    if (!d.open) return;
    d.classList.remove("flip");
    const body = d.querySelector(".col-picker-body");
    if (body.getBoundingClientRect().right > document.documentElement.clientWidth - 8) d.classList.add("flip");
  };
  return html`
    <details class="col-picker" data-testid="column-picker" onToggle=${place}>
      <summary title="Choose the config and summary columns">Columns (${chosen.size})</summary>
      <div class="col-picker-body">
        <div class="col-picker-actions">
          <button onClick=${() => update({ cols: null })}>Defaults</button>
          <button onClick=${() => update({ cols: [] })}>None</button>
        </div>
        <h4>Config</h4>
        ${cols.configKeys.length ? cols.configKeys.map((k) => option(`config.${k}`, k, varying.has(k)))
          : html`<p class="muted">No config logged.</p>`}
        <h4>Summary</h4>
        ${cols.summary.length ? cols.summary.map((k) => option(`summary.${k}`, k, false))
          : html`<p class="muted">No numeric summary yet.</p>`}
      </div>
    </details>`;
}

// What to do with the selected runs: compare them (or the selected groups), or move
// them into an existing or a new group.
export function SelectionBar({ project, selected, groups, groupNames, clear, onMoved }) {
  const [target, setTarget] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState(null);
  const ids = [...selected];
  const move = async () => {
    const name = target.trim();
    if (!name) { setMessage({ error: "Type a group name (an existing one or a new one) first." }); return; }
    setBusy(true);
    setMessage(null);
    const failed = [];
    for (const id of ids) {
      try {
        await sendJSON("PATCH", `/projects/${enc(project)}/runs/${enc(id)}`, { group: name });
      } catch (e) {
        failed.push(`${id}: ${e.message}`);
      }
    }
    setBusy(false);
    const moved = ids.length - failed.length;
    setMessage(failed.length
      ? { error: `Moved ${moved} of ${ids.length} runs; not moved: ${failed.join("; ")}` }
      : { text: `Moved ${moved} ${moved === 1 ? "run" : "runs"} to “${name}”.` });
    setTarget("");
    onMoved();
  };
  const compareRuns = `/projects/${enc(project)}/compare?${ids.map((id) => `run=${enc(id)}`).join("&")}`;
  const compareGroups = `/projects/${enc(project)}/compare?${groups.map((g) => `group=${enc(g)}`).join("&")}`;
  if (!ids.length && !message) return null;
  return html`
    <div class="selection-bar" data-testid="selection-bar" role="region" aria-label="Selected runs">
      ${ids.length ? html`
        <strong data-testid="selected-count">${ids.length} selected</strong>
        <a class="button" href=${compareRuns} data-testid="compare-runs">Compare runs</a>
        ${groups.length > 1 ? html`<a class="button" href=${compareGroups} data-testid="compare-groups">
          Compare ${groups.length} groups</a>` : null}
        <label>Move to group
          <input list="rf-group-names" value=${target} data-testid="move-target" placeholder="existing or new"
            onInput=${(e) => setTarget(e.currentTarget.value)}
            onKeyDown=${(e) => { if (e.key === "Enter") move(); }} /></label>
        <datalist id="rf-group-names">${groupNames.map((g) => html`<option value=${g} />`)}</datalist>
        <button disabled=${busy} onClick=${move} data-testid="move-apply">${busy ? "Moving…" : "Move"}</button>
        <button onClick=${() => { clear(); setMessage(null); }}>Clear selection</button>` : null}
      ${message && message.text ? html`<span class="ok" role="status" data-testid="move-done">${message.text}</span>` : null}
      ${message && message.error ? html`<span class="error inline" role="alert">${message.error}</span>` : null}
    </div>`;
}
