// Developer page: /static/dev/charts.html?project=demo&by=group&by=job_type
// (no by: the server's default grouping; by= with an empty value: one line per run).
import { mountCharts } from "../pages/charts.js";

const q = new URLSearchParams(window.location.search);
const project = q.get("project") || "demo";
const by = q.has("by") ? q.getAll("by").filter(Boolean) : undefined;
const filters = q.get("filters") || undefined;
document.getElementById("title").textContent = `Charts · ${project}`;
const el = document.getElementById("charts");
el.textContent = "";
mountCharts(el, { project, by, filters });
