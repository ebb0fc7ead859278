// <stream-workflows-panel>: the sidebar panel "Stream Workflows" (panel_custom, no build step).
// Home Assistant sets `hass`, `narrow`, `route` and `panel`. `route.path` picks the view:
// "" or "/" the list of workflows, "/<workflow_id>" one workflow's page, "/<id>/edit" and "/new"
// the editor (<sw-editor> from ./editor.js, when it is there). Live state arrives through one
// `stream_workflows/subscribe` subscription (no polling).
import { errorText, listWorkflows, subscribeRuns } from "./api.js";
import { renderList } from "./list-view.js";
import { STYLES } from "./styles.js";
import { esc, navigate } from "./util.js";
import "./workflow-view.js";
import "./sharing.js"; // <sw-sharing> (studio-sharing): templates, export, import
import "./describe.js"; // <sw-describe>: the Describe it box (shown only where AI Task is)

const PANEL = "/stream-workflows";
const MENU_ICON = "M3,6H21V8H3V6M3,11H21V13H3V11M3,16H21V18H3V16Z";
const SHARING_BTN = `<button id="sharing" style="font:inherit;font-weight:500;color:inherit;background:none;border:1px solid currentColor;border-radius:18px;padding:6px 14px;cursor:pointer;white-space:nowrap">Templates &amp; sharing</button>`;
const BACK_ICON = "M20,11V13H8L13.5,18.5L12.08,19.92L4.16,12L12.08,4.08L13.5,5.5L8,11H20Z";

let editorLoad = null;
function loadEditor() {
  if (!editorLoad) editorLoad = import("./editor.js").then(() => true, () => false);
  return editorLoad;
}

