// What a legend click does to the lines a chart shows (pure). `off` is the set of line
// indexes hidden in this chart; the result is the next set.
//   click:        only line i is shown; clicking the line shown alone shows all again
//   shift-click:  line i is hidden or shown; hiding the last one shown shows all again
export function pickLines(off, count, i, toggle) {
  const next = new Set(off);
  if (toggle) {
    if (next.has(i)) next.delete(i);
    else next.add(i);
    return next.size >= count ? new Set() : next;
  }
  const alone = next.size === count - 1 && !next.has(i);
  if (alone) return new Set();
  return new Set([...Array(count).keys()].filter((j) => j !== i));
}

// The tooltip's rows sorted by value, highest first; rows without a value last.
export function byValue(rows) {
  const has = (r) => typeof r.value === "number" && Number.isFinite(r.value);
  return [...rows].sort((a, b) => (has(b) - has(a)) || (has(a) ? b.value - a.value : 0));
}
