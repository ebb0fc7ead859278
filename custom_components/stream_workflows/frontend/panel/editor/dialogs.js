// Modal dialogs of the editor: a confirmation, and the version history with restore.
import { button, h } from "./dom.js";

function modal(root, content) {
  const dialog = h("dialog", { class: "dialog" }, content);
  root.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Resolve true when the user confirms, false on cancel / Escape. */
export function confirmDialog(root, { title, text, confirm = "OK" }) {
  return new Promise((resolve) => {
    let answered = false;
    const done = (value) => {
      if (answered) return;
      answered = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    const dialog = modal(root, [
      h("h2", {}, title),
      h("p", {}, text),
      h("div", { class: "row end" },
        button("Cancel", () => done(false), { class: "flat", id: "confirm-cancel" }),
        button(confirm, () => done(true), { class: "danger", id: "confirm-ok" })),
    ]);
    dialog.addEventListener("cancel", () => done(false));
  });
}

/** The earlier versions, newest first; resolve the version picked for restore, or null. */
export function historyDialog(root, versions) {
  return new Promise((resolve) => {
    let answered = false;
    const done = (value) => {
      if (answered) return;
      answered = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    // the earlier versions, newest first (the workflow as it is now is not among them)
    const rows = versions.map((v) => h("li", { class: "version", dataset: { version: String(v.version) } },
      h("span", { class: "version-no" }, `v${v.version}`),
      h("span", { class: "when" }, formatTime(v.saved_at)),
      h("span", { class: "summary" }, v.summary || ""),
      button("Restore", () => done(v.version), { class: "small", "aria-label": `Restore version ${v.version}` })));
    const dialog = modal(root, [
      h("h2", {}, "Version history"),
      h("p", { class: "hint" }, "Each save keeps the version it replaced. Restoring saves that version again (what is there now is kept as a version too)."),
      versions.length ? h("ol", { class: "versions" }, rows) : h("p", {}, "No earlier versions yet: they appear once the workflow is saved again."),
      h("div", { class: "row end" }, button("Close", () => done(null), { class: "flat", id: "history-close" })),
    ]);
    dialog.addEventListener("cancel", () => done(null));
  });
}

function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}
