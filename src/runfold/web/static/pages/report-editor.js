// The report editor (?edit=1): title, group, and the blocks: add, move up or down,
// delete, and edit each with its live preview beside or below it. Save sends the
// version the editor started from; if someone saved since, the server answers 409 and
// the edits stay here, with the server's message.
import { enc, getJSON, sendJSON } from "../lib/api.js";
import {
  BLOCK_LABELS, BLOCK_TYPES, blockProblem, moveBlock, newBlock, removeBlock, replaceBlock,
} from "../lib/reportblocks.js";
import { defaultMetrics } from "../lib/series.js";
import { html, useEffect, useRef, useState } from "../lib/ui.js";
import { Failure } from "./common.js";
import { Block } from "./report-blocks.js";
import { EDITORS } from "./report-fields.js";
import { dropDraft, reportURL } from "./reports.js";

let nextUid = 1;
const item = (block) => ({ uid: nextUid++, block });

// What the editor offers in its pickers: the project's metrics, groups and runs.
function useProjectInfo(project) {
  const [info, setInfo] = useState({ metrics: [], groups: [], runs: [] });
  useEffect(() => {
    const p = `/projects/${enc(project)}`;
    Promise.all([
      getJSON(`${p}/metrics`).then((b) => b.metrics, () => []),
      getJSON(`${p}/groups`, { by: "group" })
        .then((b) => b.groups.map((g) => g.key[0]).filter((g) => g !== null), () => []),
      getJSON(`${p}/runs`, { limit: 1000 }).then((b) => b.runs, () => []),
    ]).then(([metrics, groups, runs]) => setInfo({ metrics, groups, runs }));
  }, [project]);
  return info;
}

