// The run page's media: a panel per media key (images, audio, video, HTML, 3-D
// objects, plotly figures, tables, custom charts), each with a step slider over the
// steps the key was logged at. A running run's keys and steps refresh with the page.
// A step picked on a slider (here or on a grouped panel, pages/media-grouped.js) is
// kept in the address as step.<media key>=N, so a reload or a link shows that step.
import { enc, getJSON } from "../lib/api.js";
import { KIND_LABELS, kindOfType, keyPath, orderKeys } from "../lib/media.js";
import { readParams, updateParams } from "../lib/url.js";
import { html, useEffect, useRef, useState } from "../lib/ui.js";
import { MediaValue } from "./media-view.js";

const FIRST_PANELS = 12;
// Kinds drawn across the section's whole width.
const WIDE = new Set(["table", "chart", "plotly", "html"]);

const failed = (what, error) => `Could not load ${what}: ${error.message || error}`;

// What the panels draw, for tests: window.__runfoldMedia[key] = {step, index, value}.
const debug = (window.__runfoldMedia = window.__runfoldMedia || {});

// tick: changes while the run is live, so the keys are fetched again.
export function MediaSection({ project, runId, tick }) {
  const [keys, setKeys] = useState(null);
  const [error, setError] = useState(null);
  const [all, setAll] = useState(false);
  useEffect(() => {
    let live = true;
    getJSON(`/projects/${enc(project)}/runs/${enc(runId)}/media`)
      .then((body) => live && (setKeys(orderKeys(body.keys)), setError(null)))
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [project, runId, tick]);
  useEffect(() => { // a link to one panel (#media-<key>): the panel exists only now
    const id = decodeURIComponent(window.location.hash.slice(1));
    if (!keys || !id.startsWith("media-")) return;
    if (keys.findIndex((k) => `media-${k.key}` === id) >= FIRST_PANELS && !all) { setAll(true); return; }
    const el = document.getElementById(id);
    if (el) el.scrollIntoView({ block: "start" });
  }, [keys !== null, all]);
  if (error) return html`<p class="error" role="alert">${failed("the media", error)}</p>`;
  if (!keys) return html`<p class="loading">Loading media…</p>`;
  if (!keys.length) {
    return html`<p class="muted" data-testid="media-empty">No media logged. Log images, tables and
      charts like values: <code>run.log({"examples": [runfold.Image(array, caption="cat")]})</code>.</p>`;
  }
  const shown = all ? keys : keys.slice(0, FIRST_PANELS);
  return html`
    <${Capped} shown=${shown.length} total=${keys.length} onAll=${() => setAll(true)} />
    <div class="md-panels" data-testid="media">
      ${shown.map((k) => html`<${MediaPanel} key=${k.key} project=${project} runId=${runId} info=${k} />`)}
    </div>`;
}

export const stepParam = (mediaKey) => `step.${mediaKey}`;

const WRITE_MS = 150; // a slider's drag writes the address once it rests

// [step, setStep]: a media panel's step from the address (null: none there, or not a
// whole number: the latest); setting it writes the address too (null removes it), once
// the slider rests (every address change is news to the whole page).
export function useStepParam(mediaKey) {
  const [step, setStep] = useState(() => {
    const text = readParams().get(stepParam(mediaKey));
    const v = text === null || text.trim() === "" ? NaN : Number(text);
    return Number.isInteger(v) ? v : null;
  });
  const timer = useRef(null);
  useEffect(() => () => clearTimeout(timer.current), []);
  const set = (next) => {
    setStep(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => updateParams((p) => (next === null ? p.delete(stepParam(mediaKey))
      : p.set(stepParam(mediaKey), String(next)))), WRITE_MS);
  };
  return [step, set];
}

function MediaPanel({ project, runId, info }) {
  const [body, setBody] = useState(null);
  const [error, setError] = useState(null);
  const [picked, setPicked] = useStepParam(info.key); // a step; null follows the last one
  const [hidden, setHidden] = useState(() => new Set()); // classes turned off in the legend
  useEffect(() => {
    let live = true;
    getJSON(`/projects/${enc(project)}/runs/${enc(runId)}/media/${keyPath(info.key)}`)
      .then((b) => live && (setBody(b), setError(null)))
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [project, runId, info.key, info.steps, info.last]);
  const steps = body ? body.steps : [];
  const found = picked === null ? -1 : steps.findIndex((s) => s.step === picked);
  const index = found >= 0 ? found : steps.length - 1;
  const entry = index >= 0 ? steps[index] : null;
  const kind = kindOfType(entry ? entry.value._type : info.type);
  useEffect(() => {
    if (entry) debug[info.key] = { step: entry.step, index, steps: steps.map((s) => s.step), value: entry.value };
  }, [entry]);
  const toggle = (name) => setHidden((prev) => {
    const next = new Set(prev);
    if (next.has(name)) next.delete(name); else next.add(name);
    return next;
  });
  return html`
    <section class=${`panel md-panel${WIDE.has(kind) ? " md-wide" : ""}`} id=${`media-${info.key}`}
      data-testid="media-panel" data-key=${info.key} data-kind=${kind} data-step=${entry ? entry.step : ""}>
      <div class="rf-panel-head">
        <h3 title=${info.key}>${info.key}</h3>
        <span class="muted md-meta">${KIND_LABELS[kind]} · ${info.steps} ${info.steps === 1 ? "step" : "steps"}</span>
      </div>
      ${error ? html`<p class="error">${failed(info.key, error)}</p>` : null}
      ${!body && !error ? html`<p class="loading">Loading…</p>` : null}
      ${steps.length > 1 ? html`<${StepSlider} steps=${steps.map((s) => s.step)} index=${index} label=${info.key}
        onPick=${(i) => setPicked(steps[i].step)} />` : null}
      ${steps.length === 1 ? html`<p class="note md-one-step">step <span data-testid="media-step-value">${entry.step}</span></p>` : null}
      ${entry ? html`<${MediaValue} project=${project} runId=${runId} value=${entry.value} mediaKey=${info.key}
        hidden=${hidden} onToggle=${toggle} />` : null}
    </section>`;
}

// "Showing 12 of 14 media keys. Show all", when some are not shown.
export function Capped({ shown, total, onAll }) {
  if (total <= shown) return null;
  return html`<p class="note" data-testid="media-capped">${`Showing ${shown} of ${total} media keys. `}
    <button class="rf-link" onClick=${onAll}>Show all</button></p>`;
}

// A slider over a key's steps (their indices: uneven steps get even room), showing the
// step chosen. Also the grouped panels' slider.
export function StepSlider({ steps, index, label, onPick }) {
  return html`<label class="rp-step md-step">step
    <input type="range" min="0" max=${steps.length - 1} value=${index} aria-label=${`Step of ${label}`}
      data-testid="media-step" onInput=${(e) => onPick(Number(e.target.value))} />
    <span class="rf-num" data-testid="media-step-value">${steps[index]}</span>
    <span class="muted">(${index + 1} of ${steps.length})</span></label>`;
}
