// "/projects/<project>/artifacts/<name>?version=vN": one artifact — its versions
// with their aliases, the chosen version's metadata, files (sizes, downloads) and
// the runs that logged and used it, and the lineage graph around it (dataset →
// training runs → model → evaluation runs).
import { enc, getJSON } from "../lib/api.js";
import { label, layout } from "../lib/lineage.js";
import { html, useEffect, useMemo, useState } from "../lib/ui.js";
import { artifactHref } from "./artifact-links.js";
import { Failure, Header, when } from "./common.js";
import { bytes } from "./run.js";

const runHref = (project, id) => `/projects/${enc(project)}/runs/${enc(id)}`;

function chosenVersion() {
  return new URLSearchParams(window.location.search).get("version");
}

export function ArtifactPage({ project, name }) {
  const [data, setData] = useState(null);
  const [lineage, setLineage] = useState(null);
  const [error, setError] = useState(null);
  const [chosen, setChosen] = useState(chosenVersion());
  const base = `/projects/${enc(project)}/artifacts/${enc(name)}`;
  useEffect(() => {
    document.title = `${name} · ${project} · Runfold`;
    getJSON(base).then(setData, setError);
    getJSON(`${base}/lineage`).then(setLineage, setError);
  }, [project, name]);
  const choose = (label) => {
    setChosen(label);
    const url = new URL(window.location.href);
    url.searchParams.set("version", label);
    window.history.replaceState(null, "", url);
  };
  const versions = data ? data.versions : [];
  const latest = versions.find((v) => (v.aliases || []).includes("latest")) || versions[versions.length - 1];
  const current = versions.find((v) => v.label === chosen) || latest;
  return html`
    <${Header} project=${project} group="artifacts" />
    <main class="artifact-page">
      <div class="rf-title-row">
        <h1 data-testid="artifact-name">${name} ${current ? html`<span class="chip">${current.type}</span>` : null}</h1>
        <a class="rf-button" href=${`/projects/${enc(project)}/artifacts`}>All artifacts</a>
      </div>
      ${error ? html`<${Failure} error=${error} />` : null}
      ${!error && !data ? html`<p class="loading">Loading…</p>` : null}
      ${data ? html`
        <div class="art-grid">
          <section class="panel"><h3>Versions</h3>
            <${Versions} versions=${versions} current=${current} choose=${choose} project=${project} /></section>
          ${current ? html`<${VersionDetail} key=${current.label} project=${project} name=${name}
            version=${current} links=${lineage ? lineage.links : null} />` : null}
        </div>
        <h2>Lineage</h2>
        ${lineage ? html`<${Graph} project=${project} graph=${lineage.graph} current=${current} />`
          : html`<p class="loading">Loading lineage…</p>`}` : null}
    </main>`;
}

function Versions({ versions, current, choose, project }) {
  return html`
    <table class="grid art-versions" data-testid="versions"><thead><tr>
      <th>Version</th><th>Aliases</th><th class="num">Files</th><th class="num">Size</th><th>Created</th><th>Logged by</th>
    </tr></thead><tbody>
      ${[...versions].reverse().map((v) => html`
        <tr data-version=${v.label} class=${current && v.label === current.label ? "chosen" : ""}
            onClick=${() => choose(v.label)}>
          <td><a href=${`?version=${v.label}`} onClick=${(e) => { e.preventDefault(); choose(v.label); }}>${v.label}</a></td>
          <td>${(v.aliases || []).map((a) => html`<span class="chip" data-alias=${a}>${a}</span> `)}</td>
          <td class="num">${v.file_count}</td>
          <td class="num">${bytes(v.size)}</td>
          <td class="muted">${when(v.created_at)}</td>
          <td>${v.logged_by ? html`<a href=${runHref(project, v.logged_by)} onClick=${(e) => e.stopPropagation()}>${v.logged_by}</a>`
            : html`<span class="muted">—</span>`}</td>
        </tr>`)}
    </tbody></table>`;
}

