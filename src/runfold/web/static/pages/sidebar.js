// The workspace's runs sidebar: the runs table in its compact form (name, state,
// colour, eye and the grouping tree, with the filter box and the Group control),
// collapsible, resizable (drag its edge, or arrow keys on it), and one click from the
// full runs table (`table=1` in the address: the sidebar takes the whole width).
import { html } from "../lib/ui.js";
import { updateParams } from "../lib/url.js";
import { RunsTable } from "./runstable.js";

const setTable = (open) => updateParams((q) => { if (open) q.set("table", "1"); else q.delete("table"); });

export function RunsSidebar({ project, filters, defaultBy, autoOff, source, tableOpen, side, groupLinks }) {
  if (side.collapsed && !tableOpen) {
    return html`<aside class="ws-side ws-side-rail" aria-label="Runs" data-testid="group-sidebar">
      <button class="rf-icon" data-testid="side-expand" title="Show the runs" aria-label="Show the runs"
        onClick=${() => side.setCollapsed(false)}>»</button>
      <span class="ws-rail-label" aria-hidden="true">Runs</span>
    </aside>`;
  }
  return html`
    <aside class=${`ws-side${tableOpen ? " ws-side-full" : ""}`} aria-label="Runs" data-testid="group-sidebar">
      <div class="ws-side-head">
        <h2>Runs</h2>
        <button class="rf-button" data-testid="table-toggle" aria-pressed=${tableOpen ? "true" : "false"}
          title=${tableOpen ? "Back to the panels, with the runs beside them" : "Expand into the full runs table (all columns)"}
          onClick=${() => setTable(!tableOpen)}>${tableOpen ? "⇤ Panels" : "⤢ Full table"}</button>
        ${tableOpen ? null : html`<button class="rf-icon" data-testid="side-collapse" title="Hide the runs sidebar"
          aria-label="Hide the runs sidebar" onClick=${() => side.setCollapsed(true)}>«</button>`}
      </div>
      <${RunsTable} project=${project} filters=${filters} defaultBy=${defaultBy} autoOff=${autoOff}
        compact=${!tableOpen} source=${source} groupLinks=${groupLinks} />
      ${tableOpen ? null : html`<div class="ws-side-resize" role="separator" aria-orientation="vertical" tabindex="0"
        aria-label="Sidebar width (arrow keys)" aria-valuenow=${side.width} aria-valuemin="220" aria-valuemax="720"
        data-testid="side-resize" onPointerDown=${(e) => drag(e, side)}
        onKeyDown=${(e) => {
          if (e.key === "ArrowLeft") { e.preventDefault(); side.setWidth(side.width - 20); }
          if (e.key === "ArrowRight") { e.preventDefault(); side.setWidth(side.width + 20); }
        }}></div>`}
    </aside>`;
}

function drag(e, side) {
  e.preventDefault();
  const start = e.clientX;
  const from = side.width;
  const edge = e.currentTarget;
  edge.setPointerCapture(e.pointerId);
  const move = (ev) => side.setWidth(from + ev.clientX - start);
  const up = () => {
    edge.removeEventListener("pointermove", move);
    edge.removeEventListener("pointerup", up);
  };
  edge.addEventListener("pointermove", move);
  edge.addEventListener("pointerup", up);
}
