// The lineage graph's layout (issue 17): runs and artifact versions in columns
// from left to right, each node one column right of everything it comes from
// (dataset → training runs → model → evaluation runs). Pure: nodes and edges in,
// positions out (the page draws them as SVG).

// {id: column}: the longest path from a node with nothing before it.
export function columns(nodes, edges) {
  const before = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) if (before.has(e.target) && before.has(e.source)) before.get(e.target).push(e.source);
  const column = new Map();
  const visiting = new Set();
  const place = (id) => {
    if (column.has(id)) return column.get(id);
    if (visiting.has(id)) return 0; // a cycle (a run using what it made): cut it here
    visiting.add(id);
    let c = 0;
    for (const from of before.get(id) || []) c = Math.max(c, place(from) + 1);
    visiting.delete(id);
    column.set(id, c);
    return c;
  };
  for (const n of nodes) place(n.id);
  return Object.fromEntries(column);
}

// {width, height, nodes: [{...node, x, y, w, h}], edges: [{...edge, path}]}: columns
// `gap` apart, nodes in a column stacked in the order given (artifacts by name and
// version, runs by name), edges as curves from the right of one node to the left of
// the other.
export function layout(nodes, edges, { w = 170, h = 40, gapX = 70, gapY = 18, pad = 10 } = {}) {
  const col = columns(nodes, edges);
  const byColumn = new Map();
  const order = [...nodes].sort((a, b) => label(a).localeCompare(label(b), undefined, { numeric: true }));
  for (const n of order) {
    const c = col[n.id];
    if (!byColumn.has(c)) byColumn.set(c, []);
    byColumn.get(c).push(n);
  }
  const placed = new Map();
  let width = 0;
  let height = 0;
  for (const [c, members] of byColumn) {
    members.forEach((n, i) => {
      const x = pad + c * (w + gapX);
      const y = pad + i * (h + gapY);
      placed.set(n.id, { ...n, x, y, w, h, column: c });
      width = Math.max(width, x + w + pad);
      height = Math.max(height, y + h + pad);
    });
  }
  const drawn = edges
    .filter((e) => placed.has(e.source) && placed.has(e.target))
    .map((e) => {
      const a = placed.get(e.source);
      const b = placed.get(e.target);
      const x1 = a.x + a.w;
      const y1 = a.y + a.h / 2;
      const x2 = b.x;
      const y2 = b.y + b.h / 2;
      const mid = (x1 + x2) / 2;
      return { ...e, path: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` };
    });
  return { width, height, nodes: [...placed.values()], edges: drawn };
}

export function label(node) {
  return node.kind === "artifact" ? `${node.name}:v${node.version}` : node.name || node.run_id || node.id;
}