function VersionDetail({ project, name, version, links }) {
  const [files, setFiles] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    getJSON(`/projects/${enc(project)}/artifacts/${enc(name)}/versions/${enc(version.label)}/files`, { limit: 1000 })
      .then(setFiles, setError);
  }, [project, name, version.label]);
  const users = (links || []).filter((l) => l.role === "used" && l.version.version === version.version);
  const meta = version.metadata || {};
  return html`
    <section class="panel art-detail" data-testid="version-detail" data-version=${version.label}>
      <h3>${name}:${version.label}</h3>
      <table class="grid kv"><tbody>
        <tr><th>digest</th><td><code title=${version.digest}>${version.digest.slice(0, 16)}…</code></td></tr>
        <tr><th>aliases</th><td data-testid="aliases">${(version.aliases || []).join(", ") || html`<span class="muted">none</span>`}</td></tr>
        <tr><th>description</th><td>${version.description || html`<span class="muted">none</span>`}</td></tr>
        <tr><th>logged by</th><td>${version.logged_by ? html`<a href=${runHref(project, version.logged_by)}>${version.logged_by}</a>` : html`<span class="muted">not logged by a run (used only)</span>`}</td></tr>
        <tr><th>used by</th><td data-testid="used-by">${users.length ? users.map((l) => html`<a href=${runHref(project, l.run_id)}>${l.run_name || l.run_id}</a> `)
          : html`<span class="muted">no run yet</span>`}</td></tr>
      </tbody></table>
      ${Object.keys(meta).length ? html`<h3>Metadata</h3><pre class="snippet" data-testid="metadata">${JSON.stringify(meta, null, 2)}</pre>` : null}
      <h3>Files</h3>
      ${error ? html`<${Failure} error=${error} />` : null}
      ${files ? html`<p class="muted note">${files.total} ${files.total === 1 ? "entry" : "entries"}, ${bytes(version.size)}${files.total > files.files.length ? ` (the first ${files.files.length} shown)` : ""}</p>
        <table class="grid art-files" data-testid="artifact-files"><tbody>
          ${files.files.map((f) => html`<tr data-path=${f.path}>
            <td>${f.ref ? html`${f.path} <span class="muted">→ ${f.ref}</span>`
              : html`<a href=${`/api/v1/projects/${enc(project)}/artifact-store/files/${f.digest}?name=${enc(f.path.split("/").pop())}`} download>${f.path}</a>`}</td>
            <td class="num muted" title=${f.size === null ? "" : `${f.size} bytes`}>${bytes(f.size)}</td></tr>`)}
        </tbody></table>` : html`<p class="loading">Loading files…</p>`}
    </section>`;
}

function Graph({ project, graph, current }) {
  const drawn = useMemo(() => layout(graph.nodes, graph.edges), [graph]);
  if (!graph.nodes.length) return html`<p class="muted">No runs have logged or used it yet.</p>`;
  const href = (n) => (n.kind === "run" ? runHref(project, n.run_id) : artifactHref(project, n.name, n.version));
  const chosen = current ? `artifact:${current.name}:${current.label}` : null;
  return html`
    <div class="art-graph" data-testid="lineage">
      ${graph.truncated ? html`<p class="note">The graph is cut at ${graph.nodes.length} nodes.</p>` : null}
      <svg width=${drawn.width} height=${drawn.height} role="img" aria-label="Lineage graph">
        ${drawn.edges.map((e) => html`<path class=${`edge ${e.role}`} d=${e.path} />`)}
        ${drawn.nodes.map((n) => html`
          <a href=${href(n)} data-node=${n.id}>
            <g class=${`node ${n.kind}${n.focus ? " focus" : ""}${n.id === chosen ? " chosen" : ""}`}>
              <rect x=${n.x} y=${n.y} width=${n.w} height=${n.h} rx="6" />
              <text x=${n.x + 8} y=${n.y + 16}>${truncate(label(n), 22)}</text>
              <text class="sub" x=${n.x + 8} y=${n.y + 31}>${n.kind === "run"
                ? truncate(n.group ? `run · ${n.group}` : "run", 26) : truncate(n.type, 26)}</text>
            </g>
          </a>`)}
      </svg>
    </div>`;
}

function truncate(text, n) {
  const s = String(text || "");
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
