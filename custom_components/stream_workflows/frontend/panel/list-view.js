// The list of workflows: live status colour and state, source, trigger, last run and outcome;
// invalid files with their located problems. Renders HTML; the panel wires the clicks.
import { esc, statusColour, when } from "./util.js";

function lastRun(run) {
  if (!run) return `<span class="sub">never run</span>`;
  const outcome = run.outcome || run.status;
  return `<span style="color:${statusColour(run.status)}">${esc(outcome)}</span> <span class="sub">${when(run.finished_at || run.started_at)}</span>`;
}

/** The trigger, and whether it starts the workflow (imported workflows' triggers start off). */
function triggerText(wf) {
  if (!wf.trigger) return `<span class="sub">by hand</span>`;
  const [on, all] = wf.triggers || [1, 1];
  if (wf.enabled === false) {
    return `<span class="sub trigger-off">${esc(wf.trigger)}</span> <span class="chip off" title="Its trigger is turned off (enabled: false): it runs only when started">${all > 1 ? "triggers off" : "trigger off"}</span>`;
  }
  const some = on < all ? ` <span class="chip" title="Some triggers are turned off">${on} of ${all} on</span>` : "";
  return `${esc(wf.trigger)}${some}`;
}

function row(wf) {
  const id = esc(wf.workflow_id);
  if (!wf.valid) {
    const problems = (wf.problems || [])
      .map((p) => `<li>${p.path ? `<code>${esc(p.path)}</code>: ` : ""}${esc(p.message)}</li>`)
      .join("");
    return `<div class="row invalid" data-id="${id}" data-valid="false">
      <span class="dot" style="background:var(--error-color)"></span>
      <span><span class="name">${esc(wf.name || wf.workflow_id)}</span><div class="sub">${esc(wf.path || wf.workflow_id)}</div></span>
      <span class="wide" style="color:var(--error-color)">invalid</span>
      <ul class="problems">${problems}</ul></div>`;
  }
  const state = wf.status === "running" ? wf.state : wf.status;
  const progress = wf.progress && wf.progress[1] && ["running", "paused"].includes(wf.status) ? ` <span class="sub">${wf.progress[0]}/${wf.progress[1]}</span>` : "";
  return `<div class="row" data-id="${id}" data-status="${esc(wf.status)}">
    <span class="dot" style="background:${statusColour(wf.status)}" title="${esc(wf.status)}"></span>
    <span><span class="name">${esc(wf.name)}</span>${wf.rehearsal ? ` <span class="chip">rehearsal</span>` : ""}<div class="sub">${esc(wf.description || wf.workflow_id)}</div></span>
    <span class="state" data-sw="state">${esc(state)}${progress}</span>
    <span class="wide"><span class="chip">${esc(wf.source === "file" ? "file" : "stored")}</span></span>
    <span class="wide" data-sw="trigger" data-enabled="${wf.enabled === false ? "false" : wf.enabled ? "true" : "none"}">${triggerText(wf)}</span>
    <span class="wide">${lastRun(wf.last_run)}</span></div>`;
}

export function renderList(workflows, { canCreate }) {
  const sorted = [...workflows].sort((a, b) => (a.valid === b.valid ? String(a.name || a.workflow_id).localeCompare(String(b.name || b.workflow_id)) : a.valid ? -1 : 1));
  const head = `<div class="row head"><span></span><span>Workflow</span><span>State</span><span>Source</span><span>Trigger</span><span>Last run</span></div>`;
  const body = sorted.length ? sorted.map(row).join("") : `<div class="empty">No workflows yet: add files to &lt;config&gt;/stream_workflows/ or create one.</div>`;
  return `<div class="card" id="list"><h2 style="display:flex;align-items:center;gap:8px"><span style="flex:1">Workflows</span>${canCreate ? `<button class="btn" id="new">New workflow</button>` : ""}</h2>${head}${body}</div>`;
}
