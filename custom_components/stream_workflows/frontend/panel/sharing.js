// <sw-sharing>: templates and sharing in the Studio panel (set `hass`; optional `narrow`).
// Three tabs: Templates (a gallery, then a form made from the template's inputs; Create saves the
// workflow and fires `sw-navigate` {detail:{workflow_id}}, bubbling and composed), Export (pick
// workflows: a share string to copy, a YAML file to download) and Import (paste a share string or
// YAML: the preview lists what each workflow calls and touches and what is missing here; choose
// copy or replace, new ids, remap entities/scenes/channels; import; triggers start off).
// Websocket commands: stream_workflows/templates, create_from_template, delete_template,
// obs_scenes (an OBS scene input is a dropdown of the connected OBS's scenes), export,
// import_preview, import (studio/sharing_ws.py). Writes need an administrator: others see the
// gallery and export. Templates saved from a workflow ("Save as template") show as "yours".
import { STYLES } from "./styles.js";
import { esc } from "./util.js";
import { SHARING_CSS, errorBlock, errorText, field, renderPreview, renderShare, sourceOf } from "./sharing-views.js";
import { copyText, downloadYaml, readChoices, readInputs } from "./sharing-forms.js";

const DOMAIN = "stream_workflows";

class SwSharing extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._hass = null;
    this.narrow = false;
    this._tab = "templates";
    this._templates = null;
    this._template = null; // the one whose form is shown
    this._workflows = null;
    this._error = "";
    this._busy = false;
    this._created = null;
    this._export = null;
    this._importText = "";
    this._preview = null;
    this._imported = null;
    this._copied = false;
    this._scenes = null; // the connected OBS's scene names (null: none connected)
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first) {
      this._render();
      this._loadTemplates();
    }
  }

  get hass() {
    return this._hass;
  }

  /** Open a tab ("templates", "export", "import") from outside. */
  set tab(tab) {
    this._tab = tab;
    if (this._hass) this._show(tab);
  }

  get _admin() {
    return Boolean(this._hass && this._hass.user && this._hass.user.is_admin);
  }

  _ws(command, data = {}) {
    return this._hass.callWS({ type: `${DOMAIN}/${command}`, ...data });
  }

  async _loadTemplates() {
    try {
      this._templates = (await this._ws("templates")).templates || [];
    } catch (err) {
      this._templates = [];
      this._error = errorText(err);
    }
    if (this._tab === "templates") this._render();
  }

  async _loadWorkflows() {
    try {
      const list = (await this._ws("list")).workflows || [];
      this._workflows = list.filter((w) => w.valid !== false).map((w) => ({ id: w.workflow_id, name: w.name || w.workflow_id }));
    } catch (err) {
      // without the Studio's list command: the workflows' sensors carry their ids
      const seen = new Map();
      for (const state of Object.values(this._hass.states || {})) {
        const id = state.attributes && state.attributes.workflow_id;
        if (id && state.entity_id.startsWith("sensor.") && !seen.has(id)) seen.set(id, { id, name: String(state.attributes.friendly_name || id).replace(/ State$/, "") });
      }
      this._workflows = [...seen.values()];
    }
    this._workflows.sort((a, b) => String(a.name).localeCompare(String(b.name)));
    if (this._tab === "export") this._render();
  }

  _show(tab) {
    this._tab = tab;
    this._error = "";
    if (tab === "export" && this._workflows === null) this._loadWorkflows();
    this._render();
  }

  /** Ask for the connected OBS's scenes, then draw the form again with them (keeping what was typed). */
  async _loadScenes() {
    try {
      this._scenes = (await this._ws("obs_scenes")).scenes;
    } catch (err) {
      this._scenes = null;
    }
    if (this._template && this._template.inputs.some((i) => Object.keys(i.selector || {})[0] === "obs_scene")) this._renderKeep(null, this.shadowRoot.querySelector("#form [name=workflow_id]")?.value || "");
  }

  _fire(workflowId) {
    this.dispatchEvent(new CustomEvent("sw-navigate", { detail: { workflow_id: workflowId }, bubbles: true, composed: true }));
  }

  // ----- rendering ---------------------------------------------------------------------------

  _render() {
    const tab = (id, label) => `<button role="tab" data-tab="${id}" aria-selected="${this._tab === id}">${label}</button>`;
    const body = this._tab === "export" ? this._renderExport() : this._tab === "import" ? this._renderImport() : this._renderTemplates();
    this.shadowRoot.innerHTML = `<style>${STYLES}${SHARING_CSS}</style>
      <div class="tabs" role="tablist">${tab("templates", "Templates")}${tab("export", "Export")}${tab("import", "Import")}</div>
      <div id="pane">${body}</div>`;
    this._wire();
  }

  _errorBlock() {
    return errorBlock(this._error);
  }

  _renderTemplates() {
    if (this._template) return this._renderForm(this._template);
    if (this._templates === null) return `<div class="empty">Loading templates…</div>`;
    const cards = this._templates
      .map(
        (t) => `<button class="tpl" data-template="${esc(t.id)}">
          <span class="name">${esc(t.name)}</span>
          <span class="desc">${esc(t.description)}</span>
          <span>${t.origin === "user" ? `<span class="chip">yours</span> ` : ""}<span class="chip">${t.inputs.length} input${t.inputs.length === 1 ? "" : "s"}</span>
          ${t.inputs.some((i) => i.required) ? `<span class="chip warn">${t.inputs.filter((i) => i.required).length} required</span>` : ""}</span>
        </button>`,
      )
      .join("");
    const created = this._created
      ? `<div class="ok" id="created">Created <b>${esc(this._created)}</b>. <button class="btn" data-open="${esc(this._created)}">Open it</button></div>`
      : "";
    return `${this._error ? `<div class="card">${this._errorBlock()}</div>` : ""}${created}
      <div class="gallery" id="gallery">${cards || `<div class="empty">No templates.</div>`}</div>`;
  }

  _renderForm(t) {
    const fields = t.inputs.map((i) => field(i, this._hass && this._hass.states, this._scenes)).join("");
    const admin = this._admin;
    return `<div class="card" id="template-form" data-template="${esc(t.id)}"><h2>${esc(t.name)}</h2>
      <div class="intro">${esc(t.description)}${t.author ? ` <span class="sub">— ${esc(t.author)}</span>` : ""}</div>
      <form class="form" id="form" novalidate>${fields}
        <label>Workflow id <span class="hint">optional: lower case letters, digits and _; the template's id when empty</span>
          <input type="text" name="workflow_id" pattern="[a-z][a-z0-9_]*" autocomplete="off" placeholder="${esc(t.id)}"></label>
      </form>
      ${this._errorBlock()}
      <div class="actions"><button class="btn" id="back">Back to templates</button>
        <button class="btn primary" id="create" ${admin && !this._busy ? "" : "disabled"}>${this._busy ? "Creating…" : "Create workflow"}</button>
        ${admin && t.origin === "user" ? `<span style="flex:1"></span><button class="btn danger" id="delete-template">Delete this template</button>` : ""}</div>
      ${admin ? "" : `<div class="notice">Creating a workflow needs an administrator.</div>`}</div>`;
  }

  _renderExport() {
    const picks =
      this._workflows === null
        ? `<div class="empty">Loading workflows…</div>`
        : this._workflows.length
          ? `<ul class="picks" id="picks">${this._workflows.map((w) => `<li><label><input type="checkbox" name="pick" value="${esc(w.id)}" ${this._export?.ids?.includes(w.id) ? "checked" : ""}><span><span class="name">${esc(w.name)}</span> <span class="sub">${esc(w.id)}</span></span></label></li>`).join("")}</ul>`
          : `<div class="empty">No workflows to export.</div>`;
    const result = this._export && this._export.share ? renderShare(this._export, this._copied) : "";
    return `<div class="card"><h2>Export workflows</h2>
      <div class="intro">Pick the workflows to share. Secrets (passwords, tokens, webhooks, your connections' credentials) are removed: the importer is asked for them.</div>
      ${picks}
      <form class="form" id="meta"><label>Name (optional)<input type="text" name="name" maxlength="200"></label>
        <label>Author (optional)<input type="text" name="author" maxlength="200"></label></form>
      ${this._errorBlock()}
      <div class="actions"><button class="btn primary" id="export" ${this._busy ? "disabled" : ""}>Export</button></div></div>${result}`;
  }

  _renderImport() {
    const admin = this._admin;
    const done = this._imported
      ? `<div class="card" id="imported"><div class="ok" style="margin-top:12px">Imported: ${this._imported.map((id) => `<button class="btn" data-open="${esc(id)}">${esc(id)}</button>`).join(" ")}</div>
          <div class="notice" id="triggers-off"><b>Its triggers are off.</b> An imported workflow never starts by itself until you say so: rehearse it first (Rehearse on its page), then turn its triggers on by editing it (remove <code>enabled: false</code>).</div></div>`
      : "";
    return `${done}<div class="card"><h2>Import</h2>
      <div class="intro">Paste a share string (<code>sw1:…</code>) or a share document, workflow or template in YAML or JSON.</div>
      <div class="form"><textarea class="share" id="source" rows="5" spellcheck="false" placeholder="sw1:…">${esc(this._importText)}</textarea></div>
      ${this._preview ? "" : this._errorBlock()}
      <div class="actions"><button class="btn primary" id="preview" ${this._busy ? "disabled" : ""}>Preview</button></div></div>
      ${this._preview ? renderPreview(this._preview, { admin, busy: this._busy, error: this._error, states: this._hass && this._hass.states }) : ""}`;
  }

  // ----- actions -----------------------------------------------------------------------------

  _wire() {
    const root = this.shadowRoot;
    const source = root.getElementById("source");
    if (source) source.addEventListener("input", () => (this._importText = source.value));
    if (this._wired) return;
    this._wired = true; // a ShadowRoot has no `onclick` property: one listener, kept across renders
    root.addEventListener("click", (ev) => {
      const path = ev.composedPath();
      const hit = (sel) => path.find((el) => el instanceof HTMLElement && el.matches(sel));
      const tab = hit("[data-tab]");
      if (tab) return this._show(tab.dataset.tab);
      const tpl = hit(".tpl[data-template]");
      if (tpl) {
        this._template = (this._templates || []).find((t) => t.id === tpl.dataset.template) || null;
        this._error = "";
        this._created = null;
        this._render();
        return this._loadScenes();
      }
      const open = hit("[data-open]");
      if (open) return this._fire(open.dataset.open);
      const button = hit("button[id]");
      if (!button || button.disabled) return undefined;
      const actions = {
        back: () => {
          this._template = null;
          this._error = "";
          this._render();
        },
        create: () => this._create(),
        "delete-template": () => this._deleteTemplate(),
        export: () => this._doExport(),
        copy: () => this._copy(),
        download: () => downloadYaml(this.shadowRoot, this._export),
        preview: () => this._doPreview(),
        "cancel-import": () => {
          this._preview = null;
          this._error = "";
          this._render();
        },
        "do-import": () => this._doImport(),
        "use-template": () => {
          this._template = { ...this._preview.template, source: sourceOf(this._previewSource) };
          this._tab = "templates";
          this._preview = null;
          this._render();
          this._loadScenes();
        },
      };
      const run = actions[button.id];
      if (run) {
        ev.preventDefault();
        run();
      }
      return undefined;
    });
  }

  async _create() {
    const t = this._template;
    const inputs = readInputs(this.shadowRoot);
    const missing = t.inputs.filter((i) => i.required && !(i.name in inputs)).map((i) => i.label || i.name);
    if (missing.length) {
      this._error = `Fill in: ${missing.join(", ")}`;
      return this._render();
    }
    const wanted = this.shadowRoot.querySelector("#form [name=workflow_id]").value.trim();
    const data = { ...(t.source || { template: t.id }), inputs };
    if (wanted) data.workflow_id = wanted;
    this._busy = true;
    this._error = "";
    this._renderKeep(inputs, wanted);
    try {
      const { workflow_id: workflowId } = await this._ws("create_from_template", data);
      this._busy = false;
      this._created = workflowId;
      this._template = null;
      this._render();
      this._fire(workflowId);
    } catch (err) {
      this._busy = false;
      this._error = errorText(err);
      this._renderKeep(inputs, wanted);
    }
    return undefined;
  }

  /** Re-render the form, keeping what was typed. */
  _renderKeep(inputs, wanted) {
    const values = {};
    for (const field of this.shadowRoot.querySelectorAll("#form [data-input]")) values[field.dataset.input] = field.type === "checkbox" ? field.checked : field.value;
    this._render();
    for (const field of this.shadowRoot.querySelectorAll("#form [data-input]")) {
      if (!(field.dataset.input in values)) continue;
      if (field.type === "checkbox") field.checked = values[field.dataset.input];
      else field.value = values[field.dataset.input];
    }
    const id = this.shadowRoot.querySelector("#form [name=workflow_id]");
    if (id) id.value = wanted;
    if (inputs && this._error) this.shadowRoot.getElementById("error")?.scrollIntoView({ block: "nearest" });
  }

  async _deleteTemplate() {
    const t = this._template;
    try {
      await this._ws("delete_template", { template_id: t.id });
      this._templates = (this._templates || []).filter((x) => x.id !== t.id);
      this._template = null;
      this._error = "";
    } catch (err) {
      this._error = errorText(err);
    }
    this._render();
  }

  async _doExport() {
    const ids = [...this.shadowRoot.querySelectorAll("input[name=pick]:checked")].map((el) => el.value);
    if (!ids.length) {
      this._error = "Pick at least one workflow.";
      return this._render();
    }
    const meta = this.shadowRoot.getElementById("meta");
    const name = meta.elements.name.value.trim();
    const author = meta.elements.author.value.trim();
    this._busy = true;
    this._error = "";
    this._copied = false;
    try {
      const made = await this._ws("export", { workflow_ids: ids, name, author });
      this._export = { ...made, ids, name: name || (ids.length === 1 ? ids[0] : "workflows") };
    } catch (err) {
      this._error = errorText(err);
      this._export = { ids };
    }
    this._busy = false;
    this._render();
    const form = this.shadowRoot.getElementById("meta");
    if (form) {
      form.elements.name.value = name;
      form.elements.author.value = author;
    }
    return undefined;
  }

  async _copy() {
    await copyText(this.shadowRoot.getElementById("share"), this._export.share);
    this._copied = true;
    const button = this.shadowRoot.getElementById("copy");
    if (button) button.textContent = "Copied ✓";
  }

  async _doPreview() {
    const text = this.shadowRoot.getElementById("source").value;
    this._importText = text;
    this._imported = null;
    if (!text.trim()) {
      this._error = "Paste a share string or YAML first.";
      this._preview = null;
      return this._render();
    }
    this._busy = true;
    this._error = "";
    this._render();
    try {
      this._preview = (await this._ws("import_preview", sourceOf(text))).preview;
      this._previewSource = text;
    } catch (err) {
      this._preview = null;
      this._error = errorText(err);
    }
    this._busy = false;
    this._render();
    return undefined;
  }

  async _doImport() {
    const picked = readChoices(this.shadowRoot, this._preview);
    this._busy = true;
    this._error = "";
    const button = this.shadowRoot.getElementById("do-import");
    if (button) {
      button.disabled = true;
      button.textContent = "Importing…";
    }
    try {
      const { workflow_ids: ids } = await this._ws("import", { ...sourceOf(this._previewSource), ...picked });
      this._imported = ids;
      this._preview = null;
      this._importText = "";
      this._busy = false;
      this._render();
    } catch (err) {
      this._busy = false;
      this._error = errorText(err);
      const card = this.shadowRoot.getElementById("preview-card");
      const values = [...this.shadowRoot.querySelectorAll("#preview-card input, #preview-card select")].map((el) => [el.checked, el.value]);
      this._render();
      [...this.shadowRoot.querySelectorAll("#preview-card input, #preview-card select")].forEach((el, i) => {
        if (!values[i]) return;
        el.checked = values[i][0];
        el.value = values[i][1];
      });
      if (card) this.shadowRoot.getElementById("error")?.scrollIntoView({ block: "nearest" });
    }
  }
}

if (!customElements.get("sw-sharing")) customElements.define("sw-sharing", SwSharing);
