// A chart as a PNG: the uPlot canvas under its title, above a legend of the lines drawn,
// on the page's background. The layout is in CSS pixels times the canvas's pixel ratio,
// so the image has the canvas's own resolution.

export const PNG_LAYOUT = { title: 30, row: 18, pad: 8, maxRows: 24 };

// Sizes (device pixels) for a canvas of canvasW × canvasH holding `rows` legend lines.
export function pngLayout(canvasW, canvasH, rows, ratio = 1) {
  const { title, row, pad, maxRows } = PNG_LAYOUT;
  const shown = Math.min(rows, maxRows);
  const lines = shown + (rows > maxRows ? 1 : 0); // "+N more"
  const head = Math.round(title * ratio);
  const legend = Math.round((2 * pad + lines * row) * ratio);
  return { width: canvasW, height: head + canvasH + legend, head, legendTop: head + canvasH, shown };
}

// items: [{name, color, dash?}] in legend order (dash: lib/facets.js, drawn as a short
// stretch of the line instead of a square). Resolves to a PNG Blob.
export function chartPNG(canvas, { title, items, background, foreground, muted, font }) {
  const ratio = canvas.width / Math.max(1, canvas.clientWidth || canvas.width);
  const lay = pngLayout(canvas.width, canvas.height, items.length, ratio);
  const out = document.createElement("canvas");
  out.width = lay.width;
  out.height = lay.height;
  const ctx = out.getContext("2d");
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.scale(ratio, ratio);
  const { row, pad } = PNG_LAYOUT;
  ctx.fillStyle = foreground;
  ctx.textBaseline = "middle";
  ctx.font = `600 14px ${font}`;
  ctx.fillText(title, pad, lay.head / ratio / 2);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(canvas, 0, lay.head);
  ctx.scale(ratio, ratio);
  ctx.font = `12px ${font}`;
  const top = lay.legendTop / ratio + pad;
  items.slice(0, lay.shown).forEach((item, i) => {
    const y = top + i * row + row / 2;
    const sample = item.dash ? 20 : 10;
    if (item.dash) legendLine(ctx, pad, y, sample, item);
    else {
      ctx.fillStyle = item.color;
      ctx.fillRect(pad, y - 5, 10, 10);
    }
    ctx.fillStyle = foreground;
    ctx.fillText(item.name, pad + sample + 6, y);
  });
  if (items.length > lay.shown) {
    ctx.fillStyle = muted;
    ctx.fillText(`+${items.length - lay.shown} more`, pad + 16, top + lay.shown * row + row / 2);
  }
  return new Promise((resolve, reject) => {
    const failed = () => reject(new Error("The browser could not encode the chart as PNG: try another browser."));
    out.toBlob((blob) => (blob ? resolve(blob) : failed()), "image/png");
  });
}

function legendLine(ctx, x, y, width, { color, dash }) {
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.setLineDash(dash.pattern);
  ctx.beginPath();
  ctx.moveTo(x, y);
  ctx.lineTo(x + width, y);
  ctx.stroke();
  ctx.restore();
}
