// A logged table (runfold.Table: {"columns": [...], "data": [[...]]}) as the table
// panel shows it: rows filtered by text, sorted by a column, in the columns picked.
// Cells are numbers, strings, bools, null, lists, dicts or media REFs. Pure.
import { describe, isRef } from "./media.js";

// A cell as text: for the filter, for a sort by text, and for a cell with no view.
export function cellText(cell) {
  if (cell === null || cell === undefined) return "";
  if (isRef(cell)) return [cell.caption, describe(cell)].filter(Boolean).join(" ");
  if (typeof cell === "object") return JSON.stringify(cell);
  return String(cell);
}

// Sort order of two cells: numbers (and bools) by value, then text; empty cells
// (null, NaN) last whichever way the column is sorted.
function rank(cell) {
  if (cell === null || cell === undefined || (typeof cell === "number" && Number.isNaN(cell))) return [2, 0];
  if (typeof cell === "number") return [0, cell];
  if (typeof cell === "boolean") return [0, cell ? 1 : 0];
  return [1, cellText(cell)];
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

export function compareCells(a, b) {
  const [ka, va] = rank(a);
  const [kb, vb] = rank(b);
  if (ka !== kb) return ka - kb;
  if (ka === 0) return va - vb;
  if (ka === 1) return collator.compare(va, vb);
  return 0;
}

// The indices of `rows` (the file's row order) that the view shows: those with a cell
// containing `text` (case-insensitive; in a picked column when `columns` is given), sorted
// by column `sort` ({index, desc}) with ties and empties in file order.
export function tableRows(rows, { text = "", sort = null, columns = null } = {}) {
  const needle = text.trim().toLowerCase();
  const cols = columns || null;
  let order = rows.map((_, i) => i);
  if (needle) {
    order = order.filter((i) => (cols ? cols.map((c) => rows[i][c]) : rows[i])
      .some((cell) => cellText(cell).toLowerCase().includes(needle)));
  }
  if (sort && sort.index !== null && sort.index !== undefined) {
    const k = sort.index;
    order.sort((a, b) => {
      const ea = rank(rows[a][k])[0] === 2;
      const eb = rank(rows[b][k])[0] === 2;
      if (ea !== eb) return ea ? 1 : -1; // empties last, either direction
      const c = compareCells(rows[a][k], rows[b][k]);
      return (sort.desc ? -c : c) || a - b;
    });
  }
  return order;
}

// The next sort of a header click: ascending, then descending, then the file's order.
export function nextSort(sort, index) {
  if (!sort || sort.index !== index) return { index, desc: false };
  if (!sort.desc) return { index, desc: true };
  return null;
}

// Whether every non-empty cell of a column is a number: right-aligned.
export function isNumberColumn(rows, index) {
  let any = false;
  for (const row of rows) {
    const c = row[index];
    if (c === null || c === undefined) continue;
    if (typeof c !== "number") return false;
    any = true;
  }
  return any;
}

// The columns shown: `picked` (names, in the table's order) or every column.
export function shownColumns(columns, picked) {
  const all = columns.map((_, i) => i);
  if (!picked) return all;
  const want = new Set(picked);
  return all.filter((i) => want.has(columns[i]));
}
