// The JSON files of media (tables, plotly figures, point clouds): named by their
// content, so each is fetched once per page and kept (the last few dozen).
import { ApiError } from "./api.js";

const KEEP = 48;
const kept = new Map(); // url -> Promise of the parsed file

export function mediaJSON(url) {
  if (kept.has(url)) {
    const hit = kept.get(url);
    kept.delete(url); // the most recently used goes last
    kept.set(url, hit);
    return hit;
  }
  const load = fetch(url, { credentials: "same-origin" }).then(async (response) => {
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new ApiError(response.status, body.error || response.statusText);
    }
    return response.json();
  });
  load.catch(() => kept.delete(url)); // a failure is asked again next time
  kept.set(url, load);
  while (kept.size > KEEP) kept.delete(kept.keys().next().value);
  return load;
}
