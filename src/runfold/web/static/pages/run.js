// "/projects/<p>/runs/<id>": one run — overview, config, summary, host and code,
// files and console output.
import { enc, getJSON } from "../lib/api.js";
import { html, useEffect, useState } from "../lib/ui.js";
import { Failure, Header, fmt, when } from "./common.js";

export function RunPage({ project, runId }) {
  const [run, setRun] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    getJSON(`/projects/${enc(project)}/runs/${enc(runId)}`).then(setRun, setError);
  }, [project, runId]);
  return html`
    <${Header} project=${project} group=${run && run.group} />
    <main>
      ${error ? html`<${Failure} error=${error} />` : null}
      ${!run && !error ? html`<p class="loading">Loading…</p>` : null}
      ${run ? html`<${RunBody} run=${run} project=${project} />` : null}
    </main>`;
}

function RunBody({ run, project }) {
  const meta = run.metadata || {};
  return html`
    <h1 data-testid="run-name">${run.name} <span class=${`state ${run.state}`}>${run.state}</span></h1>
    <${Overview} run=${run} project=${project} meta=${meta} />
    <h2>Config</h2>
    <${Tree} value=${run.config} testid="config" />
    <h2>Summary</h2>
    <${KeyValues} values=${run.summary} testid="summary" />
    <${Code} meta=${meta} run=${run} project=${project} />
    <h2>Files</h2>
    <${Files} run=${run} project=${project} />
    <h2>Console</h2>
    <${Console} run=${run} project=${project} />`;
}

function Overview({ run, project, meta }) {
  const host = meta.host || {};
  const rows = [
    ["id", run.id],
    ["group", run.group ? html`<a href=${`/projects/${enc(project)}/groups/${enc(run.group)}`}>${run.group}</a>` : ""],
    ["job type", run.job_type],
    ["tags", (run.tags || []).join(", ")],
    ["notes", run.notes],
    ["created", when(run.created_at)],
    ["finished", when(run.finished_at)],
    ["runtime", run.runtime !== undefined ? `${Math.round(run.runtime)} s` : ""],
    ["exit code", run.exit_code],
    ["host", run.host],
    ["python", host.python || meta.python],
    ["command", (host.argv || meta.argv || []).join(" ")],
  ];
  return html`
    <table class="grid kv" data-testid="overview"><tbody>
      ${rows.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => html`
        <tr><th>${k}</th><td>${v}</td></tr>`)}
    </tbody></table>`;
}

function KeyValues({ values, testid }) {
  const keys = Object.keys(values || {}).sort();
  if (!keys.length) return html`<p class="muted">None.</p>`;
  return html`
    <table class="grid kv" data-testid=${testid}><tbody>
      ${keys.map((k) => html`<tr><th>${k}</th><td class="num">${fmt(values[k])}</td></tr>`)}
    </tbody></table>`;
}

function Tree({ value, testid, prefix = "" }) {
  const keys = Object.keys(value || {}).sort();
  if (!keys.length && !prefix) return html`<p class="muted">None.</p>`;
  return html`
    <ul class="tree" data-testid=${testid}>
      ${keys.map((k) => {
        const v = value[k];
        const nested = v && typeof v === "object" && !Array.isArray(v);
        return html`<li>
          <span class="key">${k}</span>${nested ? null : html`: <span class="val">${fmt(v)}</span>`}
          ${nested ? html`<${Tree} value=${v} prefix=${`${prefix}${k}.`} />` : null}
        </li>`;
      })}
    </ul>`;
}

function Code({ meta, run, project }) {
  const git = meta.git;
  const code = meta.code;
  if (!git && !code) return null;
  const file = (path) => `/api/v1/projects/${enc(project)}/runs/${enc(run.id)}/files/${path}`;
  return html`
    <h2>Code</h2>
    <table class="grid kv" data-testid="code"><tbody>
      ${git && git.commit ? html`<tr><th>commit</th><td>${git.commit.slice(0, 12)}${git.dirty ? " (dirty)" : ""}</td></tr>` : null}
      ${git && git.branch ? html`<tr><th>branch</th><td>${git.branch}</td></tr>` : null}
      ${git && git.remote ? html`<tr><th>remote</th><td>${git.remote}</td></tr>` : null}
      ${git && git.note ? html`<tr><th>git</th><td class="muted">${git.note}</td></tr>` : null}
      ${git && git.patch ? html`<tr><th>diff</th><td><a href=${file(git.patch)}>${git.patch}</a></td></tr>` : null}
      ${code && code.saved_as ? html`<tr><th>script</th><td><a href=${file(code.saved_as)}>${code.saved_as}</a></td></tr>` : null}
      ${code && code.note ? html`<tr><th>script</th><td class="muted">${code.note}</td></tr>` : null}
    </tbody></table>`;
}

function Files({ run, project }) {
  const files = run.files || [];
  if (!files.length) return html`<p class="muted">No files. Save some with <code>run.save("*.pt")</code>.</p>`;
  return html`
    <table class="grid" data-testid="files"><tbody>
      ${files.map((f) => html`<tr>
        <td><a href=${`/api/v1/projects/${enc(project)}/runs/${enc(run.id)}/files/${f.path.split("/").map(enc).join("/")}`} download>${f.path}</a></td>
        <td class="num muted">${f.size} B</td></tr>`)}
    </tbody></table>`;
}

function Console({ run, project }) {
  const [q, setQ] = useState("");
  const [out, setOut] = useState(null);
  useEffect(() => {
    const timer = setTimeout(() => {
      getJSON(`/projects/${enc(project)}/runs/${enc(run.id)}/output`, { q }).then(setOut, () => setOut(null));
    }, 150);
    return () => clearTimeout(timer);
  }, [q, run.id]);
  return html`
    <div class="toolbar"><input type="search" placeholder="Search the output" value=${q}
      onInput=${(e) => setQ(e.target.value)} data-testid="console-search" /></div>
    ${out && out.total === 0 ? html`<p class="muted">No console output recorded.</p>` : null}
    ${out && out.total > 0 ? html`
      <p class="muted" data-testid="console-count">${q ? `${out.matched} of ${out.total} lines` : `${out.total} lines`}</p>
      <pre class="snippet console" data-testid="console">${out.lines.join("\n")}</pre>` : null}`;
}
