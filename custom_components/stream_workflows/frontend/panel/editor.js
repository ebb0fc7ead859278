// <sw-editor>: the Studio's workflow editor. Form first, YAML beside it (stacked when narrow),
// kept in sync both ways; every change validated (debounced stream_workflows/validate) and each
// problem shown on its field. Properties: hass, workflowId (null: a new workflow), narrow.
// Events (bubbling, composed): sw-editor-close, sw-workflow-saved {workflow_id} (after Save),
// sw-workflow-changed {workflow_id} (after a restore: the editor stays), sw-workflow-deleted
// {workflow_id}, sw-open-workflow {workflow_id} (a copy was made and opened in the editor).
// `serverChanged()` (the panel calls it on every workflows-changed push) keeps the draft: an
// untouched form follows the saved version; an edited one is kept and the user is told when
// its workflow was saved or deleted elsewhere.
import { SHAPES, addItem, addParallel, itemsOf, newWorkflow, shapeOf, tidy } from "./editor/document.js";
import { button, h } from "./editor/dom.js";
import { generalForm, inputsForm } from "./editor/general-form.js";
import { canonical, withServerWatch } from "./editor/server-watch.js";
import { itemForm } from "./editor/item-form.js";
import { placeProblems } from "./editor/problems.js";
import { EDITOR_CSS } from "./editor/styles.js";
import { historyDialog, confirmDialog } from "./editor/dialogs.js";
import { parseYaml, toYaml } from "./editor/yaml.js";

const VALIDATE_DELAY_MS = 300;
let catalogPromise = null;

