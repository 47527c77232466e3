// Logged media values (REFs, W&B's shape: {"_type": "image-file", "path": ...}) as the
// UI reads them: what kind each is, where its file is, which step to show, and the
// geometry of an image's boxes and the colours of its masks. Pure: tested by node.
import { colorFor } from "./colors.js";

const KINDS = {
  "image-file": "image",
  "images/separated": "gallery",
  "audio-file": "audio",
  "video-file": "video",
  "html-file": "html",
  "object3D-file": "object3d",
  "plotly-file": "plotly",
  "table-file": "table",
  "media-list": "list",
  chart: "chart",
};

export const isRef = (value) =>
  !!value && typeof value === "object" && !Array.isArray(value) && typeof value._type === "string";

// The view a REF gets: image, gallery, audio, video, html, object3d, plotly, table,
// list, chart, or "unknown" (shown as its JSON).
export const mediaKind = (ref) => (isRef(ref) && KINDS[ref._type]) || "unknown";

// A type's words for people ("image-file" -> "image").
export const KIND_LABELS = {
  image: "image", gallery: "images", audio: "audio", video: "video", html: "HTML",
  object3d: "3-D object", plotly: "plotly figure", table: "table", list: "media list",
  chart: "chart", unknown: "value",
};
export const kindOfType = (type) => KINDS[type] || "unknown";

const enc = encodeURIComponent;
const pathOf = (path) => String(path).split("/").map(enc).join("/");

// A file of a run, as the files route serves it.
export const fileUrl = (project, runId, path) =>
  `/api/v1/projects/${enc(project)}/runs/${enc(runId)}/files/${pathOf(path)}`;

// A media key in a URL path (its slashes kept: "eval/examples").
export const keyPath = pathOf;

