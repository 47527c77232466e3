// A stable palette shared by the runs table and the charts. A group's colour is
// picked by its index in the API's group order (GET .../groups or runs?by=),
// a run's by its index in the API's run order, so every page agrees. With the charts'
// facet or dash key set, a group's index is that of its key without those levels:
// lib/facets.js groupColors, the one rule of a row and its line.
export const PALETTE = [
  "#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2",
  "#db2777", "#65a30d", "#ea580c", "#4f46e5", "#0d9488", "#a16207",
  "#9333ea", "#be123c", "#15803d", "#1d4ed8",
];

export function colorFor(index) {
  const n = PALETTE.length;
  return PALETTE[((index % n) + n) % n];
}

// The same colour for the group (or run) at `index` of a list of rows.
export const groupColor = colorFor;
export const runColor = colorFor;
