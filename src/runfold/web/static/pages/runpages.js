// The runs the runs table lists, fetched from the server a page at a time. The page's
// own filters and the filter box's text ({"$text": ...}, lib/filterexpr.js withText)
// go to the server, so a filter covers every run of the project, not only the first
// page; "Show more" fetches the next page once the rows drawn reach the end of those
// fetched, and an open group's runs that were not fetched yet come by their ids.
import { enc, getJSON } from "../lib/api.js";
import { useEffect, useLayoutEffect, useRef, useState } from "../lib/ui.js";

export const RUN_PAGE = 1000; // runs per request

const runsPath = (project) => `/projects/${enc(project)}/runs`;
const asParam = (filters) => (filters ? JSON.stringify(filters) : undefined);

// `value` once it has stayed the same (as JSON) for `ms`; the first value at once.
export function useSettled(value, ms) {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value ?? null);
  const settledKey = JSON.stringify(settled ?? null);
  useLayoutEffect(() => { // the rest is counted from this render, not from the next paint
    if (key === settledKey) return undefined;
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [key]);
  return key === settledKey ? value : settled;
}

// The runs matching `filters` in `order` (a column, "-" first for descending; null:
// the server's order): {body: {runs, total} | null, error, stale, more(), busy}.
// `given`: the first page as the page fetches it already (null while it loads; no
// request is sent here), or undefined to fetch it here. While a new question's
// answer is on its way, the last answer stays, marked `stale`.
export function useRunPool(project, filters, order, reload, given = undefined) {
  const key = JSON.stringify([project, filters ?? null, order ?? null, reload]);
  const fetching = given === undefined;
  const [own, setOwn] = useState({ key: null, body: null, error: null });
  const [extra, setExtra] = useState({ base: null, runs: [], busy: false, error: null });
  const last = useRef(null);
  useEffect(() => {
    if (!fetching) return undefined;
    let live = true;
    getJSON(runsPath(project), { filters: asParam(filters), order: order || undefined, limit: RUN_PAGE })
      .then((body) => live && setOwn({ key, body, error: null }),
        (error) => live && setOwn({ key, body: null, error }));
    return () => { live = false; };
  }, [fetching ? key : null]);

  const base = fetching ? own.body : given;
  const added = base && extra.base === base ? extra.runs : [];
  const body = base ? { runs: added.length ? [...base.runs, ...added] : base.runs, total: base.total } : last.current;
  if (base) last.current = body;
  const more = () => {
    if (!base || (extra.base === base && extra.busy) || body.runs.length >= base.total) return;
    const have = body.runs.length;
    setExtra({ base, runs: added, busy: true, error: null });
    getJSON(runsPath(project), {
      filters: asParam(filters), order: order || undefined, limit: RUN_PAGE, offset: have,
    }).then((page) => setExtra((e) => (e.base === base ? { base, runs: [...added, ...page.runs], busy: false, error: null } : e)),
      (error) => setExtra((e) => (e.base === base ? { ...e, busy: false, error } : e)));
  };
  return {
    body,
    error: (fetching && own.key === key && own.error) || (extra.base === base && extra.error) || null,
    stale: fetching ? own.key !== key : !base,
    busy: extra.base === base && extra.busy,
    more,
  };
}

// Runs by id for the ids not in `known` (a Map of id → run): the members of open
// groups that are not among the runs fetched. A Map of id → run.
export function useRunsById(project, ids, known) {
  const [found, setFound] = useState(() => new Map());
  const missing = ids.filter((id) => !known.has(id) && !found.has(id)).slice(0, RUN_PAGE);
  const key = missing.join("\n");
  useEffect(() => {
    if (!missing.length) return undefined;
    let live = true;
    getJSON(runsPath(project), { filters: JSON.stringify({ id: { $in: missing } }), limit: missing.length })
      .then((body) => live && setFound((prev) => new Map([...prev, ...body.runs.map((r) => [r.id, r])])), () => {});
    return () => { live = false; };
  }, [project, key]);
  return found;
}
