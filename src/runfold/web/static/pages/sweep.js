// "/projects/<project>/sweeps/<id>": one sweep: its state (with Pause, Resume, Stop and
// Cancel where the server allows them), the metric over run index with the best so
// far, the parameters against the metric (parallel coordinates, importance and
// correlation), its runs, its definition and its agents. While the sweep runs (or a
// run of it does), the page fetches it again every 5 s.
import { enc, getJSON, sendJSON } from "../lib/api.js";
import { useLiveFetch } from "../lib/live.js";
import { agentSilent, ago, bestRun, paramNames, stateActions, toYaml } from "../lib/sweeps.js";
import { html, useEffect, useMemo, useState } from "../lib/ui.js";
import { Failure, Header, fmt, when } from "./common.js";
import { ImportanceTable, ProgressChart, SweepParcoords } from "./sweep-charts.js";
import { SweepRunsTable } from "./sweep-runs.js";
import { SweepState } from "./sweeps.js";

const isLive = (s) => s.state === "running" || s.state === "paused" || s.runs.some((r) => r.state === "running");

export function SweepPage({ project, sweepId }) {
  const [version, setVersion] = useState(0);
  const path = `/projects/${enc(project)}/sweeps/${enc(sweepId)}`;
  const [sweep, error] = useLiveFetch(`${path}#${version}`, () => getJSON(path), isLive, path);
  useEffect(() => {
    document.title = `${sweep && sweep.name ? sweep.name : sweepId} · sweep · ${project} · Runfold`;
  }, [project, sweepId, sweep && sweep.name]);
  const list = `/projects/${enc(project)}/sweeps`;
  return html`
    <${Header} project=${project} group=${`sweeps / ${sweepId}`} />
    <main class="sweep-page">
      ${error && !sweep ? html`<${Failure} error=${error} />
        <p><a href=${list}>All sweeps of ${project}</a></p>` : null}
      ${!error && !sweep ? html`<p class="loading">Loading the sweep…</p>` : null}
      ${sweep ? html`<${Sweep} project=${project} sweep=${sweep} list=${list}
        onChanged=${() => setVersion((v) => v + 1)} />` : null}
    </main>`;
}

function Sweep({ project, sweep, list, onChanged }) {
  const params = useMemo(() => paramNames(sweep), [sweep]);
  const metric = sweep.metric;
  return html`
    <div class="rf-title-row">
      <h1 data-testid="sweep-title">${sweep.name || sweep.id}</h1>
      <${SweepState} state=${sweep.state} />
      <code class="muted" title="The sweep id: runfold agent ${sweep.id}">${sweep.id}</code>
      <${StateControls} project=${project} sweep=${sweep} onChanged=${onChanged} />
      <a class="rf-button" href=${list} data-testid="sweeps-link">All sweeps</a>
    </div>
    <${Facts} project=${project} sweep=${sweep} />
    <div class="sweep-grid">
      <section class="panel">
        <h2>${metric ? metric.name : "Metric"} over runs</h2>
        <${ProgressChart} sweep=${sweep} />
      </section>
      <section class="panel">
        <h2>Parameter importance</h2>
        <${ImportanceTable} sweep=${sweep} />
      </section>
    </div>
    <${SweepParcoords} sweep=${sweep} params=${params} />
    <h2>Runs</h2>
    <${SweepRunsTable} project=${project} sweep=${sweep} params=${params} />
    <div class="sweep-grid even">
      <section><h2>Definition</h2><${Definition} config=${sweep.config} /></section>
      <section class="sweep-agents-box"><h2>Agents</h2><${Agents} agents=${sweep.agents} /></section>
    </div>`;
}

