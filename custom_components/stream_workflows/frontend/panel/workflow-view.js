// <sw-workflow-view>: one workflow's page: the flowchart with the live state, Run (inputs as a
// form), Rehearse (watched: real time), Pause, Resume, Cancel (confirmed), the run history and a
// run's detail drawn on the flowchart, Edit (the editor, when it is there) and "Copy to an
// editable workflow" for file workflows. The panel feeds it the workflow's entry from the list
// (`entry`) and every subscription event of this workflow (`liveEvent`).
import "../shared/flowchart.js";
import "./save-template.js"; // <sw-save-template> (sharing-gaps): "Save as template"
import { control, duplicate, errorText, getWorkflow, listRuns, runDetail } from "./api.js";
import { detailLive, renderDetail, renderRuns } from "./run-history.js";
import { readForm, renderInputs } from "./run-form.js";
import { STYLES } from "./styles.js";
import { ACTIVE, esc, navigate, statusColour } from "./util.js";

const PANEL = "/stream-workflows";

class SwWorkflowView extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._hass = null;
    this.workflowId = null;
    this.narrow = false;
    this.editorAvailable = false;
    this._doc = null; // the `get` answer
    this._live = null; // {status, state, current, path, outcomes, progress, wait_ends_at, ...}
    this._runs = null;
    this._detail = null;
    this._error = "";
    this._form = false;
    this._confirm = false;
    this._busy = false;
    this._rendered = false;
    this._chartEl = document.createElement("sw-flowchart");
    this._chartEl.id = "chart";
    this.shadowRoot.addEventListener("click", (ev) => this._click(ev));
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first && this.workflowId) this._load();
    const dark = Boolean(hass && hass.themes && hass.themes.darkMode);
    if (this._dark !== undefined && dark !== this._dark) requestAnimationFrame(() => this._chart()?.refreshTheme());
    this._dark = dark;
  }

  get hass() {
    return this._hass;
  }

  set entry(entry) {
    this._entry = entry;
    if (entry && !this._live) {
      this._live = { status: entry.status, state: entry.state, current: entry.current || [], path: [], outcomes: {}, progress: entry.progress, wait_ends_at: entry.wait_ends_at, rehearsal: entry.rehearsal };
    }
    if (this._rendered) this._renderStatus();
  }

  set liveEvent(event) {
    const finished = !ACTIVE.has(event.status);
    const newRun = this._live && this._live.run_id && event.run_id !== this._live.run_id;
    this._live = { ...event, current: finished ? [] : event.current || [] };
    this._renderStatus();
    if (!this._detail) this._updateChart();
    if (finished || newRun || event.change === "started") this._loadRuns();
  }

  connectedCallback() {
    if (!this._rendered) this._render();
  }

  _chart() {
    return this._chartEl;
  }

  disconnectedCallback() {
    if (!this.isConnected) queueMicrotask(() => !this.isConnected && this._chartEl.destroy());
  }

  async _load() {
    try {
      this._doc = await getWorkflow(this._hass, this.workflowId);
      this._error = "";
    } catch (err) {
      this._error = errorText(err);
    }
    this._render();
    this._loadRuns(true);
  }

  async _loadRuns(seedLive = false) {
    try {
      const answer = await listRuns(this._hass, this.workflowId);
      this._runs = answer.runs || [];
    } catch (err) {
      this._runs = [];
      this._error = errorText(err);
    }
    const box = this.shadowRoot.getElementById("runs");
    if (box) box.innerHTML = renderRuns(this._runs, this._detail && this._detail.run_id);
    // Seed the path of a run that is under way when the page opens (events carry it from then on).
    const latest = this._runs[0];
    if (seedLive && latest && ACTIVE.has(latest.status) && this._live && !(this._live.path || []).length) {
      this._live = { ...this._live, path: latest.path || [] };
      this._updateChart();
    }
  }

  _updateChart() {
    const chart = this._chart();
    if (!chart) return;
    const live = this._detail ? detailLive(this._detail) : this._live || {};
    chart.live = { current: live.current || [], path: live.path || [], outcomes: live.outcomes || {}, wait_ends_at: live.wait_ends_at || null, wait_remaining: live.status === "paused" ? live.wait_remaining ?? null : null };
  }

  _statusHtml() {
    const live = this._live || {};
    const status = live.status || "idle";
    const state = status === "running" ? live.state || (live.current || []).join(", ") : status;
    const progress = live.progress && live.progress[1] && ACTIVE.has(status) ? `<span class="sub">step ${live.progress[0]} of ${live.progress[1]}</span>` : "";
    const rehearsal = live.rehearsal && ACTIVE.has(status) ? `<span class="chip">rehearsal</span>` : "";
    const error = live.error && !ACTIVE.has(status) ? `<span style="color:var(--error-color)">${esc(live.error.message || JSON.stringify(live.error))}</span>` : "";
    return `<span class="dot" style="background:${statusColour(status)}"></span>
      <span class="state" data-sw="state" data-status="${esc(status)}">${esc(state)}</span>${progress}${rehearsal}${error}`;
  }

  _controlsHtml() {
    const status = (this._live && this._live.status) || "idle";
    const active = ACTIVE.has(status);
    const admin = Boolean(this._hass && this._hass.user && this._hass.user.is_admin);
    if (this._confirm) {
      return `<span style="align-self:center">Cancel the run?</span>
        <button class="btn danger primary" id="cancel-yes">Yes, cancel</button><button class="btn" id="cancel-no">No</button>`;
    }
    const valid = !this._entry || this._entry.valid !== false;
    return `<button class="btn primary" id="run" ${active || !valid ? "disabled" : ""}>Run</button>
      <button class="btn" id="rehearse" ${active || !valid ? "disabled" : ""}>Rehearse</button>
      <button class="btn" id="pause" ${status !== "running" ? "disabled" : ""}>Pause</button>
      <button class="btn" id="resume" ${status !== "paused" ? "disabled" : ""}>Resume</button>
      <button class="btn danger" id="cancel" ${!active ? "disabled" : ""}>Cancel</button>
      <span style="flex:1"></span>
      ${this.editorAvailable && admin && this._doc ? `<button class="btn" id="edit">${this._doc.editable ? "Edit" : "View YAML"}</button>` : ""}
      ${admin && this._doc && this._doc.source === "file" ? `<button class="btn" id="copy">Copy to an editable workflow</button>` : ""}
      ${admin && this._doc ? `<button class="btn" id="save-template">Save as template</button>` : ""}`;
  }

  _renderStatus() {
    const line = this.shadowRoot.getElementById("status");
    if (line) line.innerHTML = this._statusHtml();
    const controls = this.shadowRoot.getElementById("controls");
    if (controls) controls.innerHTML = this._controlsHtml();
  }

  _render() {
    this._rendered = true;
    const doc = this._doc;
    const definition = (doc && doc.definition) || {};
    const name = definition.name || (this._entry && this._entry.name) || this.workflowId;
    const inputs = definition.inputs || {};
    const form = this._form
      ? `<div class="form" id="form">${renderInputs(inputs) || `<label>Variables (JSON), e.g. {"name": "value"}<textarea name="__variables" data-type="object" rows="2"></textarea></label>`}
         <div style="display:flex;gap:8px"><button class="btn primary" id="form-go">${this._form === "rehearse" ? "Start rehearsal" : "Start run"}</button><button class="btn" id="form-cancel">Close</button></div></div>`
      : "";
    this.shadowRoot.innerHTML = `<style>${STYLES}</style>
      <div class="layout ${this.narrow ? "stacked" : ""}">
        <div>
          <div class="card">
            <h2 data-sw="name" title="${esc(name)}">${esc(definition.description || "Flowchart")}</h2>
            <div class="status-line" id="status">${this._statusHtml()}</div>
            <div class="controls" id="controls">${this._controlsHtml()}</div>
            ${form}
            ${this._error ? `<div class="error" id="error">${esc(this._error)}</div>` : ""}
            ${this._detail ? `<div class="banner">Showing run ${esc(this._detail.run_id)} on the flowchart.</div>` : ""}
            <div id="chart-slot"></div>
          </div>
        </div>
        <div>
          ${this._detail ? renderDetail(this._detail) : ""}
          <div class="card"><h2>Run history</h2><div id="runs">${renderRuns(this._runs, this._detail && this._detail.run_id)}</div></div>
        </div>
      </div>`;
    const chart = this._chart();
    this.shadowRoot.getElementById("chart-slot").replaceWith(chart);
    if (doc && doc.graph) chart.graph = doc.graph;
    this._updateChart();
  }

  async _call(action, extra) {
    this._busy = true;
    this._error = "";
    try {
      await control(this._hass, action, this.workflowId, extra);
      // A refusal from an earlier try is no longer true once a call went through.
      this.shadowRoot.getElementById("error")?.remove();
    } catch (err) {
      this._error = errorText(err);
      // A run refused for its variables (e.g. a derived input): ask for them.
      if (action === "run") this._form = extra.rehearsal ? "rehearse" : "run";
      this._render();
    } finally {
      this._busy = false;
    }
  }

  _start(kind) {
    let variables = {};
    if (this._form) {
      try {
        variables = readForm(this.shadowRoot.getElementById("form"));
      } catch (err) {
        this._error = err.message;
        this._render();
        return;
      }
    }
    this._form = false;
    this._detail = null;
    this._live = { ...(this._live || {}), path: [], outcomes: {}, current: [] };
    this._render();
    const extra = { variables };
    if (kind === "rehearse") Object.assign(extra, { rehearsal: true, virtual_time: false });
    this._call("run", extra);
  }

  async _click(ev) {
    const target = ev.composedPath().find((el) => el instanceof HTMLElement && (el.id || el.dataset.run));
    if (!target) return;
    const inputs = (this._doc && this._doc.definition && this._doc.definition.inputs) || {};
    const hasInputs = Object.keys(inputs).length > 0;
    switch (target.id) {
      case "run":
      case "rehearse":
        if (hasInputs) {
          this._form = target.id;
          this._render();
        } else this._start(target.id);
        return;
      case "form-go":
        this._start(this._form);
        return;
      case "form-cancel":
        this._form = false;
        this._render();
        return;
      case "pause":
      case "resume":
        this._call(target.id);
        return;
      case "cancel":
        this._confirm = true;
        this._renderStatus();
        return;
      case "cancel-no":
        this._confirm = false;
        this._renderStatus();
        return;
      case "cancel-yes":
        this._confirm = false;
        this._renderStatus();
        this._call("cancel");
        return;
      case "close-detail":
        this._detail = null;
        this._render();
        return;
      case "edit":
        this.dispatchEvent(new CustomEvent("sw-edit", { detail: { workflow_id: this.workflowId }, bubbles: true, composed: true }));
        return;
      case "save-template":
        this.shadowRoot.append(Object.assign(document.createElement("sw-save-template"), { workflowId: this.workflowId, hass: this._hass }));
        return;
      case "copy":
        try {
          const answer = await duplicate(this._hass, this.workflowId);
          navigate(`${PANEL}/${encodeURIComponent(answer.workflow_id)}`);
        } catch (err) {
          this._error = errorText(err);
          this._render();
        }
        return;
      default:
        break;
    }
    if (target.dataset.run) {
      try {
        this._detail = await runDetail(this._hass, target.dataset.run);
      } catch (err) {
        this._error = errorText(err);
      }
      this._render();
    }
  }
}

if (!customElements.get("sw-workflow-view")) customElements.define("sw-workflow-view", SwWorkflowView);
