// A chart's CSV and JSON export: exactly what is plotted (DESIGN §2.8), pure.
// state: {metric, settings, aligned: {x, groups, members?}, zoom?, facet?} (facet: the
// value a small chart is drawn for, lib/facets.js; its export holds that chart's lines).

export function exportJSON(state) {
  const { aligned, settings, metric } = state;
  const body = {
    metric, settings, x: aligned.x,
    groups: aligned.groups.map((g) => ({ name: g.name, key: g.key, line: g.line, lower: g.lo, upper: g.hi, n: g.n })),
  };
  if (state.zoom) body.zoom = state.zoom;
  if (state.facet) body.facet = { key: state.facet.key, value: state.facet.value };
  if (aligned.members && aligned.members.length) {
    body.members = aligned.members.map((m) => ({ run: m.id, group: aligned.groups[m.group].name, line: m.line }));
  }
  return JSON.stringify(body);
}

// One row per point: group, x, line, lower, upper, n; member runs (shading "members")
// follow as rows named "<group> / run <id>" with n = 1 and no band.
export function exportCSV(state) {
  const { aligned, settings } = state;
  const q = (s) => `"${String(s).replaceAll('"', '""')}"`;
  const rows = [["group", settings.x, settings.line, "lower", "upper", "n"].map(q).join(",")];
  for (const g of aligned.groups) {
    aligned.x.forEach((x, j) => {
      if (g.src[j] < 0) return;
      rows.push([q(g.name), x, g.line[j] ?? "", g.lo[j] ?? "", g.hi[j] ?? "", g.n[j] ?? ""].join(","));
    });
  }
  for (const m of aligned.members || []) {
    const name = `${aligned.groups[m.group].name} / run ${m.id}`;
    aligned.x.forEach((x, j) => {
      if (m.src[j] < 0) return;
      rows.push([q(name), x, m.line[j] ?? "", "", "", 1].join(","));
    });
  }
  return rows.join("\n") + "\n";
}
