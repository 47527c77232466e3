// The page's colours, read from its CSS variables (app.css: light, dark, or the
// system's), for what draws on a canvas.
import { useEffect, useState } from "./ui.js";

const kept = new Map(); // name → value, for the theme `keptFor`
let keptFor = null;
let systemDark = null;

// A CSS variable of the page's root (`fallback` when unset). Kept while the theme
// stays (the page's data-theme and the system's dark mode): reading a computed style
// lays the page out anew after each change to it, and every chart of a redraw asked
// for the same few colours (~75 ms of a filter change).
export function cssVar(name, fallback) {
  systemDark = systemDark || window.matchMedia("(prefers-color-scheme: dark)");
  const theme = `${document.documentElement.dataset.theme || ""}/${systemDark.matches}`;
  if (theme !== keptFor) {
    kept.clear();
    keptFor = theme;
  }
  let value = kept.get(name);
  if (value === undefined) {
    value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    kept.set(name, value);
  }
  return value || fallback;
}

// A number that changes when the theme does: canvases drawn from it draw again.
export function useThemeVersion() {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    media.addEventListener("change", bump);
    return () => { observer.disconnect(); media.removeEventListener("change", bump); };
  }, []);
  return version;
}
