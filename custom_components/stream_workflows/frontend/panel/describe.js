// <sw-describe>: the Studio's "Describe it" box. A sentence becomes a draft through Home
// Assistant's AI Task (`stream_workflows/describe`: the same code as the action
// `stream_workflows.draft_from_text`); the draft's flowchart and problems show before anything is
// saved, with "Open in editor" and "Save". Hidden unless `stream_workflows/describe/status` says
// AI Task can write drafts here, and for users who are not administrators. Drafts a conversation
// made are listed under it, to review them here.
// Properties: hass, narrow. Events (bubbling, composed): sw-open-draft {definition} (the panel
// opens the editor on it), sw-navigate {workflow_id} (after Save).
import "../shared/flowchart.js";
import { errorText } from "./api.js";
import { esc } from "./util.js";

const DOMAIN = "stream_workflows";
const MAX_TEXT = 2000;
const RECENT = 5;
const EXAMPLE = "When I go live, switch to Starting Soon, tell Discord, wait five minutes and switch to Main";
const ORIGIN = { conversation: "by voice", ai_task: "described", studio: "Studio" };

const CSS = `
:host { display: block; max-width: 1400px; margin: 0 auto; padding: 16px 16px 0; box-sizing: border-box; }
:host([narrow]) { padding: 8px 8px 0; }
:host(:not([ready])) { display: none; } /* until describe/status says AI Task is there */
.card { background: var(--card-background-color); border-radius: var(--ha-card-border-radius, 12px);
  border: 1px solid var(--divider-color); box-shadow: var(--ha-card-box-shadow, none); }
h2 { font-size: 16px; font-weight: 500; margin: 0; padding: 12px 16px; border-bottom: 1px solid var(--divider-color);
  display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
h2 .sub { font-weight: 400; }
.sub { color: var(--secondary-text-color); font-size: 12px; }
form { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: 8px 12px; padding: 12px 16px; align-items: start; }
:host([narrow]) form { grid-template-columns: minmax(0, 1fr); }
textarea { font: inherit; color: var(--primary-text-color); background: var(--secondary-background-color, transparent);
  border: 1px solid var(--divider-color); border-radius: 6px; padding: 8px 10px; resize: vertical; min-height: 40px;
  box-sizing: border-box; width: 100%; }
textarea:focus { outline: 2px solid var(--primary-color); outline-offset: -1px; }
.hint { grid-column: 1 / -1; }
button.btn { font: inherit; font-weight: 500; border-radius: 18px; padding: 7px 16px; cursor: pointer;
  border: 1px solid var(--divider-color); background: var(--card-background-color); color: var(--primary-color);
  min-height: 36px; white-space: nowrap; }
button.btn.primary { background: var(--primary-color); border-color: var(--primary-color); color: var(--text-primary-color, #fff); }
button.btn:disabled { opacity: 0.45; cursor: default; }
.note { margin: 0 16px 12px; padding: 8px 12px; border-radius: 8px; background: var(--secondary-background-color); }
.note.error { color: var(--error-color); border: 1px solid var(--error-color); background: rgba(219, 68, 55, 0.08); }
.note.ok { border: 1px solid var(--success-color, #43a047); }
.result { border-top: 1px solid var(--divider-color); padding: 12px 16px; display: grid; gap: 10px; }
.title { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.title .name { font-weight: 500; font-size: 15px; }
.chip { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; border: 1px solid var(--divider-color);
  color: var(--secondary-text-color); }
.chip.valid { color: var(--success-color, #43a047); border-color: currentColor; }
.chip.invalid { color: var(--error-color); border-color: currentColor; }
.problems { color: var(--error-color); font-size: 13px; margin: 0; padding-left: 18px; }
.problems code { color: var(--primary-text-color); overflow-wrap: anywhere; }
sw-flowchart { height: 380px; border: 1px solid var(--divider-color); border-radius: 8px; }
:host([narrow]) sw-flowchart { height: 320px; }
.actions { display: flex; flex-wrap: wrap; gap: 8px; }
details { font-size: 13px; }
summary { cursor: pointer; color: var(--secondary-text-color); }
pre { margin: 6px 0 0; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; max-height: 240px; overflow: auto;
  font-family: var(--code-font-family, monospace); background: var(--secondary-background-color); padding: 8px; border-radius: 6px; }
.recent { border-top: 1px solid var(--divider-color); padding: 8px 16px 12px; }
.recent ul { list-style: none; margin: 6px 0 0; padding: 0; }
.recent li button { font: inherit; color: inherit; background: none; border: none; width: 100%; text-align: left; cursor: pointer;
  display: flex; gap: 8px; align-items: center; padding: 6px 4px; border-radius: 6px; }
.recent li button:hover { background: var(--secondary-background-color); }
`;

