// Fetches that follow running runs: after each answer that says a run is still running,
// fetch again LIVE_MS later (never two at once, and not while the tab is hidden); once
// nothing drawn is running, no more requests.
import { useLayoutEffect, useRef, useState } from "./ui.js";

export const LIVE_MS = 5000;

// Whether any series entry of a {metric: entries} map (or an entries list) has runs running.
export function anyRunning(series) {
  if (!series) return false;
  const lists = Array.isArray(series) ? [series] : Object.values(series);
  return lists.some((entries) => (entries || []).some((e) => e.running > 0));
}

// [answer, error, fresh] of load() for the request named by `key` (a string: a new key
// fetches anew; `key` null: no request). Until the answer for a new key is in, the last
// answer stays if it was fetched with the same `keep` (e.g. the same x axis, other runs:
// the old lines stay until the new come, rather than a blank), else the answer is null;
// `fresh` says whether the answer is the one for `key`.
export function useLiveFetch(key, load, isLive = anyRunning, keep = null, ms = LIVE_MS) {
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [tick, setTick] = useState(0);
  const following = useRef(false); // the last answer had running runs
  const asked = useRef(null);
  // A layout effect: the request goes out as soon as the key changes, not after the
  // next frame is painted (a regrouped page's charts ask ~50 ms sooner).
  useLayoutEffect(() => {
    if (key === null) return undefined;
    if (asked.current !== key) setError(null); // another request: its own error, if any
    asked.current = key;
    let on = true;
    let timer = null;
    const again = () => {
      if (!on) return;
      if (document.hidden) timer = setTimeout(again, ms);
      else setTick((t) => t + 1);
    };
    load()
      .then((body) => {
        if (!on) return;
        setAnswer({ key, keep, body });
        setError(null);
        following.current = isLive(body);
        if (following.current) timer = setTimeout(again, ms);
      })
      .catch((e) => {
        if (!on) return;
        setError(e);
        // a live chart rides out a server restart or a dropped connection
        if (following.current && !(e.status >= 400 && e.status < 500)) timer = setTimeout(again, 2 * ms);
      });
    return () => { on = false; clearTimeout(timer); };
  }, [key, tick]);
  const usable = answer && key !== null && (answer.key === key || (keep !== null && answer.keep === keep));
  return [usable ? answer.body : null, error, usable && answer.key === key];
}
