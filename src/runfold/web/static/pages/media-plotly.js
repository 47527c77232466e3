// A logged plotly figure, interactive (hover, zoom, pan), drawn by the vendored
// plotly.js basic bundle (../vendor/README.md). The 1.2 MB bundle loads only when a
// figure first shows.
import { mediaJSON } from "../lib/mediafetch.js";
import { html, useEffect, useRef, useState } from "../lib/ui.js";

const PLOTLY_SRC = "/static/vendor/plotly-basic-4.1.2.min.js";
const PLOTLY_CSS = "/static/vendor/plotly-basic-4.1.2.css";
let loading = null;

export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (loading) return loading;
  loading = new Promise((resolve, reject) => {
    // plotly.js writes its CSS rules into an inline <style>, which the page's CSP
    // refuses (style-src 'self'); an element with this id and class makes it skip
    // them, and the same rules come from a file instead (../vendor/README.md).
    if (!document.getElementById("plotly.js-style-global")) {
      const marker = document.createElement("meta");
      marker.id = "plotly.js-style-global";
      marker.className = "no-inline-styles";
      document.head.appendChild(marker);
      const rules = document.createElement("link");
      rules.rel = "stylesheet";
      rules.href = PLOTLY_CSS;
      document.head.appendChild(rules);
    }
    const script = document.createElement("script");
    script.src = PLOTLY_SRC;
    script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js did not load")));
    script.onerror = () => { loading = null; reject(new Error(`Could not load ${PLOTLY_SRC}`)); };
    document.head.appendChild(script);
  });
  return loading;
}

// Drawn once the panel comes near the viewport: a page of figures loads plotly.js
// only when one is about to be seen.
export function PlotlyView({ url }) {
  const box = useRef(null);
  const [near, setNear] = useState(false);
  const [state, setState] = useState("waiting"); // waiting | loading | drawn | an Error
  useEffect(() => {
    const seen = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) { setNear(true); seen.disconnect(); }
    }, { rootMargin: "200px" });
    seen.observe(box.current);
    return () => seen.disconnect();
  }, []);
  useEffect(() => {
    if (!near) return undefined;
    let live = true;
    const el = box.current;
    setState("loading");
    Promise.all([mediaJSON(url), loadPlotly()])
      .then(([figure, Plotly]) => {
        if (!live) return null;
        const layout = { autosize: true, height: 360, margin: { l: 48, r: 16, t: 32, b: 40 }, ...(figure.layout || {}) };
        const config = {
          displaylogo: false, responsive: true, showLink: false, showSendToCloud: false, showEditInChartStudio: false,
          modeBarButtonsToRemove: ["toImage"], ...(figure.config || {}),
        };
        return Plotly.react(el, figure.data || [], layout, config).then(() => live && setState("drawn"));
      })
      .catch((e) => live && setState(e));
    return () => {
      live = false;
      if (window.Plotly && el) window.Plotly.purge(el);
    };
  }, [url, near]);
  const failed = state instanceof Error;
  return html`<div class="md-plotly-wrap" data-testid="media-plotly" data-state=${failed ? "error" : state}>
    ${state === "loading" || state === "waiting" ? html`<p class="loading">Loading the figure…</p>` : null}
    ${failed ? html`<p class="error">Could not draw the figure: ${state.message}</p>` : null}
    <div class="md-plotly" ref=${box}></div>
  </div>`;
}
