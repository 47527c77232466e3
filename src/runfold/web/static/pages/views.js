// Saved views. The layout a workspace shows is the user's own (kept on the server as
// they edit it: GET/PUT /projects/<p>/workspace, per user in team mode) or, with
// `view=<id>` in the address, a named view of the project that anyone who may read it
// can open (its layout and its view parameters: filter, grouping, chart settings).
// Edits to a named view stay on the page until "Save changes"; "Reset" goes back to
// the automatic layout (sections from the metrics' prefixes).
import { enc, getJSON, sendJSON } from "../lib/api.js";
import { html, useEffect, useMemo, useRef, useState } from "../lib/ui.js";
import { readParams } from "../lib/url.js";
import { autoLayout, mergeLayout, normalizeLayout } from "../lib/workspace.js";

const SAVE_MS = 300;
const PAGE_ONLY = ["view", "table"]; // parameters that are not part of a view

// The view parameters of the address now, as a view keeps them.
export function viewQuery(search = readParams()) {
  const p = new URLSearchParams(search);
  for (const k of PAGE_ONLY) p.delete(k);
  return p.toString();
}

const viewURL = (id, query) => `${window.location.pathname}?${query ? `${query}&` : ""}view=${enc(id)}`;

// {layout, edit(fn), reset(), state ("loading"|"saving"|"saved"|"edited"|"error"), view, error,
//  saveAs(name), saveView(), deleteView()}
// `scope`: the page whose layout it is ("" the project's workspace, "group:<name>" a
// group page's: GET/PUT /projects/<p>/workspace?scope=...).
export function useLayout(project, keys, { saved, viewId, scope = "" }) {
  const [base, setBase] = useState({ loaded: false, layout: null, view: null, error: null });
  const [layout, setLayout] = useState(null);
  const [state, setState] = useState("loading");
  const current = useRef(null);
  const timer = useRef(null);
  const pending = useRef(null);

  useEffect(() => {
    let live = true;
    setBase({ loaded: false, layout: null, view: null, error: null });
    const done = (spec, view) => live && setBase({ loaded: true, layout: normalizeLayout(spec && spec.layout), view, error: null });
    const fail = (error) => live && setBase({ loaded: true, layout: null, view: null, error });
    if (viewId) {
      getJSON(`/projects/${enc(project)}/views/${enc(viewId)}`).then((v) => {
        // a bare link (?view=ID): the view's own parameters come with it
        if (live && !viewQuery() && v.spec.query) {
          window.history.replaceState(window.history.state, "", viewURL(v.id, v.spec.query));
        }
        done(v.spec, v);
      }, fail);
    } else if (saved) getJSON(`/projects/${enc(project)}/workspace`, { scope }).then((w) => done(w.spec, null), fail);
    else done(null, null);
    return () => { live = false; };
  }, [project, viewId, saved, scope]);

  useEffect(() => { // the layout shown: the saved one (or the automatic one) with new metrics taken in
    if (!base.loaded || !keys) return;
    const start = current.current && base === current.base ? current.current : base.layout || autoLayout(keys);
    const next = mergeLayout(start, keys);
    current.current = next;
    current.base = base;
    setLayout(next);
    setState(base.error ? "error" : "saved");
  }, [base, keys && keys.join("\n")]);

  const put = (next) => sendJSON("PUT", `/projects/${enc(project)}/workspace${scope ? `?scope=${enc(scope)}` : ""}`,
    { spec: next ? { layout: next } : null });
  const flush = () => {
    clearTimeout(timer.current);
    const next = pending.current;
    if (next === null) return;
    pending.current = null;
    put(next.layout).then(() => { if (pending.current === null) setState("saved"); }, () => setState("error"));
  };
  useEffect(() => {
    const leave = () => flush();
    window.addEventListener("pagehide", leave);
    return () => window.removeEventListener("pagehide", leave);
  }, [project]);

  const keep = (next) => {
    current.current = next;
    setLayout(next);
    if (viewId || !saved) { setState(viewId ? "edited" : "saved"); return; }
    setState("saving");
    pending.current = { layout: next };
    clearTimeout(timer.current);
    timer.current = setTimeout(flush, SAVE_MS);
  };
  // one function for the page's life (the panel grid is not drawn again for a new one)
  const keepNow = useRef(keep);
  keepNow.current = keep;
  const edit = useMemo(() => (fn) => {
    if (!current.current) return;
    const next = fn(current.current);
    if (next !== current.current) keepNow.current(next);
  }, []);
  const reset = () => {
    if (!keys) return;
    const auto = autoLayout(keys);
    if (viewId || !saved) { keep(auto); return; }
    current.current = auto;
    setLayout(auto);
    clearTimeout(timer.current);
    pending.current = null;
    setState("saving");
    put(null).then(() => setState("saved"), () => setState("error"));
  };
  const spec = () => ({ layout: current.current, query: viewQuery() });
  const saveAs = async (name) => {
    const made = await sendJSON("POST", `/projects/${enc(project)}/views`, { name, spec: spec() });
    window.location.assign(viewURL(made.id, made.spec.query));
  };
  const saveView = async () => {
    setState("saving");
    try {
      await sendJSON("PUT", `/projects/${enc(project)}/views/${enc(viewId)}`, { spec: spec() });
      setState("saved");
    } catch (e) { setState("error"); throw e; }
  };
  const deleteView = async () => {
    await sendJSON("DELETE", `/projects/${enc(project)}/views/${enc(viewId)}`, {});
    window.location.assign(`${window.location.pathname}?${viewQuery()}`);
  };
  return { layout, edit, reset, state, view: base.view, error: base.error, saveAs, saveView, deleteView, viewId };
}

