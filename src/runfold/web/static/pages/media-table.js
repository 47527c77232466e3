// A logged table: sort by a column (click its header), filter by text, pick the
// columns shown; media cells (images, audio ...) drawn as thumbnails. Long tables show
// a page of rows at a time and say how many there are.
import { describe, fileUrl, isRef, mediaKind } from "../lib/media.js";
import { mediaJSON } from "../lib/mediafetch.js";
import { cellText, isNumberColumn, nextSort, shownColumns, tableRows } from "../lib/mediatable.js";
import { html, useEffect, useMemo, useState } from "../lib/ui.js";
import { Gallery, ImageView } from "./media-image.js";

const PAGE = 50;
const CELL_THUMB = 64;
const NO_CLASSES = new Set();
const ignore = () => {};

export function TableView({ project, runId, value, url }) {
  const [doc, setDoc] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    setError(null);
    mediaJSON(url).then((d) => live && setDoc(d), (e) => live && setError(e));
    return () => { live = false; };
  }, [url]);
  if (error) return html`<p class="error">Could not load the table: ${String(error.message || error)}</p>`;
  if (!doc) return html`<p class="loading">Loading the table (${value.nrows ?? "?"} rows)…</p>`;
  return html`<${Table} project=${project} runId=${runId} doc=${doc} />`;
}

// The view (filter, sort, columns) outlives a change of step: the same table logged
// again keeps its columns, so the panel keeps the view; a column that went away is
// left out of it.
export function Table({ project, runId, doc, title }) {
  const columns = doc.columns || [];
  const rows = doc.data || [];
  const [text, setText] = useState("");
  const [sort, setSort] = useState(null); // {name, desc}
  const [picked, setPicked] = useState(null); // column names, or null: all
  const [limit, setLimit] = useState(PAGE);
  const cols = shownColumns(columns, picked);
  const sortIndex = sort ? columns.indexOf(sort.name) : -1;
  const order = useMemo(
    () => tableRows(rows, { text, sort: sortIndex >= 0 ? { index: sortIndex, desc: sort.desc } : null, columns: cols }),
    [doc, text, sortIndex, sort && sort.desc, cols.join()],
  );
  const numeric = useMemo(() => columns.map((_, i) => isNumberColumn(rows, i)), [doc]);
  const onHeader = (i) => {
    const next = nextSort(sortIndex >= 0 ? { index: sortIndex, desc: sort.desc } : null, i);
    setSort(next ? { name: columns[next.index], desc: next.desc } : null);
  };
  const shown = order.slice(0, limit);
  return html`<div class="md-table" data-testid="media-table">
    <div class="toolbar md-table-tools">
      ${title ? html`<strong>${title}</strong>` : null}
      <input type="search" placeholder="Filter rows" value=${text} aria-label="Filter the table's rows"
        data-testid="media-table-filter" onInput=${(e) => { setText(e.target.value); setLimit(PAGE); }} />
      <${ColumnPicker} columns=${columns} picked=${picked} onPick=${setPicked} />
      <span class="muted" data-testid="media-table-count">${text
        ? `${order.length} of ${rows.length} rows match` : `${rows.length} ${rows.length === 1 ? "row" : "rows"}`}</span>
    </div>
    <div class="table-wrap md-table-wrap"><table class="grid md-grid">
      <thead><tr>${cols.map((i) => html`<th class=${`${numeric[i] ? "num" : ""}${i === sortIndex ? " sorted" : ""}`}
        data-column=${columns[i]} onClick=${() => onHeader(i)} aria-sort=${i !== sortIndex ? "none"
          : sort.desc ? "descending" : "ascending"}>${columns[i]}${i === sortIndex ? (sort.desc ? " ▾" : " ▴") : ""}</th>`)}</tr></thead>
      <tbody>${shown.map((r) => html`<tr key=${r} data-row=${r}>
        ${cols.map((i) => html`<td class=${numeric[i] ? "num" : ""} data-column=${columns[i]}>
          <${Cell} cell=${rows[r][i]} project=${project} runId=${runId} /></td>`)}</tr>`)}</tbody>
    </table></div>
    ${order.length > shown.length ? html`<p class="note" data-testid="media-table-more">
      ${`Showing ${shown.length} of ${order.length} rows. `}
      <button class="rf-link" onClick=${() => setLimit(limit + PAGE * 4)}>Show more</button></p>` : null}
  </div>`;
}

function Cell({ cell, project, runId }) {
  if (isRef(cell)) return html`<${MediaCell} cell=${cell} project=${project} runId=${runId} />`;
  if (typeof cell === "number") {
    const text = Number.isInteger(cell) ? String(cell) : String(Number(cell.toPrecision(6)));
    return html`<span title=${String(cell)}>${text}</span>`;
  }
  if (cell === null || cell === undefined) return html`<span class="muted">–</span>`;
  return cellText(cell);
}

// A media cell: an image (with its boxes and masks) or a gallery as thumbnails, audio
// as a player, anything else as what it is.
function MediaCell({ cell, project, runId }) {
  const kind = mediaKind(cell);
  if (kind === "image") {
    return html`<${ImageView} project=${project} runId=${runId} image=${cell} hidden=${NO_CLASSES}
      onToggle=${ignore} legend=${false} thumb=${CELL_THUMB} />`;
  }
  if (kind === "gallery") {
    return html`<${Gallery} project=${project} runId=${runId} value=${cell} hidden=${NO_CLASSES}
      onToggle=${ignore} thumb=${CELL_THUMB} legend=${false} />`;
  }
  if (kind === "audio") return html`<audio controls preload="none" src=${fileUrl(project, runId, cell.path)}></audio>`;
  return html`<span class="muted">${describe(cell)}</span>`;
}

function ColumnPicker({ columns, picked, onPick }) {
  const on = new Set(picked || columns);
  const flip = (name) => {
    const next = columns.filter((c) => (c === name ? !on.has(c) : on.has(c)));
    onPick(next.length === columns.length ? null : next);
  };
  return html`<details class="md-columns" data-testid="media-table-columns">
    <summary>Columns${picked ? ` (${picked.length} of ${columns.length})` : ""}</summary>
    <div class="md-columns-list">
      ${columns.map((c) => html`<label><input type="checkbox" checked=${on.has(c)} data-column=${c}
        onChange=${() => flip(c)} /> ${c}</label>`)}
      ${picked ? html`<button class="rf-link" onClick=${() => onPick(null)}>Show all</button>` : null}
    </div>
  </details>`;
}
