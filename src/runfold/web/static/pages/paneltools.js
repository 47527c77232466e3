// The bar above the panels: search panels by metric (a regular expression), the x axis
// every line panel uses unless its own settings say otherwise (x= in the address), a
// new section, and the Facet by / Dash by controls (children).
import { html } from "../lib/ui.js";
import { addSection } from "../lib/workspace.js";
import { X_LABELS } from "./chartdraw.js";

export function WorkspaceTools({ layout, search, onSearch, x, onX, keys, children }) {
  const newSection = () => layout.edit((l) => addSection(l)[0]);
  return html`
    <div class="ws-tools" data-testid="workspace-tools">
      <input type="search" class="ws-search" data-testid="panel-search" aria-label="Search panels by metric (regular expression)"
        placeholder="Search panels: loss, ^eval/" value=${search} onInput=${(e) => onSearch(e.currentTarget.value)} />
      <label>X axis <select name="page-x" data-testid="page-x" value=${x} onChange=${(e) => onX(e.currentTarget.value)}>
        ${Object.entries(X_LABELS).map(([v, l]) => html`<option value=${v}>${l}</option>`)}
        ${x in X_LABELS ? null : html`<option value=${x}>${x}</option>`}
        ${keys.filter((k) => !k.startsWith("system/") && k !== x).map((k) => html`<option value=${k}>${k}</option>`)}
      </select></label>
      <button class="rf-button" data-testid="add-section" onClick=${newSection} disabled=${!layout.layout}>+ Section</button>
      ${children}
    </div>`;
}