const STATE_TEXT = { loading: "Loading…", saving: "Saving…", saved: "Saved", edited: "Edited: not saved", error: "Not saved" };

// A page without named views (a group page): whether its layout is saved, and a way
// back to the automatic one.
export function LayoutBar({ layout }) {
  const [confirming, setConfirming] = useState(false);
  return html`
    <span class="ws-views-bar">
      <span class="muted ws-save-state" role="status" data-testid="save-state" data-state=${layout.state}>
        ${STATE_TEXT[layout.state] || ""}</span>
      ${confirming ? html`<span>Back to the automatic sections and panels?</span>
        <button data-testid="layout-reset-yes" onClick=${() => { layout.reset(); setConfirming(false); }}>Reset</button>
        <button onClick=${() => setConfirming(false)}>Keep</button>`
        : html`<button data-testid="layout-reset" onClick=${() => setConfirming(true)}>Reset layout…</button>`}
    </span>`;
}

export function ViewsMenu({ project, layout }) {
  const host = useRef(null);
  const [views, setViews] = useState(null);
  const [name, setName] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState(null);
  const named = layout.view;
  const load = () => {
    if (!host.current.open) return;
    setConfirming(false);
    getJSON(`/projects/${enc(project)}/views`).then((b) => setViews(b.views), setError);
  };
  const act = (fn) => () => { setError(null); Promise.resolve(fn()).catch(setError); };
  const mine = `${window.location.pathname}?${viewQuery()}`;
  return html`
    <span class="ws-views-bar">
      <span class="muted ws-save-state" role="status" data-testid="save-state" data-state=${layout.state}>
        ${STATE_TEXT[layout.state] || ""}</span>
      <details class="ws-views ws-pop" ref=${host} onToggle=${load}>
        <summary class="rf-button" data-testid="views-menu">View: ${named ? named.name : "My workspace"}${
          layout.state === "edited" ? " (edited)" : ""} ▾</summary>
        <div class="ws-pop-body ws-views-body" role="group" aria-label="Views">
          ${named ? html`<a href=${mine} data-testid="my-workspace">My workspace</a>` : null}
          <h4>Views of ${project}</h4>
          ${views === null ? html`<p class="muted">…</p>` : !views.length ? html`<p class="muted">No saved views yet.</p>` : html`
            <ul class="ws-view-list">${views.map((v) => html`<li>
              <a href=${`${window.location.pathname}?view=${enc(v.id)}`} data-testid="view-link"
                aria-current=${named && named.id === v.id ? "true" : undefined}>${v.name}</a>
              ${v.author ? html` <span class="muted">by ${v.author}</span>` : null}</li>`)}</ul>`}
          ${named ? html`<div class="ws-views-row">
            <button data-testid="view-save" onClick=${act(layout.saveView)}>Save changes to “${named.name}”</button>
            <button class="rf-danger" data-testid="view-delete" onClick=${act(layout.deleteView)}>Delete view</button>
          </div>` : null}
          <form class="ws-views-row" onSubmit=${(e) => { e.preventDefault(); if (name.trim()) act(() => layout.saveAs(name.trim()))(); }}>
            <label>Save as <input name="view-name" data-testid="view-name" placeholder="view name" value=${name}
              onInput=${(e) => setName(e.currentTarget.value)} /></label>
            <button type="submit" data-testid="view-save-as" disabled=${!name.trim()}>Save view</button>
          </form>
          <div class="ws-views-row">
            ${confirming ? html`<span>Back to the automatic sections and panels?</span>
              <button data-testid="layout-reset-yes" onClick=${() => { layout.reset(); setConfirming(false); host.current.open = false; }}>Reset</button>
              <button onClick=${() => setConfirming(false)}>Keep</button>`
              : html`<button data-testid="layout-reset" onClick=${() => setConfirming(true)}>Reset layout…</button>`}
          </div>
          ${error ? html`<p class="error inline" role="alert">${String(error.message || error)}</p>` : null}
        </div>
      </details>
    </span>`;
}
