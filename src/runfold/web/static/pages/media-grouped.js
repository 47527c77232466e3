// The workspace's and the group page's media: a panel per media key of the project,
// showing per group (the page's grouping, filter and hidden runs, as the charts follow
// them) the values of its runs side by side at one step, chosen with the panel's
// slider: the folds or seeds of one experiment compared at a glance. Without grouping,
// one cell per run. Runs past the panel's limit, and hidden groups, are named on it.
// The step picked is kept in the address (step.<media key>=N, pages/media.js).
import { enc, getJSON } from "../lib/api.js";
import { colorFor } from "../lib/colors.js";
import { KIND_LABELS, kindOfType, orderKeys, stepIndexAt } from "../lib/media.js";
import { leftOutNote, mediaFilters, mediaParams, mediaPath, mediaView } from "../lib/mediaquery.js";
import { useLiveFetch } from "../lib/live.js";
import { readView } from "../lib/url.js";
import { html, useEffect, useMemo, useState } from "../lib/ui.js";
import { Capped, StepSlider, useStepParam } from "./media.js";
import { MediaValue } from "./media-view.js";

const FIRST_PANELS = 6;
const RUNS = 48; // runs per panel at first; "Show more" asks for more
const MAX_RUNS = 1000; // the server's most
const SLIDE_MS = 120; // a slider drag asks once it rests this long

// What the panels show, for tests: window.__runfoldMediaGroups[key] = the answer.
const debug = (window.__runfoldMediaGroups = window.__runfoldMediaGroups || {});

// Props: project; filters (the page's own, e.g. {group}); defaultBy (the page's
// grouping when the address names none).
export function MediaGroups({ project, filters, defaultBy }) {
  const [keys, setKeys] = useState(null);
  const [error, setError] = useState(null);
  const [all, setAll] = useState(false);
  const view = useMediaView(defaultBy);
  // the page's own filters (a group page's group): keys only its runs logged
  const own = filters && Object.keys(filters).length ? JSON.stringify(filters) : "";
  useEffect(() => {
    let live = true;
    const query = own ? `?filters=${encodeURIComponent(own)}` : "";
    getJSON(`/projects/${enc(project)}/media-keys${query}`)
      .then((body) => live && setKeys(orderKeys(body.keys)))
      .catch((e) => live && setError(e));
    return () => { live = false; };
  }, [project, own]);
  const combined = useMemo(() => mediaFilters(filters, view.hiddenRuns),
    [JSON.stringify(filters || null), view.hiddenRuns.join("\n")]);
  if (error) {
    return html`<section><h2>Media</h2>
      <p class="error" role="alert">Could not load the media keys: ${String(error.message || error)}</p></section>`;
  }
  if (!keys || !keys.length) return null; // a project without media shows no section
  const shown = all ? keys : keys.slice(0, FIRST_PANELS);
  const ctx = { project, by: view.by, filters: combined, hiddenGroups: view.hiddenGroups };
  return html`<section class="md-grouped" data-testid="media-groups">
    <h2>Media</h2>
    <${Capped} shown=${shown.length} total=${keys.length} onAll=${() => setAll(true)} />
    ${shown.map((k) => html`<${GroupedPanel} key=${k.key} info=${k} ctx=${ctx} />`)}
  </section>`;
}

// The page's view (lib/url.js), followed as the runs table changes it.
function useMediaView(defaultBy) {
  const [view, setView] = useState(() => mediaView(readView(), defaultBy));
  useEffect(() => {
    const follow = () => {
      const next = mediaView(readView(), defaultBy);
      setView((prev) => (JSON.stringify(prev) === JSON.stringify(next) ? prev : next));
    };
    window.addEventListener("runfold:view", follow);
    return () => window.removeEventListener("runfold:view", follow);
  }, []);
  return view;
}

