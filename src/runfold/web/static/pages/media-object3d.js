// A logged 3-D point cloud drawn as a 2-D view on a canvas: drag to turn it.
import { cloudPoints, viewPoints } from "../lib/media3d.js";
import { mediaJSON } from "../lib/mediafetch.js";
import { html, useEffect, useRef, useState } from "../lib/ui.js";

const SIZE = 320;
const MAX_POINTS = 50_000; // drawn; more are thinned evenly, and the panel says so

export function PointCloud({ url, caption }) {
  const canvas = useRef(null);
  const [cloud, setCloud] = useState(null);
  const [error, setError] = useState(null);
  const [angle, setAngle] = useState({ yaw: 0.6, pitch: 0.35 });
  const drag = useRef(null);

  useEffect(() => {
    let live = true;
    mediaJSON(url).then((doc) => live && setCloud(thin(cloudPoints(doc))), (e) => live && setError(e));
    return () => { live = false; };
  }, [url]);

  useEffect(() => {
    if (!cloud) return;
    const el = canvas.current;
    const dpr = window.devicePixelRatio || 1;
    el.width = SIZE * dpr;
    el.height = SIZE * dpr;
    const ctx = el.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, SIZE, SIZE);
    const pts = viewPoints(cloud.xyz, angle.yaw, angle.pitch, SIZE, SIZE);
    const order = pts.map((_, i) => i).sort((a, b) => pts[b][2] - pts[a][2]); // far ones first
    const plain = getComputedStyle(document.documentElement).getPropertyValue("--accent").trim() || "#2563eb";
    for (const i of order) {
      ctx.fillStyle = cloud.color[i] || plain;
      ctx.fillRect(pts[i][0] - 1, pts[i][1] - 1, 2, 2);
    }
  }, [cloud, angle]);

  const down = (e) => { drag.current = { x: e.clientX, y: e.clientY, ...angle }; e.currentTarget.setPointerCapture(e.pointerId); };
  const move = (e) => {
    const d = drag.current;
    if (!d) return;
    const pitch = Math.max(-1.5, Math.min(1.5, d.pitch + (e.clientY - d.y) / 120));
    setAngle({ yaw: d.yaw + (e.clientX - d.x) / 120, pitch });
  };
  if (error) return html`<p class="error">Could not load the 3-D object: ${String(error.message || error)}</p>`;
  return html`<figure class="md-figure" data-testid="media-object3d">
    <canvas ref=${canvas} class="md-cloud" role="img" aria-label="3-D points; drag to turn"
      onPointerDown=${down} onPointerMove=${move} onPointerUp=${() => { drag.current = null; }}></canvas>
    <figcaption>${cloud ? `${cloud.total} points${cloud.total > cloud.xyz.length
      ? ` (${cloud.xyz.length} drawn, evenly thinned)` : ""}; drag to turn` : "Loading…"}${caption ? ` · ${caption}` : ""}</figcaption>
  </figure>`;
}

function thin({ xyz, color }) {
  const total = xyz.length;
  if (total <= MAX_POINTS) return { xyz, color, total };
  const step = total / MAX_POINTS;
  const keep = Array.from({ length: MAX_POINTS }, (_, i) => Math.floor(i * step));
  return { xyz: keep.map((i) => xyz[i]), color: keep.map((i) => color[i]), total };
}
