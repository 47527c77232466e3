// One logged value, drawn by its kind: images and galleries (media-image.js), audio,
// video (a gif as an image), HTML in a sandboxed frame, a 3-D point cloud, a plotly
// figure (media-plotly.js, loaded only when one shows), a table (media-table.js) or a
// custom chart (media-chart.js). `compact` (the grouped panels' cells): the heavy
// kinds show a short description and a link to the run's own panel instead.
import { describe, fileUrl, mediaKind } from "../lib/media.js";
import { enc } from "../lib/api.js";
import { html } from "../lib/ui.js";
import { ChartView } from "./media-chart.js";
import { Gallery, ImageView, THUMB } from "./media-image.js";
import { PointCloud } from "./media-object3d.js";
import { PlotlyView } from "./media-plotly.js";
import { TableView } from "./media-table.js";

const NO_CLASSES = new Set();

// props: project, runId, value (a REF), mediaKey (for ids and links), hidden and
// onToggle (an image's classes shown, from its panel), compact.
export function MediaValue(props) {
  const { project, runId, value, compact } = props;
  const kind = mediaKind(value);
  const hidden = props.hidden || NO_CLASSES;
  const onToggle = props.onToggle || (() => {});
  const url = value && value.path ? fileUrl(project, runId, value.path) : null;
  switch (kind) {
    case "image":
      return html`<${ImageView} project=${project} runId=${runId} image=${value} hidden=${hidden}
        onToggle=${onToggle} thumb=${compact && THUMB} legend=${!compact} />`;
    case "gallery":
      return html`<${Gallery} project=${project} runId=${runId} value=${value} hidden=${hidden}
        onToggle=${onToggle} thumb=${compact && THUMB} legend=${!compact} />`;
    case "audio":
      return html`<figure class="md-figure md-audio" data-testid="media-audio">
        <audio controls preload="metadata" src=${url}></audio>
        <${Caption} value=${value} extra=${audioInfo(value)} /></figure>`;
    case "video":
      return html`<figure class="md-figure" data-testid="media-video">
        ${value.format === "gif" ? html`<img src=${url} alt=${value.caption || "logged video"} class="md-video" />`
          : html`<video controls preload="metadata" src=${url} class="md-video"></video>`}
        <${Caption} value=${value} /></figure>`;
    case "list":
      return html`<div class="md-strip" data-testid="media-list">
        ${(value.items || []).map((item, i) => html`<${MediaValue} key=${i} ...${props} value=${item} compact=${true} />`)}
      </div>`;
    default:
      break;
  }
  if (compact) return html`<${Compact} project=${project} runId=${runId} value=${value} mediaKey=${props.mediaKey} />`;
  switch (kind) {
    case "html":
      return html`<figure class="md-figure md-html" data-testid="media-html">
        <iframe sandbox="" src=${url} title=${value.caption || "logged HTML"} referrerpolicy="no-referrer"></iframe>
        <${Caption} value=${value} /></figure>`;
    case "object3d":
      return /\.json$/.test(value.path || "") ? html`<${PointCloud} url=${url} caption=${value.caption} />`
        : html`<${Download} url=${url} value=${value} />`;
    case "plotly":
      return html`<${PlotlyView} url=${url} />`;
    case "table":
      return html`<${TableView} project=${project} runId=${runId} value=${value} url=${url} />`;
    case "chart":
      return html`<${ChartView} project=${project} runId=${runId} spec=${value} mediaKey=${props.mediaKey} />`;
    default:
      return value && value.path ? html`<${Download} url=${url} value=${value} />`
        : html`<pre class="snippet md-unknown" data-testid="media-unknown">${JSON.stringify(value, null, 2)}</pre>`;
  }
}

// A file this page does not draw (a 3-D model, a molecule): what it is, to download.
function Download({ url, value }) {
  const name = value.path.split("/").pop();
  return html`<p class="md-download" data-testid="media-download">${`${value._type}: `}
    <a href=${url} download=${name}>${name}</a>
    ${value.caption ? html` <span class="muted">${value.caption}</span>` : null}</p>`;
}

function Caption({ value, extra }) {
  const text = [value.caption, extra].filter(Boolean).join(" · ");
  return text ? html`<figcaption data-testid="media-caption">${text}</figcaption>` : null;
}

const audioInfo = (v) => [
  v.duration ? `${+Number(v.duration).toFixed(2)} s` : "",
  v.sample_rate ? `${v.sample_rate} Hz` : "",
].filter(Boolean).join(", ");

// A table, chart, figure, page or 3-D object in a small cell: what it is, and a link
// to the run's page where it is drawn in full.
function Compact({ project, runId, value, mediaKey }) {
  const href = `/projects/${enc(project)}/runs/${enc(runId)}${mediaKey ? `#media-${encodeURIComponent(mediaKey)}` : ""}`;
  return html`<div class="md-compact" data-testid="media-compact">
    <a href=${href}>${describe(value)}</a>
    ${value.title || value.caption ? html`<span class="muted">${value.title || value.caption}</span>` : null}
  </div>`;
}
