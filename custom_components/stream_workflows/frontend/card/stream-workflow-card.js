// custom:stream-workflow-card — one workflow on a dashboard: its name, live state and status
// colour, progress and the wait's countdown, Run / Pause / Resume / Cancel (cancel asks to
// confirm; a long press cancels at once), optionally the small flowchart with the live state.
// Live state comes from the workflow's sensor in `hass.states` (pushed by Home Assistant); the
// flowchart's path and outcomes from stream_workflows/subscribe, only when it is shown.
//
//   type: custom:stream-workflow-card
//   workflow_id: raid_workflow
//   name: Raid            # optional, else the workflow's name
//   show_flowchart: true  # optional
import { CARD_CSS } from "./card-styles.js";
import { findSensor, workflowSensors } from "./sensors.js";

const LONG_PRESS_MS = 600;
const ACTIVE = new Set(["running", "paused"]);
const STATUS_LABEL = {
  idle: "Idle", running: "Running", paused: "Paused",
  succeeded: "Succeeded", failed: "Failed", cancelled: "Cancelled",
};

function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function countdown(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return m ? `${m}:${String(s % 60).padStart(2, "0")}` : `${s} s`;
}

function ago(ms) {
  const s = Math.max(0, (Date.now() - ms) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

class StreamWorkflowCard extends HTMLElement {
  static getStubConfig(hass) {
    const first = workflowSensors(hass).map((s) => s.attributes.workflow_id).sort()[0];
    return { workflow_id: first || "", show_flowchart: false };
  }

  static async getConfigElement() {
    await import("./card-editor.js");
    return document.createElement("stream-workflow-card-editor");
  }

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = null;
    this._hass = null;
    this._tick = null;
    this._confirming = false;
    this._busy = null;
    this._error = null;
    this._unsub = null;
    this._live = null;
    this._flowchart = null;
    this._lastKey = "";
  }

  setConfig(config) {
    if (!config || typeof config.workflow_id !== "string" || !config.workflow_id) {
      throw new Error("Set workflow_id: the id of the workflow this card shows");
    }
    const changed = !this._config || this._config.workflow_id !== config.workflow_id
      || Boolean(this._config.show_flowchart) !== Boolean(config.show_flowchart);
    this._config = { ...config };
    if (changed) {
      this._teardownLive();
      this._flowchart = null;
    }
    this._lastKey = "";
    this._render();
  }

  set hass(hass) {
    this._hass = hass;
    this._render();
    // the flowchart takes its colours from the theme when drawn: redraw them when it changes
    const theme = `${hass?.themes?.theme}/${hass?.themes?.darkMode}`;
    if (theme !== this._theme) {
      this._theme = theme;
      this._refreshChartTheme();
    }
    if (this._config?.show_flowchart && !this._unsub && this.isConnected) this._setupLive();
  }
  get hass() { return this._hass; }

  getCardSize() {
    return this._config?.show_flowchart ? 6 : 3;
  }

  getGridOptions() {
    return { columns: 12, min_columns: 6, rows: this._config?.show_flowchart ? 6 : 3 };
  }

  connectedCallback() {
    this._tick = setInterval(() => this._updateCountdown(), 1000);
    if (this._config?.show_flowchart && this._hass) this._setupLive();
  }

  disconnectedCallback() {
    clearInterval(this._tick);
    this._teardownLive();
  }

  // -- live flowchart ---------------------------------------------------------------------

  async _setupLive() {
    if (this._unsub || !this._hass?.connection) return;
    const id = this._config.workflow_id;
    this._unsub = "pending";
    try {
      await import("../shared/flowchart.js");
      const got = await this._hass.callWS({ type: "stream_workflows/get", workflow_id: id });
      this._graph = got.graph;
      const unsub = await this._hass.connection.subscribeMessage((event) => {
        if (event.workflow_id && event.workflow_id !== id) return;
        if (event.change === "workflows") return;
        this._live = event;
        if (this._flowchart) this._flowchart.live = event;
      }, { type: "stream_workflows/subscribe", workflow_id: id });
      if (this._unsub !== "pending") {
        unsub();
        return;
      }
      this._unsub = unsub;
    } catch (err) {
      this._unsub = null;
      this._graphError = (err && err.message) || String(err);
    }
    this._lastKey = "";
    this._render();
  }

  _teardownLive() {
    if (typeof this._unsub === "function") this._unsub();
    this._unsub = null;
    this._live = null;
  }

  // -- rendering ----------------------------------------------------------------------------

  _view() {
    const sensor = findSensor(this._hass, this._config?.workflow_id);
    if (!sensor) return null;
    const a = sensor.attributes;
    const status = a.status || (sensor.state in STATUS_LABEL ? sensor.state : "running");
    let name = this._config.name || a.friendly_name || this._config.workflow_id;
    // the sensor's friendly name is "<workflow name> <entity name>": the device is the workflow
    const device = this._hass.devices && this._hass.entities?.[sensor.entity_id]?.device_id;
    if (!this._config.name && device && this._hass.devices[device]?.name) name = this._hass.devices[device].name;
    return {
      sensor, status, name,
      state: sensor.state,
      step: a.step, index: a.step_index || 0, steps: a.steps || 0,
      waitEnds: a.wait_ends_at ? Date.parse(a.wait_ends_at) : null,
      waitRemaining: a.wait_remaining ?? null, waitTotal: a.wait_total ?? null,
      finishedAt: a.finished_at ? Date.parse(a.finished_at) : null,
      error: a.last_error, rehearsal: a.rehearsal, unavailable: sensor.state === "unavailable",
    };
  }

  _render() {
    if (!this._config || !this._hass) return;
    const v = this._view();
    const key = JSON.stringify([v && [v.state, v.status, v.step, v.index, v.steps, v.waitEnds, v.waitRemaining, v.error, v.name, v.finishedAt],
      this._confirming, this._busy, this._error, Boolean(this._graph), this._graphError]);
    if (key === this._lastKey) return;
    this._lastKey = key;
    const root = this.shadowRoot;
    if (!v) {
      root.innerHTML = `<style>${CARD_CSS}</style><ha-card data-wid="${esc(this._config.workflow_id)}"><div class="content missing">
        <div class="name">${esc(this._config.name || this._config.workflow_id)}</div>
        <div class="warning">No workflow <b>${esc(this._config.workflow_id)}</b>: check the card's workflow_id, or reload Stream Workflows.</div></div></ha-card>`;
      return;
    }
    const active = ACTIVE.has(v.status);
    const pct = v.steps ? Math.round((Math.min(v.index, v.steps) / v.steps) * 100) : v.status === "succeeded" ? 100 : 0;
    const shownState = active ? (v.state in STATUS_LABEL ? STATUS_LABEL[v.state] : v.state)
      : v.finishedAt ? `Last run ${ago(v.finishedAt)}` : "Ready to run";
    const errorText = v.status === "failed" && v.error ? (v.error.message || JSON.stringify(v.error)) : "";
    const btn = (action, label, icon, extra = "") =>
      `<button class="action ${action}" data-action="${action}" ${this._busy ? "disabled" : ""} ${extra}><ha-icon icon="${icon}"></ha-icon><span>${label}</span></button>`;
    const buttons = [];
    if (!active) buttons.push(btn("run", "Run", "mdi:play"));
    if (v.status === "running") buttons.push(btn("pause", "Pause", "mdi:pause"));
    if (v.status === "paused") buttons.push(btn("resume", "Resume", "mdi:play-pause"));
    if (active) buttons.push(btn("cancel", "Cancel", "mdi:stop", 'title="Cancel (long press: at once)"'));
    root.innerHTML = `<style>${CARD_CSS}</style>
      <ha-card class="status-${esc(v.status)}" data-wid="${esc(this._config.workflow_id)}">
        <div class="content">
          <div class="head">
            <span class="dot" aria-hidden="true"></span>
            <div class="titles">
              <div class="name">${esc(v.name)}</div>
              <div class="state" data-testid="state">${esc(shownState)}${v.rehearsal ? ' <span class="chip">rehearsal</span>' : ""}</div>
            </div>
            <span class="status-chip" data-testid="status">${esc(STATUS_LABEL[v.status] || v.status)}</span>
          </div>
          ${active || v.status !== "idle" ? `<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="${v.steps}" aria-valuenow="${v.index}">
            <div class="bar" style="width:${pct}%"></div></div>
            <div class="meta"><span>${v.steps ? (active ? `Step ${Math.min(v.index + 1, v.steps)} of ${v.steps}` : `${Math.min(v.index, v.steps)} of ${v.steps} steps done`) : ""}</span><span class="countdown" data-testid="countdown"></span></div>` : ""}
          ${errorText ? `<div class="error-text">${esc(errorText)}</div>` : ""}
          ${this._error ? `<div class="error-text">${esc(this._error)}</div>` : ""}
          ${this._confirming ? `<div class="confirm" role="alertdialog">
              <span>Cancel this run?</span>
              <button class="action" data-action="keep">Keep running</button>
              <button class="action cancel" data-action="confirm-cancel">Cancel run</button></div>`
            : `<div class="actions">${buttons.join("")}</div>`}
          ${this._config.show_flowchart ? `<div class="chart">${this._graphError ? `<div class="warning">${esc(this._graphError)}</div>` : ""}</div>` : ""}
        </div>
      </ha-card>`;
    this._updateCountdown();
    this._wireButtons();
    if (this._config.show_flowchart && this._graph && customElements.get("sw-flowchart")) {
      // attached before its graph is set: the chart reads the theme's colours from the page
      const fresh = !this._flowchart;
      if (fresh) {
        this._flowchart = document.createElement("sw-flowchart");
        this._flowchart.setAttribute("compact", "");
      }
      root.querySelector(".chart").append(this._flowchart);
      if (fresh) {
        this._flowchart.graph = this._graph;
        this._refreshChartTheme();
      }
      if (this._live) this._flowchart.live = this._live;
    }
  }

  /** Home Assistant applies a theme's variables a moment after it tells of the change. */
  _refreshChartTheme() {
    for (const delay of [0, 300, 1000]) setTimeout(() => this._flowchart?.refreshTheme?.(), delay);
  }

  _updateCountdown() {
    const el = this.shadowRoot.querySelector(".countdown");
    if (!el) return;
    const v = this._view();
    if (!v) return;
    let left = null;
    if (v.waitEnds && v.status === "running") left = (v.waitEnds - Date.now()) / 1000;
    else if (v.waitRemaining !== null && v.status === "paused") left = v.waitRemaining;
    el.textContent = left === null ? "" : `${v.status === "paused" ? "Wait paused, " : "Waiting "}${countdown(left)}${v.status === "paused" ? " left" : ""}`;
  }

  _wireButtons() {
    for (const b of this.shadowRoot.querySelectorAll("button[data-action]")) {
      const action = b.dataset.action;
      if (action === "cancel") {
        let timer = null;
        let long = false;
        const start = () => {
          long = false;
          timer = setTimeout(() => { long = true; this._call("cancel"); }, LONG_PRESS_MS);
        };
        const stop = () => clearTimeout(timer);
        b.addEventListener("pointerdown", start);
        b.addEventListener("pointerup", stop);
        b.addEventListener("pointerleave", stop);
        b.addEventListener("click", () => {
          if (long) return;
          this._confirming = true;
          this._render();
        });
      } else if (action === "keep") {
        b.addEventListener("click", () => { this._confirming = false; this._render(); });
      } else if (action === "confirm-cancel") {
        b.addEventListener("click", () => { this._confirming = false; this._call("cancel"); });
      } else {
        b.addEventListener("click", () => this._call(action));
      }
    }
  }

  async _call(action) {
    this._busy = action;
    this._error = null;
    this._render();
    try {
      const data = { workflow_id: this._config.workflow_id };
      if (action === "run") data.source = "dashboard"; // the run history shows where it started
      await this._hass.callService("stream_workflows", action, data);
    } catch (err) {
      this._error = `${action} failed: ${(err && err.message) || err}`;
    } finally {
      this._busy = null;
      this._render();
    }
  }
}

if (!customElements.get("stream-workflow-card")) {
  customElements.define("stream-workflow-card", StreamWorkflowCard);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: "stream-workflow-card",
    name: "Stream Workflow",
    description: "A Stream Workflows workflow: live state, progress, countdown, run / pause / resume / cancel.",
    preview: true,
  });
}
