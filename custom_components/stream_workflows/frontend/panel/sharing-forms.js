// What <sw-sharing> (sharing.js) reads back from its forms and does with the browser: the
// template form's values, the import preview's choices and remaps, the clipboard, a download.
// Each takes the shadow root it reads from.

/** The template form's values by input name (an empty field is left out: its default applies). */
export function readInputs(root) {
  const inputs = {};
  for (const field of root.querySelectorAll("#form [data-input]")) {
    const name = field.dataset.input;
    const kind = field.dataset.kind;
    if (kind === "boolean") {
      inputs[name] = field.checked;
      continue;
    }
    const value = field.value.trim();
    if (value === "") continue; // the default applies (or the server says it is required)
    if (kind === "number") inputs[name] = Number(value);
    else if (field.dataset.multiple) inputs[name] = value.split(",").map((v) => v.trim()).filter(Boolean);
    else inputs[name] = kind === "text" ? field.value : value;
  }
  return inputs;
}

/** The import command's `choices`, `new_ids` and `remap` from the preview's fields (text
 * fields and scene dropdowns alike: an empty one keeps the name). */
export function readChoices(root, preview) {
  const choices = {};
  const newIds = {};
  for (const item of preview.workflows) {
    const id = item.workflow_id;
    const picked = root.querySelector(`input[data-choice="${CSS.escape(id)}"]:checked`);
    const choice = picked ? picked.value : "copy";
    choices[id] = choice;
    const typed = root.querySelector(`input[data-new-id="${CSS.escape(id)}"]`);
    if (choice === "copy" && typed && typed.value.trim() && typed.value.trim() !== item.new_id) newIds[id] = typed.value.trim();
  }
  const remap = {};
  for (const field of root.querySelectorAll("[data-remap]")) {
    const value = field.value.trim();
    if (!value) continue;
    (remap[field.dataset.remap] ||= {})[field.dataset.old] = value;
  }
  return { choices, new_ids: newIds, remap };
}

export async function copyText(area, text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {
    area.focus(); // no clipboard API (plain http): select and copy
    area.select();
    document.execCommand("copy");
  }
}

export function downloadYaml(root, made) {
  const blob = new Blob([made.yaml], { type: "application/yaml" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${String(made.name).replace(/[^A-Za-z0-9_.-]+/g, "_") || "workflows"}.yaml`;
  root.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
