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

const OUTCOME_COLOUR = { success: "var(--success-color, #43a047)", error: "var(--error-color, #db4437)" };

function stepBlock(s) {
  const colour = OUTCOME_COLOUR[s.outcome] || "var(--warning-color, #ffa600)";
  const timing = [duration(s.duration_ms), s.retries ? `${s.retries} ${s.retries === 1 ? "retry" : "retries"}` : ""].filter(Boolean).join(" · ");
  const io = [["Parameters", s.params], ["Result", s.result]]
    .filter(([, data]) => value(data))
    .map(([label, data]) => `<div><div class="io-label">${label}</div>${value(data)}</div>`)
    .join("");
  return `<li data-step="${esc(s.step)}">
    <div class="step-head"><span class="step-name">${esc(s.step)}</span>
      <span class="outcome-chip" style="color:${colour}">${esc(s.outcome)}</span>
      <span class="sub">${esc(timing)}</span></div>
    ${io ? `<div class="step-io">${io}</div>` : ""}
    ${s.error ? `<div class="step-error">${esc(s.error.message || JSON.stringify(s.error))}</div>` : ""}</li>`;
}

export function renderDetail(detail) {
  const error = detail.error ? `<div class="error">${esc(detail.error.message || JSON.stringify(detail.error))}</div>` : "";
  const errors = (detail.errors || []).length
    ? `<div class="banner">Handled errors: ${detail.errors.map((e) => esc(e.message || JSON.stringify(e))).join("; ")}</div>`
    : "";
  const steps = (detail.steps || []).map(stepBlock).join("");
  return `<div class="card" id="detail"><h2 style="display:flex;align-items:center;gap:8px"><span style="flex:1;overflow-wrap:anywhere">Run ${esc(detail.run_id)}</span>
    <button class="btn" id="close-detail">Back to live</button></h2>
    <div class="body"><div class="sub">${esc(detail.status)} · started ${esc(new Date(detail.started_at).toLocaleString())}${detail.finished_at ? ` · finished ${when(detail.finished_at)}` : ""} · ${esc(triggerText(detail.trigger))}</div>
    <div style="margin:8px 0;overflow-wrap:anywhere" data-sw="detail-path">${esc((detail.path || []).join(" → "))}</div></div>
    ${error}${errors}
    ${steps ? `<ol class="step-list">${steps}</ol>` : `<div class="empty">No steps ran.</div>`}</div>`;
}

/** The live view for the flowchart from a run's detail: its path and each step's outcome. */
export function detailLive(detail) {
  const outcomes = {};
  for (const step of detail.steps || []) outcomes[step.step] = step.outcome;
  return { current: [], path: detail.path || [], outcomes, wait_ends_at: null };
}