function Facts({ project, sweep }) {
  const config = sweep.config || {};
  const metric = sweep.metric;
  const best = metric ? bestRun(sweep.runs, metric.goal) : null;
  const cap = config.run_cap ? ` of at most ${config.run_cap}` : "";
  return html`
    <p class="sweep-facts" data-testid="sweep-facts">
      <span><span class="muted">method</span> ${config.method}</span>
      ${metric ? html`<span><span class="muted">metric</span> ${metric.name} (${metric.goal})</span>` : null}
      <span><span class="muted">runs</span> ${sweep.run_count}${cap}</span>
      ${best ? html`<span data-testid="sweep-best"><span class="muted">best</span> ${fmt(best.value)}${" "}
        ${best.run_id ? html`(<a href=${`/projects/${enc(project)}/runs/${enc(best.run_id)}`}>${best.name}</a>)`
        : null}</span>` : null}
      ${config.early_terminate ? html`<span><span class="muted">early termination</span>${" "}
        ${config.early_terminate.type}</span>` : null}
      <span><span class="muted">created</span> ${when(sweep.created_at)}</span>
    </p>`;
}

// The state buttons; a server that refuses (403) hides them: this page is read-only.
function StateControls({ project, sweep, onChanged }) {
  const [busy, setBusy] = useState(null);
  const [error, setError] = useState(null);
  const [denied, setDenied] = useState(null);
  if (denied) {
    return html`<span class="muted" data-testid="sweep-readonly" title=${denied}>read-only</span>`;
  }
  const act = async (action) => {
    if (action.danger && !window.confirm(`Cancel sweep ${sweep.id}? Its running runs are ended.`)) return;
    setBusy(action.state);
    setError(null);
    try {
      await sendJSON("POST", `/projects/${enc(project)}/sweeps/${enc(sweep.id)}/state`, { state: action.state });
      onChanged();
    } catch (e) {
      if (e.status === 403 || e.status === 405) setDenied(e.message || "You may not change this sweep.");
      else setError(e);
    } finally {
      setBusy(null);
    }
  };
  return html`
    <span class="sweep-controls" data-testid="sweep-controls">
      ${stateActions(sweep.state).map((a) => html`
        <button class=${`rf-button${a.danger ? " danger" : ""}`} data-testid=${`sweep-${a.label.toLowerCase()}`}
          title=${a.title} disabled=${busy !== null} onClick=${() => act(a)}>
          ${busy === a.state ? `${a.label}…` : a.label}</button>`)}
      ${error ? html`<${Failure} error=${error} />` : null}
    </span>`;
}

function Definition({ config }) {
  const [asJson, setAsJson] = useState(false);
  const text = asJson ? `${JSON.stringify(config, null, 2)}\n` : toYaml(config);
  return html`
    <div class="sweep-definition">
      <div class="toolbar">
        <button aria-pressed=${asJson ? "false" : "true"} onClick=${() => setAsJson(false)}>YAML</button>
        <button aria-pressed=${asJson ? "true" : "false"} onClick=${() => setAsJson(true)}>JSON</button>
      </div>
      <pre class="snippet" data-testid="sweep-definition">${text}</pre>
    </div>`;
}

function Agents({ agents }) {
  const now = Date.now() / 1000;
  if (!agents || !agents.length) {
    return html`<p class="muted" data-testid="no-agents">No agent has taken a run yet.</p>`;
  }
  return html`
    <table class="grid kv sweep-agents" data-testid="sweep-agents">
      <thead><tr><th>Agent</th><th>Host</th><th class="num">PID</th><th>State</th><th>Started</th>
        <th>Last contact</th></tr></thead>
      <tbody>${agents.map((a) => {
        const silent = agentSilent(a, now);
        return html`<tr data-testid="agent-row" data-id=${a.id} class=${silent ? "silent" : ""}>
          <td><code>${a.id}</code></td><td>${a.host || ""}</td><td class="num">${a.pid ?? ""}</td>
          <td><span class=${`state ${a.state}`}>${a.state}</span>${silent ? html` <span class="warn"
            title="No contact for over a minute: the agent may have died; its run goes to another agent">
            silent</span>` : null}</td>
          <td class="muted">${when(a.started_at)}</td>
          <td title=${when(a.seen_at)} data-testid="agent-seen">${ago(a.seen_at, now)}</td>
        </tr>`;
      })}</tbody>
    </table>`;
}