class SwEditor extends withServerWatch(HTMLElement) {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._hass = null;
    this._workflowId = undefined;
    this._narrow = false;
    this._doc = null;
    this._source = "stored";
    this._editable = true;
    this._savedId = null;
    this._problems = [];
    this._valid = null;
    this._yamlError = null;
    this._dirty = false;
    this._timer = null;
    this._validateSeq = 0;
    this._message = null;
    this._rehearsal = null;
    this._catalog = null;
    this._loading = false;
    this._baseline = null; // the saved document the draft started from (canonical JSON)
    this._conflict = null; // {kind: "changed", definition} | {kind: "deleted"}
    this._writing = 0; // own saves / restores under way: their pushes are checked after
    this._recheck = false;
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first) this._maybeLoad();
  }
  get hass() { return this._hass; }

  set workflowId(id) {
    if (id === this._workflowId) return;
    this._workflowId = id ?? null;
    this._doc = null;
    this._maybeLoad();
  }
  get workflowId() { return this._workflowId; }

  set narrow(value) {
    this._narrow = Boolean(value);
    this.toggleAttribute("narrow", this._narrow);
  }
  get narrow() { return this._narrow; }

  connectedCallback() {
    if (!this.shadowRoot.firstChild) this._renderAll();
    else this._watchBarHeight();
    this._maybeLoad();
  }

  disconnectedCallback() {
    clearTimeout(this._timer);
    this._barObserver?.disconnect();
  }

  // -- loading ------------------------------------------------------------------------------

  async _maybeLoad() {
    if (!this._hass || this._workflowId === undefined || this._doc || this._loading || !this.isConnected) return;
    this._loading = true;
    try {
      if (!catalogPromise) {
        catalogPromise = this._ws({ type: "stream_workflows/catalog" }).catch((err) => {
          catalogPromise = null;
          throw err;
        });
      }
      this._catalog = await catalogPromise.catch(() => ({ services: {} }));
      if (this._workflowId) {
        const got = await this._ws({ type: "stream_workflows/get", workflow_id: this._workflowId });
        this._doc = got.definition;
        this._source = got.source;
        this._editable = Boolean(got.editable);
        this._savedId = this._workflowId;
        this._baseline = canonical(got.definition);
      } else {
        // a draft opened from the Describe box (the panel sets it), else an empty workflow
        this._doc = this.initialDocument ? structuredClone(this.initialDocument) : newWorkflow();
        this.initialDocument = null;
        this._source = "stored";
        this._editable = true;
        this._savedId = null;
        this._baseline = null;
      }
      this._conflict = null;
      this._dirty = false;
      this._message = null;
      this._rehearsal = null;
    } catch (err) {
      this._doc = null;
      this._message = { kind: "error", text: `Could not open the workflow: ${errText(err)}` };
    } finally {
      this._loading = false;
    }
    this._renderAll();
    if (this._doc) this._validateNow();
  }

  async _ws(message) {
    return this._hass.callWS(message);
  }

  get _readOnly() {
    return !this._editable;
  }

  // -- rendering ----------------------------------------------------------------------------

  _renderAll() {
    const root = this.shadowRoot;
    root.replaceChildren(h("style", {}, EDITOR_CSS), this._header(), this._banner(), this._topProblems(), this._body());
    if (this._doc) this._showProblems();
    this._watchBarHeight();
  }

  /** The YAML pane sticks just below the bar, whose height changes as its buttons wrap. */
  _watchBarHeight() {
    if (typeof ResizeObserver === "undefined") return;
    this._barObserver ??= new ResizeObserver(([entry]) => {
      this.style.setProperty("--sw-bar-height", `${Math.ceil(entry.target.getBoundingClientRect().height)}px`);
    });
    this._barObserver.disconnect();
    const bar = this.shadowRoot.querySelector("header.bar");
    if (bar) this._barObserver.observe(bar);
  }

  _header() {
    const doc = this._doc;
    const saved = this._savedId;
    const ro = this._readOnly;
    return h("header", { class: "bar" },
      h("h1", {}, doc ? doc.name || doc.id || "Workflow" : "Workflow"),
      doc ? h("span", { class: `badge ${this._source}` }, this._source === "file" ? "file · read-only" : saved ? "stored" : "new") : null,
      h("span", { class: "status", id: "status" }, this._statusText()),
      h("span", { class: "spacer" }),
      doc && !ro ? button("Rehearse draft", () => this._rehearse(), { id: "rehearse" }) : null,
      doc && !ro ? button("Save", () => this._save(), { id: "save", class: "primary" }) : null,
      doc && ro ? button("Copy to an editable workflow", () => this._duplicate(), { id: "copy", class: "primary" }) : null,
      doc && saved && !ro ? button("Duplicate", () => this._duplicate(), { id: "duplicate" }) : null,
      doc && saved && !ro ? button("History", () => this._history(), { id: "history" }) : null,
      doc && saved && !ro ? button("Delete", () => this._delete(), { id: "delete", class: "danger" }) : null,
    );
  }

  _statusText() {
    if (!this._doc) return this._loading ? "Loading…" : "";
    if (this._yamlError) return "YAML cannot be read";
    if (this._valid === null) return "Checking…";
    const errors = this._problems.filter((p) => p.severity !== "warning").length;
    const dirty = (this._dirty ? " · unsaved changes" : "") + (this._conflict ? " · changed elsewhere" : "");
    return (this._valid ? "Valid" : `${errors || this._problems.length} problem${(errors || this._problems.length) === 1 ? "" : "s"}`) + dirty;
  }

  _banner() {
    const parts = [];
    if (this._readOnly && this._doc) {
      parts.push(h("div", { class: "note info" },
        "This workflow is a file in your configuration folder: it opens read-only. ",
        "Copy it to an editable workflow to change it in Home Assistant; the file stays yours."));
    }
    if (this._conflict) parts.push(this._conflictNote());
    if (this._message) parts.push(h("div", { class: `note ${this._message.kind}`, role: "status" }, this._message.text));
    if (this._rehearsal) parts.push(this._rehearsalView());
    return h("div", { class: "banner", id: "banner" }, parts);
  }

  _rehearsalView() {
    const r = this._rehearsal;
    return h("div", { class: `note rehearsal ${r.status}`, id: "rehearsal" },
      h("strong", {}, `Rehearsal: ${r.status}`),
      h("ol", { class: "path" }, (r.path || []).map((step) => h("li", {}, step))),
      r.calls && r.calls.length
        ? h("details", {}, h("summary", {}, `${r.calls.length} recorded call${r.calls.length === 1 ? "" : "s"}`),
          h("ul", {}, r.calls.map((c) => h("li", {}, `${c.step ?? ""}: ${c.service}.${c.action} ${JSON.stringify(c.params ?? {})}`))))
        : null,
      r.error ? h("div", { class: "problem error" }, `${r.error.step ? `${r.error.step}: ` : ""}${r.error.message ?? JSON.stringify(r.error)}`) : null,
      r.note ? h("p", { class: "hint" }, r.note) : null);
  }

  _topProblems() {
    return h("div", { class: "top-problems", id: "top-problems", role: "alert" });
  }

  _body() {
    if (!this._doc) return h("div", { class: "empty" }, this._loading ? "Loading…" : "");
    this._formEl = h("div", { class: "form", id: "form" });
    this._renderForm();
    this._yamlEl = h("textarea", {
      class: "yaml code", id: "yaml", spellcheck: false, "aria-label": "YAML",
      readOnly: this._readOnly,
      oninput: () => this._yamlChanged(),
    });
    this._yamlEl.value = toYaml(tidy(this._doc));
    this._yamlErrorEl = h("div", { class: "yaml-error problems", id: "yaml-error" });
    return h("div", { class: "split" },
      this._formEl,
      h("div", { class: "yaml-pane" }, h("div", { class: "pane-title" }, "YAML"), this._yamlErrorEl, this._yamlEl));
  }

  /** What the general and inputs sections read and change of the editor. */
  _formContext(ro) {
    return {
      doc: this._doc, readOnly: ro, savedId: this._savedId,
      changed: (structural, opts) => this._changed(structural, opts),
      replaceDoc: (doc) => { this._doc = doc; },
    };
  }

  _renderForm() {
    const doc = this._doc;
    const ro = this._readOnly;
    const scroll = this._formEl.scrollTop;
    const ctx = { doc, readOnly: ro, catalog: this._catalog, hass: this._hass, changed: (s, o) => this._changed(s, o) };
    const shape = shapeOf(doc);
    const info = SHAPES[shape];
    const items = itemsOf(doc);
    this._formEl.replaceChildren(
      generalForm(this._formContext(ro)),
      inputsForm(this._formContext(ro)),
      h("section", { class: "card items", dataset: { path: info.key } },
        h("h2", {}, `${info.label}: ${info.key}`),
        h("div", { class: "problems" }),
        items.map((_, i) => itemForm(ctx, i)),
        ro ? null : button(`+ Add ${info.item}`, () => {
          addItem(doc);
          this._changed(true);
        }, { id: "add-item", class: "add" }),
        ro || shape !== "sequence" ? null : button("+ Add parallel block", () => {
          addParallel(doc);
          this._changed(true);
        }, { id: "add-parallel", class: "add" })),
    );
    this._formEl.scrollTop = scroll;
  }

  // -- changes ------------------------------------------------------------------------------

  _changed(structural, opts = {}) {
    this._dirty = true;
    this._rehearsal = null;
    if (structural) this._renderForm();
    if (opts.retitle || structural) {
      const title = this.shadowRoot.querySelector("header.bar h1");
      if (title) title.textContent = this._doc.name || this._doc.id || "Workflow";
    }
    if (this._yamlEl && this.shadowRoot.activeElement !== this._yamlEl) {
      this._yamlEl.value = toYaml(tidy(this._doc));
    }
    this._yamlError = null;
    this._scheduleValidate();
  }

  _yamlChanged() {
    const parsed = parseYaml(this._yamlEl.value);
    this._dirty = true;
    if (parsed.error) {
      this._yamlError = parsed.error;
      this._yamlErrorEl.replaceChildren(h("div", { class: "problem error", role: "alert" },
        `Line ${parsed.error.line}, column ${parsed.error.column}: ${parsed.error.message}`));
      this._updateStatus();
      return;
    }
    this._yamlError = null;
    this._yamlErrorEl.replaceChildren();
    this._doc = parsed.doc;
    this._renderForm();
    this._scheduleValidate();
  }

  _scheduleValidate() {
    this._valid = null;
    this._updateStatus();
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this._validateNow(), VALIDATE_DELAY_MS);
  }

  async _validateNow() {
    clearTimeout(this._timer);
    if (!this._doc || this._yamlError) return null;
    const seq = ++this._validateSeq;
    try {
      const result = await this._ws({ type: "stream_workflows/validate", definition: tidy(this._doc) });
      if (seq !== this._validateSeq) return null;
      this._valid = Boolean(result.valid);
      this._problems = result.problems || [];
      this._graph = result.graph || null;
    } catch (err) {
      if (seq !== this._validateSeq) return null;
      this._valid = false;
      this._problems = [{ path: "", message: `Could not validate: ${errText(err)}` }];
    }
    this._showProblems();
    this.dispatchEvent(new CustomEvent("sw-validated", { detail: { valid: this._valid, problems: this._problems, graph: this._graph } }));
    return this._valid;
  }

  _showProblems() {
    const form = this.shadowRoot.getElementById("form");
    const top = this.shadowRoot.getElementById("top-problems");
    if (!form || !top) return;
    const unplaced = placeProblems(form, this._problems);
    top.replaceChildren(...unplaced.map((p) => h("div", { class: `problem ${p.severity === "warning" ? "warning" : "error"}` },
      p.path ? `${p.path}: ${p.message}` : p.message)));
    this._updateStatus();
  }

  _updateStatus() {
    const el = this.shadowRoot.getElementById("status");
    if (el) {
      el.textContent = this._statusText();
      el.className = `status ${this._valid ? "ok" : this._valid === false || this._yamlError ? "bad" : ""}`;
    }
  }

  _say(kind, text) {
    this._message = text ? { kind, text } : null;
    const banner = this.shadowRoot.getElementById("banner");
    if (banner) banner.replaceWith(this._banner());
  }

  _fire(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  // -- actions ------------------------------------------------------------------------------

  async _save() {
    const valid = await this._validateNow();
    if (!valid) {
      this._say("error", "Not saved: fix the problems shown on the form first.");
      return null;
    }
    try {
      const definition = tidy(this._doc);
      const result = await this._writingDone(this._ws({ type: "stream_workflows/save", definition }));
      const id = result.workflow_id;
      this._baseline = canonical(definition);
      this._conflict = null;
      this._dirty = false;
      const wasNew = !this._savedId;
      this._savedId = id;
      this._workflowId = id;
      this._say("ok", `Saved ${id}.`);
      if (wasNew) this._renderAll();
      else this._updateStatus();
      this._fire("sw-workflow-saved", { workflow_id: id });
      return id;
    } catch (err) {
      this._say("error", `Not saved: ${errText(err)}`);
      return null;
    }
  }

  async _rehearse() {
    // A draft is rehearsed by `stream_workflows/rehearse` {definition} where Home Assistant has
    // it (a simulation, as `stream-workflows simulate`); else it is saved, then the saved
    // workflow is rehearsed by the integration's own rehearsal (external actions recorded only).
    const valid = await this._validateNow();
    if (!valid) {
      this._say("error", "Cannot rehearse: fix the problems shown on the form first.");
      return;
    }
    try {
      const run = await this._ws({
        type: "stream_workflows/rehearse", definition: tidy(this._doc), variables: rehearsalInputs(this._doc),
      });
      this._rehearsal = { ...run, calls: run.calls || run.actions, note: "Rehearsed the draft: nothing was saved or sent." };
      this._say(null, null);
      return;
    } catch (err) {
      if (!err || err.code !== "unknown_command") {
        this._say("error", `Rehearsal failed: ${errText(err)}`);
        return;
      }
    }
    let id = this._savedId;
    if (this._dirty || !id) id = await this._save();
    if (!id) return;
    this._say("info", `Rehearsing ${id}…`);
    try {
      const reply = await this._ws({
        type: "call_service", domain: "stream_workflows", service: "run",
        service_data: { workflow_id: id, rehearsal: true, wait: true, virtual_time: true, variables: rehearsalInputs(this._doc) },
        return_response: true,
      });
      const run = reply?.response?.runs?.[0] || { status: "unknown", path: [] };
      this._rehearsal = { ...run, note: "Rehearsed the saved version: external actions were recorded, not sent." };
      this._say(null, null);
    } catch (err) {
      this._say("error", `Rehearsal failed: ${errText(err)}`);
    }
  }

  async _duplicate() {
    try {
      const result = await this._ws({ type: "stream_workflows/duplicate", workflow_id: this._savedId });
      const id = result.workflow_id;
      this._fire("sw-workflow-saved", { workflow_id: id });
      this._fire("sw-open-workflow", { workflow_id: id });
      this.workflowId = id;
    } catch (err) {
      this._say("error", `Could not copy: ${errText(err)}`);
    }
  }

  async _delete() {
    const id = this._savedId;
    const ok = await confirmDialog(this.shadowRoot, {
      title: `Delete ${this._doc.name || id}?`,
      text: "The workflow, its entities and its service are removed. Its version history goes too.",
      confirm: "Delete",
    });
    if (!ok) return;
    try {
      await this._writingDone(this._ws({ type: "stream_workflows/delete", workflow_id: id }));
      this._savedId = null; // its own delete is no news to tell
      this._fire("sw-workflow-deleted", { workflow_id: id });
      this._fire("sw-editor-close");
    } catch (err) {
      this._say("error", `Not deleted: ${errText(err)}`);
    }
  }

  async _history() {
    const id = this._savedId;
    let versions = [];
    try {
      versions = (await this._ws({ type: "stream_workflows/versions", workflow_id: id })).versions || [];
    } catch (err) {
      this._say("error", `No history: ${errText(err)}`);
      return;
    }
    const version = await historyDialog(this.shadowRoot, versions);
    if (version === null || version === undefined) return;
    try {
      // the restore and the reload that follows it are one write: its push is checked after
      await this._writingDone((async () => {
        await this._ws({ type: "stream_workflows/restore", workflow_id: id, version });
        this._doc = null;
        await this._maybeLoad();
      })());
      this._say("ok", `Restored version ${version}.`);
      this._fire("sw-workflow-changed", { workflow_id: id });
    } catch (err) {
      this._say("error", `Not restored: ${errText(err)}`);
    }
  }
}

/** Values for a rehearsal: each input's default, or a placeholder of its type. */
function rehearsalInputs(doc) {
  const out = {};
  for (const [name, spec] of Object.entries(doc.inputs || {})) {
    if (!spec || "default" in spec || !spec.required) continue;
    const placeholder = { number: 1, integer: 1, boolean: false, object: {}, list: [] };
    out[name] = spec.example ?? (spec.type in placeholder ? placeholder[spec.type] : "rehearsal");
  }
  return out;
}

function errText(err) {
  return (err && (err.message || err.code)) || String(err);
}

if (!customElements.get("sw-editor")) customElements.define("sw-editor", SwEditor);
