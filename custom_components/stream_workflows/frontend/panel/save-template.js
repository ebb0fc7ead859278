// <sw-save-template>: the "Save as template" dialog of a workflow's page (set `hass` and
// `workflowId`, then add it to the page; it removes itself when closed). It lists the
// workflow's parameter values (scene names, channel ids, entity ids, texts, durations: the
// `stream_workflows/template_candidates` answer); each ticked one becomes an input with the
// name, label and selector given. Save sends `stream_workflows/save_as_template`; the template
// is then in the Templates gallery ("yours"). Fires `sw-template-saved` {template_id}.
import { STYLES } from "./styles.js";
import { SHARING_CSS, errorBlock, errorText } from "./sharing-views.js";
import { esc, navigate } from "./util.js";

const DOMAIN = "stream_workflows";
const KINDS = [
  ["text", "Text"],
  ["number", "Number"],
  ["boolean", "Yes / no"],
  ["entity", "Entity"],
  ["obs_scene", "OBS scene"],
  ["discord_channel", "Discord channel"],
];
// Which values are ticked at first: the ones a person sharing a workflow changes most.
const LIKELY = new Set(["obs_scene", "entity", "discord_channel"]);

const CSS = `
:host { position: fixed; inset: 0; z-index: 10; min-height: 0; display: flex; align-items: flex-start; justify-content: center;
  background: rgba(0, 0, 0, 0.45); overflow-y: auto; padding: 32px 16px; box-sizing: border-box; }
.dialog { width: min(880px, 100%); margin: 0; }
.values { list-style: none; margin: 0; padding: 0; }
.values li { display: grid; grid-template-columns: 24px minmax(0, 1.2fr) minmax(0, 1fr) minmax(0, 1fr) minmax(0, 0.9fr); gap: 8px 12px;
  align-items: center; padding: 10px 16px; border-top: 1px solid var(--divider-color); }
.values li.head { color: var(--secondary-text-color); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.values code { overflow-wrap: anywhere; }
.values input[type="text"], .values select { font: inherit; color: var(--primary-text-color); background: var(--secondary-background-color, transparent);
  border: 1px solid var(--divider-color); border-radius: 6px; padding: 6px 8px; min-width: 0; width: 100%; box-sizing: border-box; }
.values li:not(.on) .edit { opacity: 0.45; }
.where { display: grid; gap: 2px; min-width: 0; }
@media (max-width: 600px) {
  :host { padding: 0; }
  .dialog { border-radius: 0; min-height: 100%; margin: 0; }
  .values li { grid-template-columns: 24px minmax(0, 1fr); }
  .values li.head { display: none; }
  .values li > .edit { grid-column: 2; }
}
`;