class SwDescribe extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._hass = null;
    this._status = null; // {available, reason, entities}
    this._asked = false;
    this._busy = false;
    this._draft = null; // what `describe` or `draft` answered
    this._note = null; // {kind, text}
    this._drafts = [];
    this._chart = null;
  }

  set hass(hass) {
    this._hass = hass;
    if (!this._asked && hass) {
      this._asked = true;
      this._load();
    }
  }
  get hass() { return this._hass; }

  set narrow(value) { this.toggleAttribute("narrow", Boolean(value)); }
  get narrow() { return this.hasAttribute("narrow"); }

  async _load() {
    if (!this._hass.user?.is_admin) return; // drafting and saving are an administrator's
    try {
      this._status = await this._hass.callWS({ type: `${DOMAIN}/describe/status` });
    } catch (_err) {
      this._status = null; // an older integration: no box
    }
    this.toggleAttribute("ready", Boolean(this._status?.available));
    if (!this._status?.available) return;
    this._build();
    this._loadDrafts();
  }

  async _loadDrafts() {
    try {
      this._drafts = (await this._hass.callWS({ type: `${DOMAIN}/drafts` })).drafts || [];
    } catch (_err) {
      this._drafts = [];
    }
    this._renderRecent();
  }

  _build() {
    const entityId = (this._status.entities || [])[0] || "";
    const entity = this._hass.states?.[entityId]?.attributes?.friendly_name || entityId;
    this.shadowRoot.innerHTML = `<style>${CSS}</style>
      <div class="card">
        <h2>Describe it <span class="sub">a workflow from a sentence, written by ${esc(entity)}; nothing is saved until you say so</span></h2>
        <form id="ask">
          <textarea id="text" rows="2" maxlength="${MAX_TEXT}" aria-label="Describe a workflow" placeholder="${esc(EXAMPLE)}"></textarea>
          <button class="btn primary" id="draft" type="submit">Draft it</button>
        </form>
        <div id="note"></div>
        <section class="result" id="result" hidden></section>
        <div class="recent" id="recent" hidden></div>
      </div>`;
    const root = this.shadowRoot;
    root.getElementById("ask").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this._describe();
    });
    root.getElementById("text").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        this._describe();
      }
    });
    root.addEventListener("click", (ev) => this._click(ev));
  }

  _click(ev) {
    const target = ev.composedPath().find((el) => el instanceof HTMLElement && el.dataset && el.dataset.act);
    if (!target) return;
    const act = target.dataset.act;
    if (act === "open" && this._draft?.definition) {
      this.dispatchEvent(new CustomEvent("sw-open-draft", { bubbles: true, composed: true, detail: { definition: this._draft.definition } }));
    } else if (act === "save") {
      this._save();
    } else if (act === "discard") {
      this._draft = null;
      this._note = null;
      this._renderResult();
    } else if (act === "show") {
      this._show(target.dataset.id);
    } else if (act === "goto") {
      this.dispatchEvent(new CustomEvent("sw-navigate", { bubbles: true, composed: true, detail: { workflow_id: target.dataset.id } }));
    }
  }

  async _describe() {
    const text = this.shadowRoot.getElementById("text").value.trim();
    if (!text || this._busy) return;
    this._setBusy(true, "Writing a draft… a local model can take a minute.");
    try {
      this._draft = await this._hass.callWS({ type: `${DOMAIN}/describe`, text });
      this._note = null;
    } catch (err) {
      this._draft = null;
      this._note = { kind: "error", text: errorText(err) };
    }
    this._setBusy(false);
    this._renderResult();
    this._loadDrafts();
  }

  async _show(draftId) {
    try {
      this._draft = await this._hass.callWS({ type: `${DOMAIN}/draft`, draft_id: draftId });
      this._note = null;
    } catch (err) {
      this._note = { kind: "error", text: errorText(err) };
    }
    this._renderResult();
  }

  async _save() {
    if (!this._draft?.valid || this._busy) return;
    this._setBusy(true, "Saving…");
    try {
      const result = await this._hass.callWS({ type: `${DOMAIN}/draft/save`, draft_id: this._draft.draft_id });
      if (result.saved) {
        this._note = { kind: "ok", text: `Saved as ${result.workflow_id}${result.previous_version_kept ? " (the previous version stays restorable)" : ""}.`, workflow: result.workflow_id };
        this._draft = { ...this._draft, applied: true };
      } else {
        this._note = { kind: "error", text: (result.problems || []).map((p) => `${p.path}: ${p.message}`).join("; ") };
      }
    } catch (err) {
      this._note = { kind: "error", text: errorText(err) };
    }
    this._setBusy(false);
    this._renderResult();
    this._loadDrafts();
  }

  _setBusy(busy, text) {
    this._busy = busy;
    const root = this.shadowRoot;
    root.getElementById("draft").disabled = busy;
    root.getElementById("text").disabled = busy;
    if (busy) {
      this._note = { kind: "", text };
      this._renderNote();
    }
  }

  _renderNote() {
    const note = this._note;
    const goto = note?.workflow ? ` <button class="btn" data-act="goto" data-id="${esc(note.workflow)}">Open the workflow</button>` : "";
    this.shadowRoot.getElementById("note").innerHTML = note ? `<div class="note ${note.kind}" role="status">${esc(note.text)}${goto}</div>` : "";
  }

  _renderResult() {
    this._renderNote();
    const section = this.shadowRoot.getElementById("result");
    const draft = this._draft;
    section.hidden = !draft;
    if (!draft) {
      if (this._chart) this._chart.graph = null;
      return;
    }
    const problems = draft.problems || [];
    const name = draft.definition?.name || draft.name || draft.workflow_id || "Draft";
    const chip = draft.valid
      ? `<span class="chip valid">valid</span>`
      : `<span class="chip invalid">${problems.length} problem${problems.length === 1 ? "" : "s"}</span>`;
    const replaces = draft.replaces_existing ? `<span class="chip">replaces ${esc(draft.workflow_id)}</span>` : "";
    const applied = draft.applied ? `<span class="chip">saved</span>` : "";
    const list = problems.length
      ? `<ul class="problems">${problems.map((p) => `<li>${p.path ? `<code>${esc(p.path)}</code>: ` : ""}${esc(p.message)}</li>`).join("")}</ul>`
      : "";
    const definition = draft.definition ? `<details><summary>The definition</summary><pre>${esc(JSON.stringify(draft.definition, null, 2))}</pre></details>` : "";
    section.innerHTML = `
      <div class="title"><span class="name">${esc(name)}</span>${chip}${replaces}${applied}</div>
      ${draft.summary ? `<div class="sub">${esc(draft.summary)}</div>` : ""}
      ${list}
      <div id="chart-slot"></div>
      ${definition}
      <div class="actions">
        <button class="btn" data-act="open" ${draft.definition ? "" : "disabled"}>Open in editor</button>
        <button class="btn primary" data-act="save" ${draft.valid && !draft.applied ? "" : "disabled"}>Save</button>
        <button class="btn" data-act="discard">Close</button>
      </div>`;
    if (draft.graph) {
      if (!this._chart) this._chart = document.createElement("sw-flowchart");
      section.querySelector("#chart-slot").replaceWith(this._chart);
      this._chart.graph = draft.graph;
    } else {
      section.querySelector("#chart-slot").remove();
    }
  }

  _renderRecent() {
    const box = this.shadowRoot.getElementById("recent");
    if (!box) return;
    const current = this._draft?.draft_id;
    const drafts = this._drafts.filter((d) => d.draft_id !== current && !d.applied).slice(0, RECENT);
    box.hidden = !drafts.length;
    box.innerHTML = drafts.length
      ? `<details><summary>Recent drafts (${drafts.length}): from a conversation or this box, not saved</summary><ul>${drafts
          .map((d) => `<li><button data-act="show" data-id="${esc(d.draft_id)}"><span class="chip ${d.valid ? "valid" : "invalid"}">${d.valid ? "valid" : "problems"}</span><span>${esc(d.name || d.workflow_id || d.draft_id)}</span><span class="sub">${esc(ORIGIN[d.origin] || d.origin)}</span></button></li>`)
          .join("")}</ul></details>`
      : "";
  }
}

if (!customElements.get("sw-describe")) customElements.define("sw-describe", SwDescribe);
