// "/projects/<p>/runs/<id>": one run — overview, environment and code, config,
// summary, its charts (system metrics in their own section), histograms, console
// output and files. A running run refreshes every few seconds.
import { enc, getJSON } from "../lib/api.js";
import { exact } from "../lib/runvalues.js";
import { html, useEffect, useMemo, useState } from "../lib/ui.js";
import { ChartsSection } from "./charts.js";
import { Failure, Header, fmt, when } from "./common.js";
import { Histograms } from "./histograms.js";
import { ArtifactLinks } from "./artifact-links.js";
import { MediaSection } from "./media.js";

const LIVE_MS = 5000;

export function RunPage({ project, runId }) {
  const [run, setRun] = useState(null);
  const [error, setError] = useState(null);
  const [stale, setStale] = useState(null); // a refresh failed: what is shown may be old
  const [tick, setTick] = useState(0);
  const running = run && run.state === "running";

  useEffect(() => {
    let live = true;
    getJSON(`/projects/${enc(project)}/runs/${enc(runId)}`).then(
      (body) => { if (live) { setRun(body); setStale(null); } },
      (e) => { if (live) (run ? setStale(e) : setError(e)); },
    );
    return () => { live = false; };
  }, [project, runId, tick]);

  useEffect(() => {
    if (!running) return undefined;
    const timer = setTimeout(() => setTick((t) => t + 1), LIVE_MS);
    return () => clearTimeout(timer);
  }, [running, tick]);

  useEffect(() => {
    if (run) document.title = `${run.name} · ${project} · Runfold`;
  }, [run && run.name, project]);

  return html`
    <${Header} project=${project} group=${run && run.group} />
    <main class="run-page">
      ${error ? html`<${Failure} error=${error} />` : null}
      ${error && error.status === 404
        ? html`<p><a href=${`/projects/${enc(project)}`}>All runs of ${project}</a></p>` : null}
      ${!run && !error ? html`<p class="loading">Loading…</p>` : null}
      ${stale ? html`<p class="note rp-stale" role="status">Could not refresh
        (${String(stale.message || stale)}); showing the run as it was. Retrying.</p>` : null}
      ${run ? html`<${RunBody} run=${run} project=${project} tick=${tick} />` : null}
    </main>`;
}

function RunBody({ run, project, tick }) {
  const meta = run.metadata || {};
  const keysId = JSON.stringify(Object.keys(run.metrics || {}).sort());
  const metricKeys = useMemo(() => JSON.parse(keysId), [keysId]); // one array per set of keys
  return html`
    <div class="rp-head">
      <h1 data-testid="run-name">${run.name} <span class=${`state ${run.state}`}>${run.state}</span></h1>
      <span class="muted rp-id">${run.id}</span>
      ${run.state === "running" ? html`<span class="rp-live" title="Refreshes every 5 s">● live</span>` : null}
    </div>
    <div class="rp-cards">
      <${Overview} run=${run} project=${project} />
      <${Environment} run=${run} meta=${meta} />
      <${Code} meta=${meta} run=${run} project=${project} />
    </div>
    <div class="rp-two">
      <section><h2>Config</h2><${Tree} value=${run.config} testid="config"
        empty=${html`No config. Pass it at init: <code>runfold.init(config={"lr": 0.01})</code>.`} /></section>
      <section><h2>Summary</h2><${KeyValues} values=${run.summary} testid="summary" /></section>
    </div>
    <h2>Metrics</h2>
    <${RunCharts} run=${run} project=${project} metricKeys=${metricKeys} />
    <h2>Histograms</h2>
    <${Histograms} project=${project} runId=${run.id} tick=${run.state === "running" ? tick : -1} />
    <h2>Media</h2>
    <${MediaSection} project=${project} runId=${run.id} tick=${run.state === "running" ? tick : -1} />
    <h2>Console</h2>
    <${Console} run=${run} project=${project} tick=${run.state === "running" ? tick : -1} />
    <h2>Artifacts</h2>
    <${ArtifactLinks} project=${project} path=${`/projects/${enc(project)}/runs/${enc(run.id)}/artifacts`} />
    <h2>Files</h2>
    <${Files} run=${run} project=${project} />`;
}