function GroupedPanel({ info, ctx }) {
  const { project, by, filters, hiddenGroups } = ctx;
  // null: each run's last value; a step picked is kept in the address (step.<key>=N)
  const [step, setStep] = useStepParam(info.key);
  const [asked, setAsked] = useState(step); // the step asked for (after the slider rests)
  const [limit, setLimit] = useState(RUNS);
  const path = mediaPath(project, mediaParams({ by, filters }, info.key, asked, limit));
  useEffect(() => {
    const timer = setTimeout(() => setAsked(step), step === asked ? 0 : SLIDE_MS);
    return () => clearTimeout(timer);
  }, [step]);
  // the last answer stays while the next step loads; an answer with runs still running
  // (`running` > 0) is asked again, as the charts are
  const [answer, error] = useLiveFetch(path, () => getJSON(path), (b) => (b.running || 0) > 0, info.key);
  useEffect(() => { if (answer) debug[info.key] = answer; }, [answer]);
  const grouped = by.length > 0;
  const steps = answer ? answer.steps : [];
  const index = stepIndexAt(steps, step);
  const groups = answer ? answer.groups.filter((g) => !hiddenGroups.includes(JSON.stringify(g.key))) : [];
  const hiddenCount = answer ? answer.groups.length - groups.length : 0;
  const note = answer ? leftOutNote(answer, hiddenCount, grouped) : "";
  const kind = kindOfType(info.type);
  // the step the cells are at: the one asked for, or the latest any run logged
  const shownStep = answer ? answer.step ?? (steps.length ? steps[steps.length - 1] : null) : null;
  return html`<section class="panel md-panel md-group-panel" data-testid="media-group-panel" data-key=${info.key}
    data-step=${answer && answer.step !== null ? answer.step : ""}>
    <div class="rf-panel-head">
      <h3 title=${info.key}>${info.key}</h3>
      <span class="muted md-meta">${KIND_LABELS[kind]} · ${info.runs} ${info.runs === 1 ? "run" : "runs"}</span>
    </div>
    ${error ? html`<p class="error">Could not load ${info.key}: ${String(error.message || error)}</p>` : null}
    ${!answer && !error ? html`<p class="loading">Loading…</p>` : null}
    ${steps.length > 1 ? html`<${StepSlider} steps=${steps} index=${index} label=${info.key}
      onPick=${(i) => setStep(steps[i])} />` : null}
    ${note ? html`<p class="note md-left-out" data-testid="media-left-out">${note}
      ${answer.total > answer.shown && limit < MAX_RUNS ? html` <button class="rf-link"
        onClick=${() => setLimit(Math.min(MAX_RUNS, limit * 4))}>Show more</button>` : null}</p>` : null}
    ${answer && !answer.groups.length ? html`<p class="muted">No run shown here logged ${info.key}.</p>` : null}
    <div class=${grouped ? "md-group-rows" : "md-strip md-run-strip"}>
      ${groups.map((g) => (grouped
        ? html`<${GroupRow} key=${JSON.stringify(g.key)} group=${g} color=${colorFor(g.index ?? answer.groups.indexOf(g))}
            project=${project} mediaKey=${info.key} step=${shownStep} />`
        : g.runs.map((r) => html`<${RunCell} key=${r.id} run=${r} project=${project} mediaKey=${info.key}
            step=${shownStep} color=${colorFor(g.index ?? answer.groups.indexOf(g))} />`)))}
    </div>
  </section>`;
}

function GroupRow({ group, color, project, mediaKey, step }) {
  return html`<div class="md-group-row" data-testid="media-group" data-group=${JSON.stringify(group.key)}>
    <div class="md-group-name"><i class="swatch" style=${{ background: color }}></i>${group.name}
      <span class="muted">${group.runs.length} ${group.runs.length === 1 ? "run" : "runs"}</span></div>
    <div class="md-strip">
      ${group.runs.map((r) => html`<${RunCell} key=${r.id} run=${r} project=${project} mediaKey=${mediaKey}
        step=${step} />`)}
    </div>
  </div>`;
}

// One run's value, its name (a link to the run), and its step when that is not the
// step asked for (the run logged the key last before it).
function RunCell({ run, project, mediaKey, step, color }) {
  const earlier = step !== null && run.step !== step;
  return html`<div class="md-run-cell" data-testid="media-run" data-run=${run.id} data-step=${run.step}>
    <${MediaValue} project=${project} runId=${run.id} value=${run.value} mediaKey=${mediaKey} compact=${true} />
    <div class="md-run-name">${color ? html`<i class="swatch" style=${{ background: color }}></i>` : null}
      <a href=${`/projects/${enc(project)}/runs/${enc(run.id)}`} title=${run.name}>${run.name}</a>
      ${earlier ? html` <span class="muted" title=${`its last ${mediaKey} at or before step ${step}`}>
        step ${run.step}</span>` : null}
    </div>
  </div>`;
}
