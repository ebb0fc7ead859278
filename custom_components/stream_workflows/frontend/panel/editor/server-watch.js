// The editor's watch on its saved workflow: on every workflows-changed push the panel calls
// `serverChanged()`. An untouched form follows the saved version; an edited one keeps the
// draft and says that the workflow was saved (or deleted) elsewhere, offering the saved version.
// The editor's own saves and restores run through `_writingDone`: their pushes are checked
// once they are done, against the document they wrote. Mixed into <sw-editor>, whose
// `_ws`, `_say`, `_renderAll`, `_validateNow` and `_updateStatus` it uses.
import { tidy } from "./document.js";
import { button, h } from "./dom.js";

/** JSON with sorted keys: two documents are the same when their texts are. */
export function canonical(value) {
  return JSON.stringify(value, (_key, v) => (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
    : v));
}

export const withServerWatch = (Base) => class extends Base {
  _conflictNote() {
    const deleted = this._conflict.kind === "deleted";
    return h("div", { class: "note warning", id: "conflict", role: "alert" },
      h("strong", {}, deleted ? "This workflow was deleted elsewhere." : "This workflow was saved elsewhere while you edit it."),
      " ",
      deleted
        ? "Your draft is kept: Save creates it again."
        : "Your unsaved changes are kept: Save replaces that version (it stays in the history), or load the saved version instead.",
      h("div", { class: "row end" },
        deleted ? null : button("Load the saved version", () => this._loadSaved(), { id: "load-saved", class: "small" }),
        button("Keep my draft", () => { this._conflict = null; this._say(null, null); }, { id: "keep-draft", class: "small flat" })));
  }

  /** The saved workflow may have changed (a workflows-changed push): follow it or say so. */
  async serverChanged() {
    if (!this._savedId || !this._doc || this._loading || !this.isConnected) return;
    if (this._writing) {
      this._recheck = true;
      return;
    }
    const id = this._savedId;
    let got = null;
    try {
      got = await this._ws({ type: "stream_workflows/get", workflow_id: id });
    } catch (err) {
      if (!err || err.code !== "unknown_workflow") return;
    }
    if (id !== this._savedId || this._writing) return;
    if (!got) {
      this._conflict = { kind: "deleted" };
      this._dirty = true;
      this._say(null, null);
      this._updateStatus();
      return;
    }
    const server = canonical(got.definition);
    if (server === this._baseline) return; // another workflow changed
    this._baseline = server;
    if (server === canonical(tidy(this._doc))) {
      this._conflict = null;
      return;
    }
    if (!this._dirty) {
      this._doc = got.definition;
      this._editable = Boolean(got.editable);
      this._conflict = null;
      this._message = { kind: "info", text: "This workflow was saved elsewhere: the form shows the saved version." };
      this._renderAll();
      this._validateNow();
      return;
    }
    this._conflict = { kind: "changed", definition: got.definition };
    this._say(null, null);
  }

  _loadSaved() {
    const definition = this._conflict && this._conflict.definition;
    if (!definition) return;
    this._doc = JSON.parse(JSON.stringify(definition));
    this._conflict = null;
    this._dirty = false;
    this._message = { kind: "info", text: "Loaded the saved version: your draft was discarded." };
    this._renderAll();
    this._validateNow();
  }

  async _writingDone(promise) {
    this._writing += 1;
    try {
      return await promise;
    } finally {
      this._writing -= 1;
      if (!this._writing && this._recheck) {
        this._recheck = false;
        this.serverChanged();
      }
    }
  }

};
