// A report's blocks as the reader sees them, each live from the store: charts are the
// workspace's ChartsSection (it fetches again every 5 s while a drawn run is running),
// runs tables and group summaries fetch again while one of their runs is running.
import { enc, getJSON } from "../lib/api.js";
import { colorFor, groupColor, runColor } from "../lib/colors.js";
import { FilterError, parseFilter, splitText, withText } from "../lib/filterexpr.js";
import { useLiveFetch } from "../lib/live.js";
import { chartSettings, isImagePath } from "../lib/reportblocks.js";
import { columnsOf, defaultColumns, exact, lookup, runValue } from "../lib/runvalues.js";
import { html, useState } from "../lib/ui.js";
import { ChartsSection } from "./charts.js";
import { fmt } from "./common.js";
import { Overview } from "./group.js";
import { Markdown } from "./report-markdown.js";
import { aggregateText } from "./runstable.js";

const RUN_LIMIT = 1000;
const filtersParam = (filters) => (filters && Object.keys(filters).length ? JSON.stringify(filters) : undefined);
const running = (runs) => (runs || []).some((r) => r.state === "running");

export function Block({ project, block, index }) {
  const View = VIEWS[block.type] || UnknownBlock;
  return html`
    <section class=${`rf-block rf-block-${block.type}`} data-testid="report-block" data-type=${block.type}
      data-index=${index}>
      <${View} project=${project} block=${block} />
    </section>`;
}

const VIEWS = {
  markdown: MarkdownBlock, chart: ChartBlock, runs: RunsBlock, group: GroupBlock, file: FileBlock,
};

function UnknownBlock({ block }) {
  return html`<p class="muted">A block of type “${String(block.type)}” this page cannot show.</p>`;
}

function MarkdownBlock({ block }) {
  return html`<${Markdown} text=${block.text} />`;
}

// The block's own settings go to every panel (ChartsSection's `settings`: the panels
// start from them and keep them out of the address); the key remounts the panels
// when the block changes.
function ChartBlock({ project, block }) {
  const settings = chartSettings(block);
  if (!block.metrics || !block.metrics.length) {
    return html`<p class="muted">No metrics chosen for this chart.</p>`;
  }
  return html`
    <div class="rf-block-chart" data-metrics=${block.metrics.join("\n")}>
      <${ChartsSection} key=${JSON.stringify([block.metrics, block.by, block.filters, settings])}
        project=${project} by=${block.by} filters=${block.filters || undefined} metricKeys=${block.metrics}
        limit=${block.metrics.length} settings=${settings} colorOf=${colorFor} />
    </div>`;
}

function describe(block, textError) {
  const parts = [];
  if (block.by && block.by.length) parts.push(`grouped by ${block.by.join(", then ")}`);
  const { text, rest } = splitText(block.filters);
  const q = textError ? "" : [text, block.q].filter(Boolean).join(" ");
  if (q) parts.push(`filtered by “${q}”`);
  if (rest) parts.push(`runs matching ${JSON.stringify(rest)}`);
  return parts.join(" · ");
}

function textError(text) {
  try {
    parseFilter(text);
    return null;
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    return e.message;
  }
}

// The block's runs and group rows as the server picks them from every run of the
// project: its filter with its text filter `q` ({"$text": q}).
function RunsBlock({ project, block }) {
  const by = block.by || [];
  const qError = textError(block.q);
  const filters = filtersParam(withText(block.filters, qError ? "" : block.q));
  const [body, error] = useLiveFetch(
    qError ? null : JSON.stringify([project, filters, by]),
    () => getJSON(`/projects/${enc(project)}/runs`, { filters, limit: RUN_LIMIT, by: by.length ? by : undefined }),
    (b) => running(b.runs),
  );
  if (error) return html`<p class="error" role="alert">${String(error.message || error)}</p>`;
  if (qError) return html`<p class="error" role="alert">This table's filter “${block.q}” does not parse: ${qError}</p>`;
  if (!body) return html`<p class="loading">Loading runs…</p>`;
  const columnIds = block.columns && block.columns.length ? block.columns : defaultColumns(columnsOf(body.runs));
  const columns = columnIds.map((id) => ({
    id, label: id.replace(/^(config|summary)\./, ""), summary: id.startsWith("summary."),
  }));
  const groups = by.length ? body.groups || [] : null;
  const caption = describe(block, qError);
  return html`
    <div class="rf-block-runs">
      ${caption ? html`<p class="muted note">${caption}</p>` : null}
      <div class="table-wrap">
        <table class="grid runs" data-testid="report-runs">
          <thead><tr>
            <th>${by.length ? "Group" : "Name"}</th><th>State</th>
            ${columns.map((c) => html`<th class=${c.summary ? "num" : ""} data-col=${c.id}>${c.label}</th>`)}
          </tr></thead>
          <tbody>
            ${by.length
              ? groups.map((g, i) => html`<${GroupLine} project=${project} group=${g} by=${by}
                  columns=${columns} color=${groupColor(i)} />`)
              : body.runs.map((r, i) => html`<${RunLine} project=${project} run=${r} columns=${columns}
                  color=${runColor(i)} />`)}
          </tbody>
        </table>
      </div>
      <p class="muted note" data-testid="report-runs-count">${body.total} ${body.total === 1 ? "run" : "runs"}${
        groups ? ` in ${groups.length} ${groups.length === 1 ? "group" : "groups"}` : ""}${
        !by.length && body.total > body.runs.length ? ` (the first ${body.runs.length} listed)` : ""}</p>
    </div>`;
}