export function ReportEditor({ project, report }) {
  const [title, setTitle] = useState(report.title || "");
  const [group, setGroup] = useState(report.group || "");
  const [items, setItems] = useState(() => report.blocks.map(item));
  const [base, setBase] = useState(report.version);
  const draft = report.id === null; // not stored yet: Save creates it
  const [dirty, setDirty] = useState(draft);
  const [invalid, setInvalid] = useState({}); // uid → what to fix, for fields that do not parse
  const [status, setStatus] = useState(null);
  const [saving, setSaving] = useState(false);
  const info = useProjectInfo(project);

  // Leaving with unsaved edits asks first (the browser's own question).
  const dirtyRef = useRef(false);
  dirtyRef.current = dirty;
  useEffect(() => {
    const warn = (e) => { if (dirtyRef.current) { e.preventDefault(); e.returnValue = ""; } };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);

  const changed = (fn) => { fn(); setDirty(true); setStatus(null); };
  const blocks = items.map((it) => it.block);
  // functional updates: two quick edits in a row each see the other's result
  const move = (i, d) => changed(() => setItems((cur) => moveBlock(cur, i, d)));
  const remove = (i) => changed(() => {
    const uid = String(items[i].uid);
    setInvalid((v) => { const { [uid]: _, ...rest } = v; return rest; });
    setItems((cur) => removeBlock(cur, i));
  });
  const update = (i, block) => changed(() => setItems((cur) => replaceBlock(cur, i, { ...cur[i], block })));
  const add = (type) => changed(() => setItems((cur) => [
    ...cur, item(newBlock(type, { metrics: defaultMetrics(info.metrics, 1), group: group || null })),
  ]));
  const markInvalid = (uid, text) => setInvalid((v) => {
    if ((v[uid] || null) === text) return v;
    const { [uid]: _, ...rest } = v;
    return text ? { ...rest, [uid]: text } : rest;
  });

  const problems = items.map((it, i) => {
    const text = invalid[String(it.uid)] || blockProblem(it.block);
    return text ? `Block ${i + 1}: ${text}` : null;
  }).filter(Boolean);

  const path = `/projects/${enc(project)}/reports/${enc(report.id)}`;
  // over: save on top of the latest version (after a conflict the user chose to)
  const save = async (thenView, over = false) => {
    if (problems.length) return;
    setSaving(true);
    setStatus(null);
    try {
      if (draft) {
        const made = await sendJSON("POST", `/projects/${enc(project)}/reports`,
          { title: title || "Untitled report", group: group || null, blocks });
        dropDraft(project);
        dirtyRef.current = false;
        window.location.assign(reportURL(project, made.id, thenView ? "" : "?edit=1"));
        return;
      }
      const baseVersion = over ? (await getJSON(path)).version : base;
      const saved = await sendJSON("PUT", path, { title, group: group || null, blocks, base_version: baseVersion });
      setBase(saved.version);
      setDirty(false);
      if (thenView) {
        dirtyRef.current = false;
        window.location.assign(reportURL(project, report.id));
        return;
      }
      setStatus({ kind: "saved", text: `Saved as version ${saved.version}.` });
    } catch (e) {
      setStatus({ kind: e.status === 409 ? "conflict" : "error", text: e.message, error: e });
    } finally {
      setSaving(false);
    }
  };

  return html`
    <div class="rf-editor" data-testid="report-editor">
      <${SaveBar} project=${project} report=${report} dirty=${dirty} saving=${saving} status=${status}
        problems=${problems} base=${base} save=${save} />
      <div class="rf-editor-head">
        <label class="rf-field rf-title-field">Title
          <input name="title" data-testid="report-title-input" value=${title} placeholder="What this report is about"
            onInput=${(e) => { const v = e.currentTarget.value; changed(() => setTitle(v)); }} /></label>
        <label class="rf-field">Experiment group
          <select name="group" data-testid="report-group-input" value=${group}
            onChange=${(e) => { const v = e.currentTarget.value; changed(() => setGroup(v)); }}>
            <option value="">(none: a project report)</option>
            ${[...new Set([...info.groups, ...(group ? [group] : [])])]
              .map((g) => html`<option value=${g}>${g}</option>`)}
          </select></label>
      </div>
      ${items.length ? null : html`<p class="muted">No blocks yet: add text, a chart, a runs table, a group
        summary or a run's file below.</p>`}
      ${items.map((it, i) => html`
        <${BlockEditor} key=${it.uid} uid=${it.uid} project=${project} block=${it.block} index=${i}
          count=${items.length} info=${info} onChange=${(b) => update(i, b)} onMove=${(d) => move(i, d)}
          onRemove=${() => remove(i)} onInvalid=${(text) => markInvalid(String(it.uid), text)} />`)}
      <div class="rf-add-block" data-testid="add-block">
        <span class="muted">Add</span>
        ${BLOCK_TYPES.map((t) => html`<button class="rf-button" data-type=${t} onClick=${() => add(t)}>
          + ${BLOCK_LABELS[t]}</button>`)}
      </div>
    </div>`;
}

function SaveBar({ project, report, dirty, saving, status, problems, base, save }) {
  return html`
    <div class="rf-save-bar" data-testid="save-bar">
      <button class="rf-button primary" data-testid="save" disabled=${saving || problems.length > 0}
        onClick=${() => save(false)}>${saving ? "Saving…" : "Save"}</button>
      <button class="rf-button" data-testid="save-view" disabled=${saving || problems.length > 0}
        onClick=${() => save(true)}>Save and view</button>
      ${report.id === null ? html`
        <a class="rf-button" data-testid="close-editor" href=${`/projects/${enc(project)}`}
          onClick=${() => dropDraft(project)}>Discard draft</a>
        <span class="muted" data-testid="draft-note">A draft: nothing is saved until you press Save.</span>`
        : html`
        <a class="rf-button" data-testid="close-editor" href=${reportURL(project, report.id)}>
          ${dirty ? "Discard changes" : "Close editor"}</a>
        <span class="muted">Editing from version ${base}${dirty ? " · unsaved changes" : ""}</span>
        <span class="spacer"></span>
        <${DeleteButton} project=${project} report=${report} />`}
      ${problems.length ? html`<p class="error" role="alert" data-testid="editor-problems">
        Before saving: ${problems.join(" ")}</p>` : null}
      ${status && status.kind === "saved"
        ? html`<span class="rf-ok" role="status" data-testid="saved">${status.text}</span>` : null}
      ${status && status.kind === "conflict" ? html`
        <div class="error" role="alert" data-testid="conflict">${status.text}
          <div class="muted">Your edits are still here. See the${" "}
            <a href=${reportURL(project, report.id)} target="_blank" rel="noopener">latest version</a> (new tab),
            or <button class="rf-link" data-testid="save-over" onClick=${() => save(false, true)}>save yours as the
            newest version anyway</button> (the other version stays in the history).</div>
        </div>` : null}
      ${status && status.kind === "error" ? html`<${Failure} error=${status.error} />` : null}
    </div>`;
}

function BlockEditor({ uid, project, block, index, count, info, onChange, onMove, onRemove, onInvalid }) {
  const Fields = EDITORS[block.type];
  return html`
    <section class=${`rf-block-editor rf-edit-${block.type}`} data-testid="block-editor" data-type=${block.type}
      data-index=${index}>
      <div class="rf-block-tools">
        <strong>${index + 1}. ${BLOCK_LABELS[block.type] || block.type}</strong>
        <span class="spacer"></span>
        <button class="rf-icon" data-testid="block-up" disabled=${index === 0} title="Move up"
          aria-label=${`Move block ${index + 1} up`} onClick=${() => onMove(-1)}>↑</button>
        <button class="rf-icon" data-testid="block-down" disabled=${index === count - 1} title="Move down"
          aria-label=${`Move block ${index + 1} down`} onClick=${() => onMove(1)}>↓</button>
        <button class="rf-icon danger" data-testid="block-delete" title="Delete this block"
          aria-label=${`Delete block ${index + 1}`} onClick=${onRemove}>✕</button>
      </div>
      <div class="rf-block-edit-body">
        ${Fields ? html`<${Fields} uid=${uid} project=${project} block=${block} info=${info} onChange=${onChange}
          onInvalid=${onInvalid} />` : html`<p class="muted">This block type cannot be edited here.</p>`}
        <div class="rf-preview" data-testid="block-preview">
          <div class="rf-preview-label muted">Preview</div>
          <${Block} project=${project} block=${block} index=${index} />
        </div>
      </div>
    </section>`;
}

// Deleting asks once more, in the page (no browser dialog), and then goes to the list.
function DeleteButton({ project, report }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState(null);
  const remove = () => sendJSON("DELETE", `/projects/${enc(project)}/reports/${enc(report.id)}`)
    .then(() => window.location.assign(`/projects/${enc(project)}/reports`), setError);
  if (error) return html`<${Failure} error=${error} />`;
  if (!asking) {
    return html`<button class="rf-button" data-testid="delete-report" onClick=${() => setAsking(true)}>
      Delete report</button>`;
  }
  return html`<span class="rf-confirm" role="group" aria-label="Delete this report">Delete this report and all
    its versions? <button class="rf-button danger" data-testid="delete-confirm" onClick=${remove}>Delete</button>
    <button class="rf-button" onClick=${() => setAsking(false)}>Keep it</button></span>`;
}
