// The run history ("traces") of one workflow and the detail of one run.
import { duration, esc, statusColour, when } from "./util.js";

function triggerText(trigger) {
  if (!trigger) return "";
  if (typeof trigger === "string") return trigger;
  return trigger.detail ? `${trigger.kind}: ${trigger.detail}` : trigger.kind || "";
}

export function renderRuns(runs, selected) {
  if (!runs) return `<div class="empty">Loading…</div>`;
  if (!runs.length) return `<div class="empty">No runs yet.</div>`;
  return `<ul class="runs">${runs
    .map(
      (run) => `<li data-run="${esc(run.run_id)}" class="${run.run_id === selected ? "selected" : ""}">
        <span class="dot" style="background:${statusColour(run.status)}"></span>
        <span><b>${esc(run.status)}</b>${run.rehearsal ? ` <span class="chip">rehearsal</span>` : ""} <span class="sub">${run.trigger && run.trigger.kind === "rehearsal" ? "" : esc(triggerText(run.trigger))}</span></span>
        <span class="sub">${when(run.started_at)}</span>
        <span class="path">${esc((run.path || []).join(" → "))}</span></li>`,
    )
    .join("")}</ul>`;
}

function value(data) {
  if (data == null || (typeof data === "object" && !Object.keys(data).length)) return "";
  return `<pre>${esc(typeof data === "string" ? data : JSON.stringify(data, null, 1))}</pre>`;
}

export function renderDetail(detail) {
  const error = detail.error ? `<div class="error">${esc(detail.error.message || JSON.stringify(detail.error))}</div>` : "";
  const errors = (detail.errors || []).length
    ? `<div class="banner">Handled errors: ${detail.errors.map((e) => esc(e.message || JSON.stringify(e))).join("; ")}</div>`
    : "";
  const steps = (detail.steps || [])
    .map(
      (s) => `<tr data-step="${esc(s.step)}"><td><b>${esc(s.step)}</b></td>
      <td style="color:${s.outcome === "success" ? "var(--success-color)" : s.outcome === "error" ? "var(--error-color)" : "var(--warning-color)"}">${esc(s.outcome)}</td>
      <td>${duration(s.duration_ms)}${s.retries ? ` <span class="sub">(${s.retries} retries)</span>` : ""}</td>
      <td>${value(s.params)}</td><td>${value(s.result)}${s.error ? `<div style="color:var(--error-color)">${esc(s.error.message || JSON.stringify(s.error))}</div>` : ""}</td></tr>`,
    )
    .join("");
  return `<div class="card" id="detail"><h2 style="display:flex;align-items:center;gap:8px"><span style="flex:1">Run ${esc(detail.run_id)}</span>
    <button class="btn" id="close-detail">Back to live</button></h2>
    <div class="body"><div class="sub">${esc(detail.status)} · started ${esc(new Date(detail.started_at).toLocaleString())}${detail.finished_at ? ` · finished ${when(detail.finished_at)}` : ""} · ${esc(triggerText(detail.trigger))}</div>
    <div style="margin:8px 0" data-sw="detail-path">${esc((detail.path || []).join(" → "))}</div></div>
    ${error}${errors}
    <div style="overflow-x:auto"><table class="steps"><thead><tr><th>Step</th><th>Outcome</th><th>Duration</th><th>Parameters</th><th>Result</th></tr></thead><tbody>${steps}</tbody></table></div></div>`;
}

/** The live view for the flowchart from a run's detail: its path and each step's outcome. */
export function detailLive(detail) {
  const outcomes = {};
  for (const step of detail.steps || []) outcomes[step.step] = step.outcome;
  return { current: [], path: detail.path || [], outcomes, wait_ends_at: null };
}
