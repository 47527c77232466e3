// One logged image with its overlays: masks as coloured layers (a canvas per mask,
// recoloured from the mask's class ids) and boxes as rectangles with captions, each
// class shown or hidden from the legend. A gallery shows its images as a strip.
import {
  boxLabel, boxRect, classToggle, fileUrl, imagesOf, overlayClasses, paintMask,
} from "../lib/media.js";
import { colorFor } from "../lib/colors.js";
import { html, useEffect, useRef, useState } from "../lib/ui.js";

// Small images (8×8 digits) are drawn larger, pixel for pixel; big ones fit the panel.
const MIN_SHOWN = 160;
export const THUMB = 128; // a thumbnail's width; thumb={64} for a smaller one

function shownWidth(image, thumb) {
  const w = image.width || 0;
  const least = thumb || MIN_SHOWN;
  if (!w) return thumb || null;
  if (w >= least) return thumb || w; // CSS keeps a big one inside its panel
  return w * Math.floor(least / w); // whole multiples keep the pixels square
}

// hidden: a Set of classToggle(set, id) not drawn; onToggle(name) flips one (the panel
// keeps the set, so a choice holds from step to step). legend: draw this image's legend.
// thumb: false, or the width of a thumbnail in pixels.
export function ImageView({ project, runId, image, hidden, onToggle, legend = true, thumb = false }) {
  const url = fileUrl(project, runId, image.path);
  const width = shownWidth(image, thumb);
  const small = image.width && width > image.width;
  const boxSets = Object.entries(image.boxes || {});
  return html`
    <figure class=${`md-figure${thumb ? " md-thumb" : ""}`} data-testid="media-image" data-path=${image.path}>
      <div class="md-stack" style=${width ? { width: `${width}px` } : null}>
        <img src=${url} alt=${image.caption || "logged image"} width=${image.width} height=${image.height}
          class=${small ? "md-pixelated" : ""} decoding="async" />
        ${Object.entries(image.masks || {}).map(([set, mask]) => html`<${MaskLayer} key=${set}
          url=${fileUrl(project, runId, mask.path)} set=${set} hidden=${hidden} />`)}
        ${boxSets.map(([set, boxes]) => html`<${BoxLayer} key=${set} set=${set} boxes=${boxes}
          image=${image} hidden=${hidden} thumb=${thumb} />`)}
      </div>
      ${image.caption ? html`<figcaption data-testid="media-caption">${image.caption}</figcaption>` : null}
      ${legend ? html`<${Legend} classes=${overlayClasses(image)} hidden=${hidden} onToggle=${onToggle} />` : null}
    </figure>`;
}

// A mask: its PNG's red channel is the class id; each shown class gets its colour.
function MaskLayer({ url, set, hidden }) {
  const canvas = useRef(null);
  const [pixels, setPixels] = useState(null); // {width, height, data}
  useEffect(() => {
    let live = true;
    const img = new Image();
    img.onload = () => {
      if (!live) return;
      const off = document.createElement("canvas");
      off.width = img.naturalWidth;
      off.height = img.naturalHeight;
      const ctx = off.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(img, 0, 0);
      setPixels({ width: off.width, height: off.height, data: ctx.getImageData(0, 0, off.width, off.height).data });
    };
    img.src = url;
    return () => { live = false; };
  }, [url]);
  useEffect(() => {
    if (!pixels) return;
    const el = canvas.current;
    el.width = pixels.width;
    el.height = pixels.height;
    const [rgba] = paintMask(pixels.data, (id) => !hidden.has(classToggle(set, String(id))));
    el.getContext("2d").putImageData(new ImageData(rgba, pixels.width, pixels.height), 0, 0);
  }, [pixels, hidden, set]);
  return html`<canvas ref=${canvas} class="md-mask" data-testid="media-mask" data-set=${set}></canvas>`;
}

function BoxLayer({ set, boxes, image, hidden, thumb }) {
  const labels = boxes.class_labels || {};
  const w = image.width || 1;
  const h = image.height || 1;
  return html`<div class="md-boxes" data-set=${set}>
    ${(boxes.box_data || []).map((box, i) => {
      if (hidden.has(classToggle(set, String(box.class_id)))) return null;
      const r = boxRect(box, w, h);
      if (!r) return null;
      const color = colorFor(Number(box.class_id));
      const place = {
        left: `${(100 * r.x) / w}%`, top: `${(100 * r.y) / h}%`,
        width: `${(100 * r.w) / w}%`, height: `${(100 * r.h) / h}%`, borderColor: color,
      };
      return html`<div class="md-box" key=${i} style=${place} data-testid="media-box" data-class=${box.class_id}>
        ${thumb ? null : html`<span class="md-box-label" style=${{ background: color }}>${boxLabel(box, labels)}</span>`}
      </div>`;
    })}
  </div>`;
}

// The classes of masks and boxes, grouped by set; a click shows or hides a class.
export function Legend({ classes, hidden, onToggle }) {
  if (!classes.length) return null;
  const sets = [...new Set(classes.map((c) => `${c.kind}\u0000${c.set}`))];
  return html`<div class="md-legend" data-testid="media-legend">
    ${sets.map((s) => {
      const [kind, set] = s.split("\u0000");
      return html`<div class="md-legend-set"><span class="muted">${kind === "mask" ? "mask" : "boxes"} ${set}</span>
        ${classes.filter((c) => c.kind === kind && c.set === set).map((c) => {
          const name = classToggle(c.set, c.id);
          const on = !hidden.has(name);
          return html`<label class=${`md-class${on ? "" : " off"}`} data-class=${c.id} data-set=${c.set}>
            <input type="checkbox" checked=${on} onChange=${() => onToggle(name)} />
            <i class="swatch" style=${{ background: c.color }}></i>${c.label}</label>`;
        })}</div>`;
    })}
  </div>`;
}

// A gallery (or a list's images): one strip, one legend for all of them.
export function Gallery({ project, runId, value, hidden, onToggle, thumb = false, legend = true }) {
  const images = imagesOf(value);
  const classes = [];
  const seen = new Set();
  for (const image of images) {
    for (const c of overlayClasses(image)) {
      const k = `${c.kind}\u0000${classToggle(c.set, c.id)}`;
      if (!seen.has(k)) { seen.add(k); classes.push(c); }
    }
  }
  const total = value.count ?? images.length;
  return html`<div class="md-gallery" data-testid="media-gallery">
    <div class="md-strip">
      ${images.map((image, i) => html`<${ImageView} key=${i} project=${project} runId=${runId} image=${image}
        hidden=${hidden} onToggle=${onToggle} legend=${false} thumb=${thumb || (images.length > 1 && THUMB)} />`)}
    </div>
    ${total > images.length ? html`<p class="note">${images.length} of ${total} images logged here.</p>` : null}
    ${legend ? html`<${Legend} classes=${classes} hidden=${hidden} onToggle=${onToggle} />` : null}
  </div>`;
}