class SwSaveTemplate extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._hass = null;
    this.workflowId = null;
    this._data = null; // the template_candidates answer
    this._error = "";
    this._busy = false;
    this._saved = null;
    this.shadowRoot.addEventListener("click", (ev) => this._click(ev));
    this.shadowRoot.addEventListener("change", (ev) => this._changed(ev));
    this.addEventListener("keydown", (ev) => ev.key === "Escape" && this.close());
    this.addEventListener("click", (ev) => {
      if (ev.composedPath()[0] === this) this.close(); // the backdrop
      ev.stopPropagation(); // the workflow page's own buttons listen further up
    });
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first) this._load();
  }

  get hass() {
    return this._hass;
  }

  connectedCallback() {
    this.setAttribute("role", "dialog");
    this.setAttribute("aria-modal", "true");
    this.setAttribute("aria-label", "Save as template");
    this._render();
  }

  close() {
    this.remove();
  }

  async _load() {
    try {
      this._data = await this._hass.callWS({ type: `${DOMAIN}/template_candidates`, workflow_id: this.workflowId });
    } catch (err) {
      this._data = { values: [], name: this.workflowId };
      this._error = errorText(err);
    }
    this._render();
    this.shadowRoot.querySelector("[name=template-name]")?.focus();
  }

  _render() {
    const d = this._data;
    let body;
    if (this._saved) {
      body = `<div class="ok" id="saved" style="margin-top:12px">Saved as the template <b>${esc(this._saved.template.name)}</b> (<code>${esc(this._saved.template_id)}</code>), with ${this._saved.template.inputs.length} input${this._saved.template.inputs.length === 1 ? "" : "s"}.</div>
        <div class="actions"><button class="btn primary" id="open-templates">Open it in Templates</button><button class="btn" id="close">Close</button></div>`;
    } else if (!d) {
      body = `<div class="empty intro">Loading the workflow's values…</div>`;
    } else {
      const rows = d.values.map((v, i) => this._row(v, i)).join("");
      body = `<div class="intro">Tick the values someone using the template should choose: each becomes an input (the workflow's value is its default). The others stay as they are.</div>
        <form class="form" id="meta" novalidate><label>Template name<input type="text" name="template-name" maxlength="200" value="${esc(`${d.name} template`)}" autocomplete="off"></label>
          <label>Description (optional)<textarea name="template-description" rows="2" maxlength="2000"></textarea></label></form>
        ${rows ? `<ul class="values" id="values"><li class="head"><span></span><span>Value</span><span>Input name</span><span>Label</span><span>Kind</span></li>${rows}</ul>` : `<div class="empty intro">This workflow has no plain values to turn into inputs.</div>`}
        ${errorBlock(this._error)}
        <div class="actions"><button class="btn" id="close">Cancel</button>
          <button class="btn primary" id="save" ${this._busy ? "disabled" : ""}>${this._busy ? "Saving…" : "Save template"}</button></div>`;
    }
    this.shadowRoot.innerHTML = `<style>${STYLES}${SHARING_CSS}${CSS}</style>
      <div class="card dialog" id="dialog"><h2>Save “${esc((d && d.name) || this.workflowId || "")}” as a template</h2>${body}</div>`;
  }

  _row(v, i) {
    const kind = Object.keys(v.selector || { text: {} })[0];
    const on = LIKELY.has(kind);
    const shown = typeof v.value === "string" ? v.value : JSON.stringify(v.value);
    const options = KINDS.map(([k, label]) => `<option value="${k}" ${k === kind ? "selected" : ""}>${label}</option>`).join("");
    return `<li data-row="${i}" class="${on ? "on" : ""}">
      <input type="checkbox" data-pick="${i}" aria-label="Make ${esc(v.path)} an input" ${on ? "checked" : ""}>
      <span class="where"><code>${esc(shown)}</code><span class="sub">${esc(v.step)} · ${esc(v.action)} · ${esc(v.key)}</span></span>
      <input class="edit" type="text" data-name="${i}" value="${esc(v.name)}" aria-label="Input name for ${esc(v.path)}" pattern="[A-Za-z_][A-Za-z0-9_]*" autocomplete="off">
      <input class="edit" type="text" data-label="${i}" placeholder="${esc(v.name.replace(/_/g, " "))}" aria-label="Label for ${esc(v.path)}" autocomplete="off">
      <select class="edit" data-kind="${i}" aria-label="Kind of ${esc(v.path)}">${options}</select></li>`;
  }

  _changed(ev) {
    const box = ev.target;
    if (box instanceof HTMLInputElement && box.dataset.pick !== undefined) box.closest("li").classList.toggle("on", box.checked);
  }

  _inputs() {
    const root = this.shadowRoot;
    const inputs = {};
    for (const [i, v] of this._data.values.entries()) {
      if (!root.querySelector(`[data-pick="${i}"]`).checked) continue;
      const kind = root.querySelector(`[data-kind="${i}"]`).value;
      const guessed = Object.keys(v.selector || {})[0];
      const item = { name: root.querySelector(`[data-name="${i}"]`).value.trim(), selector: kind === guessed ? v.selector : { [kind]: {} } };
      const label = root.querySelector(`[data-label="${i}"]`).value.trim();
      if (label) item.label = label;
      inputs[v.path] = item;
    }
    return inputs;
  }

  async _save() {
    const meta = this.shadowRoot.getElementById("meta");
    const name = meta.elements["template-name"].value.trim();
    const description = meta.elements["template-description"].value.trim();
    const inputs = this._inputs();
    const bad = Object.values(inputs).find((i) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(i.name));
    if (!name) return this._showError("Give the template a name.");
    if (bad) return this._showError(`'${bad.name}' is not an input name: letters, digits and _, not starting with a digit.`);
    this._busy = true;
    const button = this.shadowRoot.getElementById("save");
    button.disabled = true;
    button.textContent = "Saving…";
    try {
      this._saved = await this._hass.callWS({ type: `${DOMAIN}/save_as_template`, workflow_id: this.workflowId, name, description, inputs });
      this._busy = false;
      this._render();
      this.dispatchEvent(new CustomEvent("sw-template-saved", { detail: { template_id: this._saved.template_id }, bubbles: true, composed: true }));
    } catch (err) {
      this._busy = false;
      button.disabled = false;
      button.textContent = "Save template";
      this._showError(errorText(err));
    }
    return undefined;
  }

  /** Show an error without re-rendering (what was typed and ticked stays). */
  _showError(text) {
    this._error = text;
    const old = this.shadowRoot.getElementById("error");
    const html = errorBlock(text);
    if (old) old.outerHTML = html;
    else this.shadowRoot.querySelector("#dialog .actions").insertAdjacentHTML("beforebegin", html);
    this.shadowRoot.getElementById("error").scrollIntoView({ block: "nearest" });
  }

  _click(ev) {
    const path = ev.composedPath();
    const button = path.find((el) => el instanceof HTMLButtonElement && el.id);
    if (!button || button.disabled) return undefined;
    ev.preventDefault();
    if (button.id === "close") return this.close();
    if (button.id === "save") return this._save();
    if (button.id === "open-templates") {
      this.close();
      navigate("/stream-workflows/templates-sharing");
    }
    return undefined;
  }
}

if (!customElements.get("sw-save-template")) customElements.define("sw-save-template", SwSaveTemplate);