// The run's own metric keys (one line: this run). ChartsSection follows a running run
// itself; a new key remounts it so that the key gets its chart.
function RunCharts({ run, project, metricKeys }) {
  return html`<${ChartsSection} key=${JSON.stringify(metricKeys)} project=${project} by=${[]}
    filters=${{ id: run.id }} metricKeys=${metricKeys} limit=${24} />`;
}

function Rows({ rows, testid, title }) {
  const shown = rows.filter(([, v]) => v !== null && v !== undefined && v !== "");
  return html`
    <section class="panel rp-card">
      <h3>${title}</h3>
      ${shown.length ? html`<table class="grid kv" data-testid=${testid}><tbody>
        ${shown.map(([k, v]) => html`<tr data-field=${k}><th>${k}</th><td>${v}</td></tr>`)}
      </tbody></table>` : html`<p class="muted" data-testid=${testid}>Nothing recorded.</p>`}
    </section>`;
}

function Overview({ run, project }) {
  const group = run.group
    ? html`<a href=${`/projects/${enc(project)}/groups/${enc(run.group)}`}>${run.group}</a>`
    : html`<span class="muted">none</span>`;
  const tags = (run.tags || []).length
    ? html`<span class="rp-tags">${run.tags.map((t) => html`<span class="chip">${t}</span>`)}</span>` : "";
  const rows = [
    ["state", html`<span class=${`state ${run.state}`}>${run.state}</span>`],
    ["created", when(run.created_at)],
    ["finished", run.finished_at ? when(run.finished_at) : run.state === "running" ? "still running" : ""],
    ["runtime", duration(run.runtime)],
    ["group", group],
    ["job type", run.job_type],
    ["tags", tags],
    ["notes", run.notes ? html`<span class="rp-notes">${run.notes}</span>` : ""],
    ["exit code", run.exit_code],
  ];
  return html`<${Rows} rows=${rows} testid="overview" title="Run" />`;
}

function Environment({ run, meta }) {
  const host = meta.host || {};
  const gpu = host.gpu || {};
  const rows = [
    ["host", host.hostname || run.host],
    ["OS", host.os || meta.platform],
    ["Python", [host.python || meta.python, host.executable || meta.executable].filter(Boolean).join(" · ")],
    ["CPU", [host.cpu_model, host.cpu_count ? `${host.cpu_count} cores` : null].filter(Boolean).join(" · ")],
    ["memory", host.memory_gb ? `${host.memory_gb} GB` : ""],
    ["GPU", gpuText(gpu)],
    ["user", meta.user],
    ["pid", meta.pid],
  ];
  return html`<${Rows} rows=${rows} testid="environment" title="Environment" />`;
}

function gpuText(gpu) {
  if (!gpu || !gpu.count) return gpu && gpu.count === 0 ? "none detected" : "";
  const names = gpu.names || [];
  const same = names.length && names.every((n) => n === names[0]);
  const list = same ? `${gpu.count} × ${names[0]}` : names.join(", ") || `${gpu.count}`;
  const extra = [gpu.driver && `driver ${gpu.driver}`, gpu.cuda && `CUDA ${gpu.cuda}`];
  return [list, ...extra].filter(Boolean).join(" · ");
}

function Code({ meta, run, project }) {
  const host = meta.host || {};
  const git = meta.git || {};
  const code = meta.code || {};
  const argv = host.argv || meta.argv || [];
  const dirty = git.dirty
    ? html` <span class="rp-dirty" data-testid="git-dirty"
        title="uncommitted changes when the run started">dirty</span>`
    : "";
  const commit = git.commit
    ? html`<code class="rp-commit" title=${git.commit}>${git.commit.slice(0, 12)}</code>${dirty}` : "";
  const link = (path, testid) =>
    html`<a href=${fileUrl(project, run.id, path)} download data-testid=${testid}>${path}</a>`;
  const rows = [
    ["command", argv.length ? html`<code class="rp-wrap" data-testid="command">${argv.join(" ")}</code>` : ""],
    ["working dir", host.cwd || meta.cwd ? html`<code class="rp-wrap">${host.cwd || meta.cwd}</code>` : ""],
    ["commit", commit],
    ["branch", git.branch],
    ["remote", git.remote],
    ["git", git.note ? html`<span class="muted">${git.note}</span>` : ""],
    ["diff", git.patch ? link(git.patch, "patch-link") : ""],
    ["script", code.saved_as ? link(code.saved_as, "script-link")
      : code.note ? html`<span class="muted">${code.note}</span>` : ""],
    ["packages", meta.packages ? link(meta.packages, "packages-link") : ""],
    ["capture", meta.capture_error ? html`<span class="muted">failed: ${meta.capture_error}</span>` : ""],
  ];
  return html`<${Rows} rows=${rows} testid="code" title="Code" />`;
}