class StreamWorkflowsPanel extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._hass = null;
    this._narrow = false;
    this._route = { path: "" };
    this._workflows = null;
    this._error = "";
    this._unsub = null;
    this._view = null;
    this._editor = false;
  }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    if (first) this._start();
    const view = this.shadowRoot.querySelector("sw-workflow-view, sw-editor, sw-sharing, sw-describe");
    if (view) view.hass = hass;
  }

  get hass() {
    return this._hass;
  }

  set narrow(narrow) {
    this._narrow = Boolean(narrow);
    this.toggleAttribute("narrow", this._narrow);
    if (this._hass) this._render();
  }

  get narrow() {
    return this._narrow;
  }

  set route(route) {
    const changed = !this._route || route.path !== this._route.path;
    this._route = route || { path: "" };
    if (changed && this._hass) this._render();
  }

  get route() {
    return this._route;
  }

  set panel(panel) {
    this._panel = panel;
  }

  connectedCallback() {
    if (this._hass && !this._unsub) this._subscribe();
  }

  disconnectedCallback() {
    if (this._unsub) {
      this._unsub.then((unsub) => unsub()).catch(() => {});
      this._unsub = null;
    }
  }

  async _start() {
    loadEditor().then((ok) => {
      this._editor = ok;
      if (this._view) this._view.editorAvailable = ok;
      this._render();
    });
    this._subscribe();
    await this._loadList();
  }

  _subscribe() {
    if (this._unsub || !this._hass) return;
    this._unsub = subscribeRuns(this._hass, (event) => this._onEvent(event));
    this._unsub.catch((err) => {
      this._error = `Live updates are not available: ${errorText(err)}`;
      this._unsub = null;
      this._render();
    });
  }

  async _loadList() {
    try {
      this._workflows = (await listWorkflows(this._hass)).workflows || [];
      this._error = "";
    } catch (err) {
      this._error = errorText(err);
      this._workflows = this._workflows || [];
    }
    this._render();
  }

  _onEvent(event) {
    if (event.change === "workflows") {
      this._loadList();
      // the editor stays (with its draft); it follows or flags its own workflow's change
      this.shadowRoot.querySelector("sw-editor")?.serverChanged?.();
      return;
    }
    const wf = (this._workflows || []).find((w) => w.workflow_id === event.workflow_id);
    if (wf) {
      Object.assign(wf, {
        status: event.status,
        state: event.state,
        current: event.current,
        progress: event.progress,
        wait_ends_at: event.wait_ends_at,
        rehearsal: event.rehearsal,
      });
      if (event.change === "finished") {
        wf.last_run = { run_id: event.run_id, status: event.status, started_at: wf.last_run?.started_at, finished_at: new Date().toISOString(), outcome: event.status };
      }
    }
    const view = this._view;
    if (view && view.workflowId === event.workflow_id) view.liveEvent = event;
    else if (!this._workflowId()) this._renderList();
  }

  _workflowId() {
    const parts = (this._route.path || "").split("/").filter(Boolean);
    return parts.length ? decodeURIComponent(parts[0]) : null;
  }

  _mode() {
    const parts = (this._route.path || "").split("/").filter(Boolean);
    if (parts[0] === "templates-sharing") return "sharing";
    if (parts[0] === "new") return "new";
    if (parts[1] === "edit") return "edit";
    return parts.length ? "workflow" : "list";
  }

  _toolbar(title, back) {
    const menu = this._narrow
      ? `<button class="icon-btn" id="menu" title="Menu" aria-label="Menu"><svg viewBox="0 0 24 24"><path d="${MENU_ICON}"/></svg></button>`
      : "";
    const backBtn = back
      ? `<button class="icon-btn" id="back" title="Back" aria-label="Back"><svg viewBox="0 0 24 24"><path d="${BACK_ICON}"/></svg></button>`
      : "";
    return `<div class="toolbar">${menu}${backBtn}<span class="title">${esc(title)}</span>${back ? "" : SHARING_BTN}</div>`;
  }

  _render() {
    const mode = this._mode();
    const id = this._workflowId();
    const wf = (this._workflows || []).find((w) => w.workflow_id === id);
    if (mode === "sharing") return this._renderSharing();
    if ((mode === "edit" || mode === "new") && this._editor) {
      this._renderEditor(mode === "new" ? null : id);
      return;
    }
    if (mode === "workflow" || mode === "edit") {
      if (!this._view || this._view.workflowId !== id) {
        this.shadowRoot.innerHTML = `<style>${STYLES}</style>${this._toolbar(wf ? wf.name : id, true)}<main id="main"></main>`;
        const view = document.createElement("sw-workflow-view");
        view.workflowId = id;
        view.narrow = this._narrow;
        view.editorAvailable = this._editor;
        if (wf) view.entry = wf;
        view.hass = this._hass;
        view.addEventListener("sw-edit", () => navigate(`${PANEL}/${encodeURIComponent(id)}/edit`));
        this.shadowRoot.getElementById("main").appendChild(view);
        this._view = view;
        this._wire();
      } else {
        this.shadowRoot.querySelector(".toolbar .title").textContent = wf ? wf.name : id;
        if (wf) this._view.entry = wf;
        if (this._view.narrow !== this._narrow || this._view.editorAvailable !== this._editor) {
          this._view.narrow = this._narrow;
          this._view.editorAvailable = this._editor;
          this._view._render();
        }
      }
      return;
    }
    this._view = null;
    this.shadowRoot.innerHTML = `<style>${STYLES}</style>${this._toolbar("Stream Workflows", false)}<main id="main"></main>`;
    this._placeDescribe();
    this._wire();
    this._renderList();
  }

  _renderList() {
    const main = this.shadowRoot.getElementById("main");
    if (!main) return;
    const admin = Boolean(this._hass && this._hass.user && this._hass.user.is_admin);
    const error = this._error ? `<div class="card"><div class="error" style="margin:12px">${esc(this._error)}</div></div>` : "";
    main.innerHTML = this._workflows === null ? `<div class="empty">Loading…</div>` : error + renderList(this._workflows, { canCreate: this._editor && admin });
  }

  _renderSharing() {
    if (this.shadowRoot.querySelector("sw-sharing")) return; // keep its state across list reloads
    this._view = null;
    this.shadowRoot.innerHTML = `<style>${STYLES}</style>${this._toolbar("Templates & sharing", true)}<main id="main"><sw-sharing></sw-sharing></main>`;
    const sharing = this.shadowRoot.querySelector("sw-sharing");
    Object.assign(sharing, { narrow: this._narrow, hass: this._hass });
    sharing.addEventListener("sw-navigate", (ev) => navigate(`${PANEL}/${encodeURIComponent(ev.detail.workflow_id)}`));
    this._wire();
  }

  _placeDescribe() {
    // one <sw-describe> kept across list re-renders, so a draft being read survives a reload
    if (!this._describe) {
      this._describe = document.createElement("sw-describe");
      this._describe.addEventListener("sw-open-draft", (ev) => {
        this._draftDoc = ev.detail.definition;
        navigate(`${PANEL}/new`);
      });
      this._describe.addEventListener("sw-navigate", (ev) => navigate(`${PANEL}/${encodeURIComponent(ev.detail.workflow_id)}`));
    }
    this._describe.narrow = this._narrow;
    this._describe.hass = this._hass;
    this.shadowRoot.getElementById("main").before(this._describe);
  }

  _renderEditor(id) {
    this._view = null;
    const current = this.shadowRoot.querySelector("sw-editor");
    if (current && current.dataset.route === this._route.path) {
      // a list reload or a width change: the same editor, its unsaved draft kept
      current.narrow = this._narrow;
      return;
    }
    this.shadowRoot.innerHTML = `<style>${STYLES}</style>${this._toolbar(id ? `Edit ${id}` : "New workflow", true)}<main id="main"></main>`;
    const editor = document.createElement("sw-editor");
    editor.dataset.route = this._route.path;
    editor.workflowId = id;
    editor.narrow = this._narrow;
    if (!id && this._draftDoc) editor.initialDocument = this._draftDoc; // "Open in editor" on a draft
    this._draftDoc = null;
    editor.hass = this._hass;
    const open = (ev) => navigate(`${PANEL}/${encodeURIComponent(ev.detail.workflow_id)}`);
    editor.addEventListener("sw-editor-close", () => navigate(id ? `${PANEL}/${encodeURIComponent(id)}` : PANEL));
    editor.addEventListener("sw-workflow-saved", open);
    editor.addEventListener("sw-open-workflow", open);
    editor.addEventListener("sw-workflow-deleted", () => navigate(PANEL));
    this.shadowRoot.getElementById("main").appendChild(editor);
    this._wire();
  }

  _wire() {
    if (this._wired) return; // a ShadowRoot has no `onclick` property (studio-sharing): listen once
    this._wired = true;
    this.shadowRoot.addEventListener("click", (ev) => {
      const path = ev.composedPath();
      const hit = (sel) => path.find((el) => el instanceof HTMLElement && el.matches(sel));
      if (hit("#menu")) {
        this.dispatchEvent(new CustomEvent("hass-toggle-menu", { bubbles: true, composed: true }));
      } else if (hit("#back")) {
        const mode = this._mode();
        const id = this._workflowId();
        navigate(mode === "edit" && id ? `${PANEL}/${encodeURIComponent(id)}` : PANEL);
      } else if (hit("#sharing")) {
        navigate(`${PANEL}/templates-sharing`);
      } else if (hit("#new")) {
        navigate(`${PANEL}/new`);
      } else {
        const row = hit(".row[data-id]");
        if (row) navigate(`${PANEL}/${encodeURIComponent(row.dataset.id)}`);
      }
    });
  }
}

if (!customElements.get("stream-workflows-panel")) customElements.define("stream-workflows-panel", StreamWorkflowsPanel);
