// "Member runs drawn faintly": which runs of the drawn groups to fetch, and their lines
// aligned on the chart's x with the groups' (pure; no DOM).
import { alignSeries } from "./series.js";

export const MEMBERS_PER_GROUP = 20;
export const MEMBERS_TOTAL = 200;

// The run ids to fetch for the drawn group entries, at most `perGroup` of each group and
// `total` in all, and per group how many of its runs are drawn: [{shown, total}].
export function memberPlan(groups, perGroup = MEMBERS_PER_GROUP, total = MEMBERS_TOTAL) {
  const ids = [];
  const counts = groups.map((g) => {
    const runIds = g.run_ids || [];
    const room = Math.max(0, Math.min(perGroup, total - ids.length));
    const take = runIds.slice(0, room);
    ids.push(...take);
    return { shown: take.length, total: runIds.length };
  });
  return { ids, counts, capped: counts.some((c) => c.shown < c.total) };
}

// Groups and member runs on one x: alignSeries over both, split back. Each member keeps
// the index of the group it belongs to (its colour); members of no drawn group are dropped.
export function alignWithMembers(groups, members, settings) {
  const owner = new Map();
  groups.forEach((g, gi) => { for (const id of g.run_ids || []) owner.set(id, gi); });
  const mine = (members || []).filter((m) => owner.has(m.key[0]));
  // shading "members" has no band: each group keeps its line, each member its own
  const aligned = alignSeries([...groups, ...mine], settings);
  const groupRows = aligned.groups.slice(0, groups.length);
  const memberRows = aligned.groups.slice(groups.length).map((m) => ({
    id: m.key[0], name: m.name, group: owner.get(m.key[0]), src: m.src, line: m.line,
  }));
  const mode = groups.some((g) => g.mode === "buckets") ? "buckets" : "exact";
  return { x: aligned.x, mode, groups: groupRows, members: memberRows };
}
