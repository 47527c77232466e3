// A logged 3-D object's points (runfold.Object3D: a JSON list of [x, y, z], [x, y, z,
// category] or [x, y, z, r, g, b] rows, or W&B's {"type": "lidar/beta", "points": ...})
// seen from an angle: an orthographic view the panel draws on a canvas. Pure.
import { colorFor } from "./colors.js";

// {xyz: [[x, y, z]], color: [css colour or null]} of the rows with three finite numbers.
export function cloudPoints(doc) {
  const rows = Array.isArray(doc) ? doc : (doc && Array.isArray(doc.points) ? doc.points : []);
  const xyz = [];
  const color = [];
  for (const row of rows) {
    if (!Array.isArray(row) || row.length < 3) continue;
    const p = row.slice(0, 3).map(Number);
    if (!p.every(Number.isFinite)) continue;
    xyz.push(p);
    if (row.length >= 6) color.push(`rgb(${row.slice(3, 6).map((v) => Math.round(Number(v)) || 0).join(",")})`);
    else if (row.length === 4) color.push(colorFor(Math.round(Number(row[3])) || 0));
    else color.push(null);
  }
  return { xyz, color };
}

// The points turned by `yaw` about the vertical (z) axis and tilted by `pitch`, then
// scaled into a width × height box around their centre: [[sx, sy, depth]].
export function viewPoints(xyz, yaw, pitch, width, height, pad = 8) {
  if (!xyz.length) return [];
  const centre = [0, 1, 2].map((i) => {
    let lo = Infinity; let hi = -Infinity;
    for (const p of xyz) { lo = Math.min(lo, p[i]); hi = Math.max(hi, p[i]); }
    return (lo + hi) / 2;
  });
  const [cy, sy, cp, sp] = [Math.cos(yaw), Math.sin(yaw), Math.cos(pitch), Math.sin(pitch)];
  const turned = xyz.map(([x0, y0, z0]) => {
    const [x, y, z] = [x0 - centre[0], y0 - centre[1], z0 - centre[2]];
    const u = x * cy - y * sy; // across the screen
    const d = x * sy + y * cy; // into the screen before the tilt
    return [u, z * cp - d * sp, d * cp + z * sp];
  });
  let reach = 0;
  for (const [u, v] of turned) reach = Math.max(reach, Math.abs(u), Math.abs(v));
  const scale = reach > 0 ? (Math.min(width, height) / 2 - pad) / reach : 1;
  return turned.map(([u, v, depth]) => [width / 2 + u * scale, height / 2 - v * scale, depth]);
}
