// The Run form: the definition's inputs as fields; `readForm` turns them into variables.
import { esc } from "./util.js";

export function renderInputs(inputs) {
  const entries = Object.entries(inputs || {});
  if (!entries.length) return "";
  return entries
    .map(([name, spec]) => {
      const s = spec || {};
      const label = `${esc(name)}${s.required ? " *" : ""}${s.description ? ` — ${esc(s.description)}` : ""}`;
      const def = s.default;
      if (s.type === "boolean") return `<label class="check"><input type="checkbox" name="${esc(name)}" data-type="boolean" ${def ? "checked" : ""}> ${label}</label>`;
      if (s.type === "number" || s.type === "integer")
        return `<label>${label}<input type="number" name="${esc(name)}" data-type="${s.type}" ${s.type === "integer" ? 'step="1"' : 'step="any"'} value="${def ?? ""}" placeholder="${esc(s.example ?? "")}"></label>`;
      if (s.type === "object" || s.type === "list")
        return `<label>${label} (JSON)<textarea name="${esc(name)}" data-type="${s.type}" rows="3">${def != null ? esc(JSON.stringify(def)) : ""}</textarea></label>`;
      return `<label>${label}<input type="text" name="${esc(name)}" data-type="string" value="${esc(def ?? "")}" placeholder="${esc(s.example ?? "")}"></label>`;
    })
    .join("");
}

/** The variables the form sets; throws an Error naming the field for unreadable JSON. */
export function readForm(root) {
  const variables = {};
  for (const field of root.querySelectorAll("[data-type]")) {
    const type = field.dataset.type;
    if (type === "boolean") {
      variables[field.name] = field.checked;
    } else if (field.value === "") {
      continue;
    } else if (type === "number" || type === "integer") {
      variables[field.name] = Number(field.value);
    } else if (type === "object" || type === "list") {
      try {
        const parsed = JSON.parse(field.value);
        if (field.name === "__variables") Object.assign(variables, parsed);
        else variables[field.name] = parsed;
      } catch (err) {
        throw new Error(`${field.name}: not valid JSON (${err.message})`);
      }
    } else {
      variables[field.name] = field.value;
    }
  }
  return variables;
}
