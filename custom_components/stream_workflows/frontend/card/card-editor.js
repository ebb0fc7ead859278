// The card's visual editor: a workflow picker and toggles; fires `config-changed`.
import { workflowSensors } from "./sensors.js";

class StreamWorkflowCardEditor extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = {};
    this._hass = null;
    this._names = null;
  }

  setConfig(config) {
    this._config = { ...config };
    this._render();
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first) {
      this._render();
      hass.callWS({ type: "stream_workflows/list" }).then((reply) => {
        this._names = Object.fromEntries((reply.workflows || []).filter((w) => w.workflow_id).map((w) => [w.workflow_id, w.name]));
        this._render();
      }, () => {});
    }
  }

  _ids() {
    const ids = new Set(workflowSensors(this._hass).map((s) => s.attributes.workflow_id));
    for (const id of Object.keys(this._names || {})) ids.add(id);
    if (this._config.workflow_id) ids.add(this._config.workflow_id);
    return [...ids].sort();
  }

  _render() {
    if (!this._hass) return;
    const c = this._config;
    const options = this._ids().map((id) => {
      const label = this._names?.[id] ? `${this._names[id]} (${id})` : id;
      return `<option value="${esc(id)}" ${id === c.workflow_id ? "selected" : ""}>${esc(label)}</option>`;
    }).join("");
    this.shadowRoot.innerHTML = `
      <style>
        .form { display: flex; flex-direction: column; gap: 12px; }
        label { display: flex; flex-direction: column; gap: 4px; color: var(--primary-text-color); font-size: 14px; }
        label.toggle { flex-direction: row; align-items: center; gap: 8px; }
        select, input[type=text] { font: inherit; padding: 8px; border-radius: 4px; border: 1px solid var(--divider-color);
          background: var(--card-background-color); color: var(--primary-text-color); min-height: 40px; }
        input[type=checkbox] { width: 20px; height: 20px; accent-color: var(--primary-color); }
        .hint { font-size: 12px; color: var(--secondary-text-color); }
      </style>
      <div class="form">
        <label>Workflow<select id="workflow_id">${options ? `<option value="">— choose —</option>${options}` : '<option value="">No workflows yet</option>'}</select></label>
        <label>Name (optional)<input type="text" id="name" value="${esc(c.name || "")}" placeholder="the workflow's name"></label>
        <label class="toggle"><input type="checkbox" id="show_flowchart" ${c.show_flowchart ? "checked" : ""}>Show the flowchart with the live state</label>
        <span class="hint">Cancel asks to confirm; a long press on Cancel cancels at once.</span>
      </div>`;
    const root = this.shadowRoot;
    root.getElementById("workflow_id").addEventListener("change", (ev) => this._set("workflow_id", ev.target.value));
    root.getElementById("name").addEventListener("change", (ev) => this._set("name", ev.target.value.trim()));
    root.getElementById("show_flowchart").addEventListener("change", (ev) => this._set("show_flowchart", ev.target.checked));
  }

  _set(key, value) {
    const next = { ...this._config };
    if (value === "" || value === false) delete next[key];
    else next[key] = value;
    if (key === "workflow_id" && !value) return;
    this._config = next;
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config: next }, bubbles: true, composed: true }));
  }
}

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

if (!customElements.get("stream-workflow-card-editor")) {
  customElements.define("stream-workflow-card-editor", StreamWorkflowCardEditor);
}