function KeyValues({ values, testid }) {
  const keys = Object.keys(values || {}).sort();
  if (!keys.length) {
    return html`<p class="muted" data-testid=${`${testid}-empty`}>No summary yet: it holds each metric's last
      value, or set one yourself: <code>run.summary["best_acc"] = 0.93</code>.</p>`;
  }
  return html`
    <table class="grid kv" data-testid=${testid}><tbody>
      ${keys.map((k) => html`<tr data-key=${k}><th>${k}</th>
        <td class="num" title=${exactText(values[k])}>${fmt(values[k])}</td></tr>`)}
    </tbody></table>`;
}

const exactText = (v) => (typeof v === "number" ? String(v) : undefined);

function Tree({ value, testid, prefix = "", empty }) {
  const keys = Object.keys(value || {}).sort();
  if (!keys.length && !prefix) return html`<p class="muted" data-testid=${`${testid}-empty`}>${empty}</p>`;
  return html`
    <ul class="tree" data-testid=${testid}>
      ${keys.map((k) => {
        const v = value[k];
        const nested = v && typeof v === "object" && !Array.isArray(v);
        return html`<li data-path=${`${prefix}${k}`}>
          <span class="key">${k}</span>${nested ? null
            : html`: <span class="val">${v === null ? "null" : exact(v)}</span>`}
          ${nested ? html`<${Tree} value=${v} prefix=${`${prefix}${k}.`} />` : null}
        </li>`;
      })}
    </ul>`;
}

function Files({ run, project }) {
  const files = run.files || [];
  if (!files.length) {
    return html`<p class="muted" data-testid="files-empty">No files saved. Save checkpoints or
      outputs with <code>run.save("*.pt")</code>; they are copied into the run and listed here.</p>`;
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  return html`
    <p class="muted note">${files.length} ${files.length === 1 ? "file" : "files"}, ${bytes(total)}</p>
    <table class="grid rp-files" data-testid="files"><tbody>
      ${files.map((f) => html`<tr data-path=${f.path}>
        <td><a href=${fileUrl(project, run.id, f.path)} download>${f.path}</a></td>
        <td class="num muted" title=${`${f.size} bytes`}>${bytes(f.size)}</td></tr>`)}
    </tbody></table>`;
}

function Console({ run, project, tick }) {
  const [q, setQ] = useState("");
  const [out, setOut] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      getJSON(`/projects/${enc(project)}/runs/${enc(run.id)}/output`, { q })
        .then((body) => live && (setOut(body), setError(null)))
        .catch((e) => live && setError(e));
    }, 150);
    return () => { live = false; clearTimeout(timer); };
  }, [q, run.id, tick]);
  return html`
    <div class="toolbar"><input type="search" placeholder="Search the output" value=${q}
      aria-label="Search the output" onInput=${(e) => setQ(e.target.value)}
      data-testid="console-search" /></div>
    ${error ? html`<p class="error" role="alert">${failed("the console output", error)}</p>` : null}
    ${out && out.total === 0 ? html`<p class="muted" data-testid="console-empty">No console output recorded.
      Runs copy stdout and stderr here unless <code>RUNFOLD_CONSOLE=off</code>.</p>` : null}
    ${out && out.total > 0 ? html`
      <p class="muted" data-testid="console-count">${q ? `${out.matched} of ${out.total} lines`
        : `${out.total} ${out.total === 1 ? "line" : "lines"}`}</p>
      ${q && !out.matched ? html`<p class="muted">No line contains “${q}”.</p>`
        : html`<pre class="snippet console" data-testid="console">${out.lines.join("\n")}</pre>`}` : null}`;
}

const failed = (what, error) => `Could not load ${what}: ${error.message || error}`;

const fileUrl = (project, runId, path) =>
  `/api/v1/projects/${enc(project)}/runs/${enc(runId)}/files/${path.split("/").map(enc).join("/")}`;

export function bytes(n) {
  if (n === null || n === undefined) return "";
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return h ? `${h} h ${String(m).padStart(2, "0")} m` : `${m} m ${String(rest).padStart(2, "0")} s`;
}