const cell = (v) => (v === "mixed" ? html`<span class="mixed">mixed</span>` : exact(v));

function GroupLine({ project, group, by, columns, color }) {
  const gi = by.indexOf("group");
  const name = gi >= 0 ? group.key[gi] : null;
  return html`
    <tr class="group" data-testid="report-group-row" data-key=${JSON.stringify(group.key)}>
      <td><span class="swatch" style=${{ background: color }}></span>
        ${name !== null && name !== undefined
          ? html`<a class="rf-gname" href=${`/projects/${enc(project)}/groups/${enc(name)}`}>${group.name}</a>`
          : html`<span class="rf-gname">${group.name}</span>`}
        <span class="muted rf-count">${group.count} ${group.count === 1 ? "run" : "runs"}</span></td>
      <td>${group.state}</td>
      ${columns.map((c) => c.summary
        ? html`<td class="num" data-col=${c.id}>${aggregateText((group.summary || {})[c.label], "mean")}</td>`
        : html`<td data-col=${c.id}>${cell(lookup(group.config, c.label))}</td>`)}
    </tr>`;
}

function RunLine({ project, run, columns, color }) {
  return html`
    <tr data-testid="report-run-row" data-id=${run.id}>
      <td><span class="swatch" style=${{ background: color }}></span>
        <a href=${`/projects/${enc(project)}/runs/${enc(run.id)}`}>${run.name}</a></td>
      <td><span class=${`state ${run.state}`}>${run.state}</span></td>
      ${columns.map((c) => html`<td class=${c.summary ? "num" : ""} data-col=${c.id}>
        ${c.summary ? fmt(runValue(run, c.id)) : exact(runValue(run, c.id))}</td>`)}
    </tr>`;
}

function GroupBlock({ project, block }) {
  const [body, error] = useLiveFetch(
    block.group ? JSON.stringify([project, block.group]) : null,
    () => getJSON(`/projects/${enc(project)}/groups`, { by: "group", filters: JSON.stringify({ group: block.group }) }),
    (b) => b.groups.some((g) => (g.states || {}).running > 0),
  );
  if (!block.group) return html`<p class="muted">No group chosen.</p>`;
  if (error) return html`<p class="error" role="alert">${String(error.message || error)}</p>`;
  if (!body) return html`<p class="loading">Loading ${block.group}…</p>`;
  const row = body.groups[0];
  return html`
    <div class="rf-block-group" data-group=${block.group}>
      <h3><a href=${`/projects/${enc(project)}/groups/${enc(block.group)}`}>${block.group}</a></h3>
      ${row ? html`<${Overview} row=${row} />`
        : html`<p class="muted">No runs in group “${block.group}” (yet).</p>`}
    </div>`;
}

export const fileURL = (project, run, path) =>
  `/api/v1/projects/${enc(project)}/runs/${enc(run)}/files/${path.split("/").map(enc).join("/")}`;

function FileBlock({ project, block }) {
  const [broken, setBroken] = useState(false);
  if (!block.run || !block.path) return html`<p class="muted">No file chosen.</p>`;
  const url = fileURL(project, block.run, block.path);
  const runLink = html`<a href=${`/projects/${enc(project)}/runs/${enc(block.run)}`}>run ${block.run}</a>`;
  return html`
    <figure class="rf-block-file" data-run=${block.run} data-path=${block.path}>
      ${isImagePath(block.path) && !broken
        ? html`<img src=${url} alt=${`${block.path} of run ${block.run}`} onError=${() => setBroken(true)} />`
        : null}
      ${broken ? html`<p class="error" role="alert">The run has no file “${block.path}” here (or it is not an
        image this browser shows).</p>` : null}
      <figcaption><a href=${url} download>${block.path}</a> · ${runLink}</figcaption>
    </figure>`;
}