// The index of the largest step <= `step` in ascending `steps` (the last when `step`
// is null; the first when every step is later).
export function stepIndexAt(steps, step) {
  if (!steps.length) return -1;
  if (step === null || step === undefined) return steps.length - 1;
  let lo = 0;
  let hi = steps.length - 1;
  if (steps[0] > step) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (steps[mid] <= step) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// A box's rectangle in image pixels: {x, y, w, h}. Positions are pixels when domain
// is "pixel", else fractions of the image; either {minX, maxX, minY, maxY} or
// {middle: [x, y], width, height}. null for a box without a usable position.
export function boxRect(box, width, height) {
  const p = (box && box.position) || {};
  const sx = box && box.domain === "pixel" ? 1 : width;
  const sy = box && box.domain === "pixel" ? 1 : height;
  let x0; let x1; let y0; let y1;
  if (Array.isArray(p.middle)) {
    const [mx, my] = p.middle;
    x0 = mx - p.width / 2; x1 = mx + p.width / 2;
    y0 = my - p.height / 2; y1 = my + p.height / 2;
  } else {
    [x0, x1, y0, y1] = [p.minX, p.maxX, p.minY, p.maxY];
  }
  const nums = [x0, x1, y0, y1].map(Number);
  if (!nums.every(Number.isFinite)) return null;
  [x0, x1, y0, y1] = nums;
  return { x: Math.min(x0, x1) * sx, y: Math.min(y0, y1) * sy, w: Math.abs(x1 - x0) * sx, h: Math.abs(y1 - y0) * sy };
}

// A box's label: its caption, else its class's name; with its scores ("cat 0.93").
export function boxLabel(box, labels) {
  const name = box.box_caption ?? (labels || {})[String(box.class_id)] ?? (box.class_id ?? "");
  const scores = Object.entries(box.scores || {})
    .map(([k, v]) => `${k} ${typeof v === "number" ? +v.toFixed(3) : v}`);
  return [String(name), ...scores].filter(Boolean).join(" ");
}

// The legend of an image: per mask and box set, its classes ({set, kind, id, label,
// color}) in id order. A box set lists the classes its boxes use (or its labels when
// it has none); a mask lists its labels (which ids it holds is known once drawn).
export function overlayClasses(ref) {
  const out = [];
  for (const [set, mask] of Object.entries((ref && ref.masks) || {})) {
    const labels = (mask && mask.class_labels) || {};
    for (const id of sortedIds(Object.keys(labels))) {
      out.push({ set, kind: "mask", id, label: labels[id], color: colorFor(Number(id)) });
    }
  }
  for (const [set, boxes] of Object.entries((ref && ref.boxes) || {})) {
    const labels = (boxes && boxes.class_labels) || {};
    const used = new Set(((boxes && boxes.box_data) || []).map((b) => String(b.class_id)));
    const ids = used.size ? [...used] : Object.keys(labels);
    for (const id of sortedIds(ids)) {
      out.push({ set, kind: "boxes", id, label: labels[id] ?? `class ${id}`, color: colorFor(Number(id)) });
    }
  }
  return out;
}

const sortedIds = (ids) => [...ids].sort((a, b) => Number(a) - Number(b) || String(a).localeCompare(String(b)));

// The name of a class toggle: a class of one set is shown or hidden on its own.
export const classToggle = (set, id) => `${set}\u0000${id}`;

export function hexRGB(hex) {
  const h = hex.replace("#", "");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}

// A mask's pixels (RGBA, class id in the red channel: masks are 8-bit grey PNGs) as a
// coloured overlay: each pixel of a shown class gets its colour at `alpha`, class 0
// (background) and hidden classes stay clear. Returns [RGBA, the ids present].
export function paintMask(rgba, isShown, alpha = 140) {
  const out = new Uint8ClampedArray(rgba.length);
  const present = new Set();
  const cache = new Map();
  for (let i = 0; i < rgba.length; i += 4) {
    const id = rgba[i];
    if (rgba[i + 3] === 0) continue;
    present.add(id);
    if (id === 0) continue;
    let rgb = cache.get(id);
    if (rgb === undefined) {
      rgb = isShown(id) ? hexRGB(colorFor(id)) : null;
      cache.set(id, rgb);
    }
    if (!rgb) continue;
    out[i] = rgb[0]; out[i + 1] = rgb[1]; out[i + 2] = rgb[2]; out[i + 3] = alpha;
  }
  return [out, [...present].sort((a, b) => a - b)];
}

// The images of a value: an image, a gallery's items, or a list's images.
export function imagesOf(ref) {
  const kind = mediaKind(ref);
  if (kind === "image") return [ref];
  if (kind === "gallery" || kind === "list") return (ref.items || []).filter((r) => mediaKind(r) === "image");
  return [];
}

// A value's short description: "image 64×48", "table 10×3", "audio 1.5 s".
export function describe(ref) {
  const kind = mediaKind(ref);
  const bits = [KIND_LABELS[kind]];
  if (kind === "image" && ref.width) bits.push(`${ref.width}×${ref.height}`);
  if (kind === "table" && ref.nrows !== undefined) bits.push(`${ref.nrows} rows × ${ref.ncols} columns`);
  if (kind === "audio" && ref.duration) bits.push(`${+Number(ref.duration).toFixed(2)} s`);
  if ((kind === "gallery" || kind === "list") && (ref.count ?? (ref.items || []).length)) {
    bits.push(`× ${ref.count ?? ref.items.length}`);
  }
  if (kind === "chart" && ref.chart) bits[0] = `${ref.chart.replace("_", " ")} chart`;
  return bits.join(" ");
}

// The order panels come in: pictures first (the grouped panels exist for them), then
// sound and video, figures and charts, tables, the rest; by key within each.
const RANK = { image: 0, gallery: 0, video: 1, audio: 1, list: 1, plotly: 2, chart: 2, table: 3 };

export function orderKeys(keys) {
  const rank = (k) => RANK[kindOfType(k.type)] ?? 4;
  return [...keys].sort((a, b) => rank(a) - rank(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
