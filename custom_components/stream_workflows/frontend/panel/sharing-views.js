// The HTML of <sw-sharing>'s parts (sharing.js): a template input's field by its selector, the
// share string card, the import preview with its per-workflow items and remap fields. Pure
// functions of plain data (the websocket answers and `hass.states`); every text is escaped.
// An OBS scene is a dropdown of the connected OBS's scenes (`stream_workflows/obs_scenes`, or
// the preview's `local.obs_scenes`); free text when no OBS is connected (scenes: null).
import { esc } from "./util.js";

const MAX_DATALIST = 500;
const REMAP = [
  ["entities", "Entity"],
  ["obs_scenes", "OBS scene"],
  ["discord_channels", "Discord channel"],
];
const MISSING = [
  ["services", "services not connected"],
  ["actions", "actions not available"],
  ["entities", "entities not found"],
  ["obs_scenes", "OBS scenes not known"],
  ["discord_channels", "Discord channels not known"],
];

export const SHARING_CSS = `
:host { display: block; min-height: 0; background: none; }
.tabs { display: flex; gap: 4px; margin: 0 0 12px; border-bottom: 1px solid var(--divider-color); overflow-x: auto; }
.tabs button { font: inherit; font-weight: 500; background: none; border: none; color: var(--secondary-text-color);
  padding: 10px 14px; cursor: pointer; border-bottom: 2px solid transparent; white-space: nowrap; }
.tabs button[aria-selected="true"] { color: var(--primary-color); border-bottom-color: var(--primary-color); }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
.tpl { text-align: left; font: inherit; color: inherit; background: var(--card-background-color); cursor: pointer;
  border: 1px solid var(--divider-color); border-radius: var(--ha-card-border-radius, 12px); padding: 14px 16px;
  display: grid; gap: 6px; align-content: start; }
.tpl:hover, .tpl:focus-visible { border-color: var(--primary-color); outline: none; }
.tpl .name { font-size: 15px; }
.tpl .desc { color: var(--secondary-text-color); font-size: 13px; line-height: 1.4; }
.form select { font: inherit; color: var(--primary-text-color); background: var(--secondary-background-color, transparent);
  border: 1px solid var(--divider-color); border-radius: 6px; padding: 8px; }
.form .hint { font-size: 12px; color: var(--secondary-text-color); }
.form .req { color: var(--error-color); }
.actions { display: flex; flex-wrap: wrap; gap: 8px; padding: 4px 16px 14px; }
.intro { padding: 12px 16px 8px; color: var(--secondary-text-color); line-height: 1.4; }
.picks { list-style: none; margin: 0; padding: 4px 0; }
.picks li label { display: flex; gap: 10px; align-items: center; padding: 8px 16px; cursor: pointer; }
.picks li label:hover { background: var(--secondary-background-color); }
textarea.share { width: 100%; box-sizing: border-box; min-height: 96px; font-family: var(--code-font-family, monospace);
  font-size: 12px; word-break: break-all; }
.ok { margin: 0 16px 12px; padding: 8px 12px; border-radius: 8px; border: 1px solid var(--success-color, #43a047);
  background: rgba(67, 160, 71, 0.1); }
.notice { margin: 0 16px 12px; padding: 8px 12px; border-radius: 8px; border: 1px solid var(--warning-color, #ffa600);
  background: rgba(255, 166, 0, 0.1); line-height: 1.4; }
.item { border-top: 1px solid var(--divider-color); padding: 12px 16px; display: grid; gap: 8px; }
.item .head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }
.chip.bad { color: var(--error-color); border-color: var(--error-color); }
.chip.warn { color: var(--warning-color, #ffa600); border-color: var(--warning-color, #ffa600); }
.calls { margin: 0; padding-left: 18px; font-size: 13px; }
.calls code, .missing code { overflow-wrap: anywhere; }
.missing { color: var(--error-color); font-size: 13px; margin: 0; padding-left: 18px; }
.choice { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; }
.choice label { display: flex; gap: 6px; align-items: center; }
.choice input[type="text"] { font: inherit; color: var(--primary-text-color); background: var(--secondary-background-color, transparent);
  border: 1px solid var(--divider-color); border-radius: 6px; padding: 6px 8px; min-width: 0; flex: 0 1 320px; }
.remap { display: grid; grid-template-columns: minmax(0, 1fr) auto minmax(0, 1fr); gap: 8px; align-items: center; padding: 4px 16px 12px; }
.remap code { overflow-wrap: anywhere; }
.remap input, .remap select { font: inherit; color: var(--primary-text-color); background: var(--secondary-background-color, transparent);
  border: 1px solid var(--divider-color); border-radius: 6px; padding: 6px 8px; min-width: 0; }
details { padding: 0 16px 12px; }
summary { cursor: pointer; color: var(--primary-color); padding: 4px 0; }
@media (max-width: 600px) {
  .gallery { grid-template-columns: minmax(0, 1fr); }
  .remap { grid-template-columns: minmax(0, 1fr); gap: 2px; }
  .remap .arrow { display: none; }
  .remap input, .remap select { margin-bottom: 8px; }
}
`;

export function errorText(err) {
  if (!err) return "";
  if (typeof err === "string") return err;
  return err.message || err.error?.message || err.code || JSON.stringify(err);
}

/** A share string (`sw1:...`, any format) or YAML/JSON text: the import command's field. */
export function sourceOf(text) {
  const trimmed = text.trim();
  return /^sw\d+:/.test(trimmed) ? { share: trimmed } : { yaml: text };
}

export function selectorKind(selector) {
  const kind = Object.keys(selector || {})[0] || "text";
  return { kind, options: (selector && selector[kind]) || {} };
}

export function errorBlock(error) {
  return error ? `<div class="error" role="alert" id="error">${esc(error)}</div>` : "";
}

/** A dropdown of the connected OBS's scenes; a value it does not have stays, marked. */
export function sceneSelect(attrs, value, scenes, empty) {
  const known = scenes.includes(value);
  const first = empty != null ? `<option value="">${esc(empty)}</option>` : "";
  const extra = value && !known ? `<option value="${esc(value)}" selected>${esc(value)} (not in this OBS)</option>` : "";
  const options = scenes.map((s) => `<option value="${esc(s)}" ${s === value ? "selected" : ""}>${esc(s)}</option>`).join("");
  return `<select ${attrs}>${first}${extra}${options}</select>`;
}

/** `scenes`: the connected OBS's scene names, or null (none connected: free text). */
export function field(input, states, scenes = null) {
  const { kind, options } = selectorKind(input.selector);
  const name = `in:${input.name}`;
  const def = input.default;
  const label = `<span>${esc(input.label || input.name)}${input.required ? ` <span class="req" title="required">*</span>` : ""}</span>`;
  const hint = input.description ? `<span class="hint">${esc(input.description)}</span>` : "";
  const attrs = `name="${esc(name)}" data-kind="${esc(kind)}" data-input="${esc(input.name)}" ${input.required ? "required" : ""}`;
  if (kind === "boolean") return `<label class="check"><input type="checkbox" ${attrs} ${def ? "checked" : ""}> ${label}</label>`;
  if (kind === "number") {
    const range = ["min", "max", "step"].filter((k) => options[k] != null).map((k) => `${k}="${esc(options[k])}"`).join(" ");
    return `<label>${label}<input type="number" inputmode="decimal" ${attrs} ${range || 'step="any"'} value="${esc(def ?? "")}">${hint}</label>`;
  }
  if (kind === "select") {
    const opts = (options.options || []).map((o) => (typeof o === "object" && o !== null ? o : { value: o, label: o }));
    const choices = opts.map((o) => `<option value="${esc(o.value)}" ${String(o.value) === String(def) ? "selected" : ""}>${esc(o.label ?? o.value)}</option>`).join("");
    return `<label>${label}<select ${attrs}>${input.required && def == null ? `<option value=""></option>` : ""}${choices}</select>${hint}</label>`;
  }
  if (kind === "entity") {
    const list = `dl-${input.name}`;
    const value = Array.isArray(def) ? def.join(", ") : def ?? "";
    const multi = options.multiple ? ` data-multiple="1"` : "";
    const more = options.multiple ? `<span class="hint">several: separate them with commas</span>` : "";
    return `<label>${label}<input type="text" list="${esc(list)}" autocomplete="off" ${attrs}${multi} value="${esc(value)}" placeholder="${esc(domains(options).map((d) => `${d}.…`).join(" / ") || "domain.object_id")}">${datalist(list, options, states)}${hint}${more}</label>`;
  }
  if (kind === "obs_scene" && Array.isArray(scenes)) {
    const empty = def == null ? "Choose a scene" : null;
    return `<label>${label}${sceneSelect(`${attrs} data-scenes="obs"`, def ?? "", scenes, empty)}<span class="hint">${esc(input.description || "")}${input.description ? " — " : ""}the scenes of the connected OBS</span></label>`;
  }
  const placeholder = kind === "obs_scene" ? "an OBS scene name" : kind === "discord_channel" ? "a Discord channel id" : "";
  if (kind === "obs_scene") {
    return `<label>${label}<input type="text" ${attrs} value="${esc(def ?? "")}" placeholder="${esc(placeholder)}" autocomplete="off"><span class="hint">${esc(input.description || "")}${input.description ? " — " : ""}no OBS connected: type the scene's name</span></label>`;
  }
  if (options.multiline) return `<label>${label}<textarea rows="3" ${attrs}>${esc(def ?? "")}</textarea>${hint}</label>`;
  return `<label>${label}<input type="text" ${attrs} value="${esc(def ?? "")}" placeholder="${esc(placeholder)}" ${options.max ? `maxlength="${esc(options.max)}"` : ""}>${hint}</label>`;
}

export function domains(options) {
  const domain = options && options.domain;
  return domain ? (Array.isArray(domain) ? domain : [domain]) : [];
}

export function datalist(id, options, states) {
  const wanted = domains(options);
  const ids = Object.keys(states || {})
    .filter((e) => !wanted.length || wanted.includes(e.split(".")[0]))
    .sort()
    .slice(0, MAX_DATALIST);
  return `<datalist id="${esc(id)}">${ids.map((e) => `<option value="${esc(e)}">${esc(states[e].attributes?.friendly_name || "")}</option>`).join("")}</datalist>`;
}

export function renderShare(made, copied) {
  const removed = (made.removed_secrets || []).map((s) => `<li><code>${esc(s.workflow_id)}: ${esc(s.path)}</code> — ${esc(s.reason)}${s.input ? ` (now the input <code>${esc(s.input)}</code>)` : ""}</li>`).join("");
  return `<div class="card" id="export-result"><h2>Share string</h2>
    <div class="form"><textarea class="share" id="share" readonly rows="4">${esc(made.share)}</textarea>
      <span class="hint">${made.share.length} characters. Paste it in another Home Assistant's Stream Workflows → Import, or run <code>stream-workflows import</code>.</span></div>
    <div class="actions"><button class="btn primary" id="copy">${copied ? "Copied ✓" : "Copy"}</button>
      <button class="btn" id="download">Download YAML</button></div>
    ${removed ? `<div class="notice">Removed from the export:<ul class="calls">${removed}</ul></div>` : ""}
    <details><summary>Show the YAML</summary><pre id="yaml">${esc(made.yaml)}</pre></details></div>`;
}

/** The import preview; `ctx` = {admin, busy, error, states}. */
export function renderPreview(p, ctx) {
  const head = `<div class="intro"><b>${esc(p.name || "Unnamed")}</b>${p.author ? ` by ${esc(p.author)}` : ""}${p.description ? ` — ${esc(p.description)}` : ""}
    <div class="sub">exported by Stream Workflows ${esc(p.integration_version || "?")}, schema ${esc(p.schema_version)}${p.written_in_schema && p.written_in_schema !== p.schema_version ? ` (written in schema ${esc(p.written_in_schema)}, migrated)` : ""}</div></div>`;
  const warnings = (p.warnings || []).length ? `<div class="notice">${p.warnings.map(esc).join("<br>")}</div>` : "";
  if (p.kind === "template") {
    return `<div class="card" id="preview-card"><h2>A template</h2>${head}
      <div class="notice">This is a template, not a workflow: fill in its ${(p.template?.inputs || []).length} inputs to make a workflow.</div>
      <div class="actions"><button class="btn primary" id="use-template">Fill in the template</button></div></div>`;
  }
  const items = p.workflows.map((w) => renderItem(w)).join("");
  const remapRows = remapList(p)
    .map((r, i) => `<label for="remap-${i}"><span class="sub">${esc(r.label)}${r.missing ? ` <span class="chip bad">not here</span>` : ""}</span><br><code>${esc(r.old)}</code></label><span class="arrow">→</span>
      ${remapField(r, i, p, ctx)}`)
    .join("");
  const secrets = (p.removed_secrets || []).length
    ? `<div class="notice">The exporter's secrets were removed: give your own values for ${p.removed_secrets.map((s) => `<code>${esc(s.input || s.path)}</code>`).join(", ")} (as run variables, or by editing the workflow).</div>`
    : "";
  return `<div class="card" id="preview-card"><h2>Preview: ${p.workflows.length} workflow${p.workflows.length === 1 ? "" : "s"}</h2>${head}${warnings}${secrets}
    <div id="items">${items}</div>
    ${remapRows ? `<h2 style="border-top:1px solid var(--divider-color)">Use yours instead</h2><div class="intro">Leave a field empty to keep the name.</div><div class="remap" id="remap">${remapRows}</div>` : ""}
    <div class="notice">Imported workflows start with their triggers off.</div>
    ${errorBlock(ctx.error)}
    <div class="actions"><button class="btn" id="cancel-import">Cancel</button>
      <button class="btn primary" id="do-import" ${ctx.admin && !ctx.busy ? "" : "disabled"}>${ctx.busy ? "Importing…" : `Import ${p.workflows.length === 1 ? "it" : "them"}`}</button></div>
    ${ctx.admin ? "" : `<div class="notice">Importing needs an administrator.</div>`}</div>`;
}

/** The values the preview offers to remap: the missing ones, and every one used of a kind
 * this side cannot check (no OBS connected, Discord channels). */
export function remapList(p) {
  return REMAP.flatMap(([kind, label]) => {
    const missing = (p.missing || {})[kind] || [];
    const known = !p.known_here || p.known_here[kind] !== false;
    const values = known ? missing : (p.used || {})[kind] || missing;
    return values.map((old) => ({ kind, label, old, missing: missing.includes(old) }));
  });
}

function remapField(r, i, p, ctx) {
  const attrs = `id="remap-${i}" data-remap="${esc(r.kind)}" data-old="${esc(r.old)}"`;
  const scenes = p.local && p.local.obs_scenes;
  if (r.kind === "obs_scenes" && Array.isArray(scenes)) return sceneSelect(attrs, "", scenes, `keep ${r.old}`);
  const entity = r.kind === "entities";
  const hint = r.kind === "obs_scenes" ? "no OBS connected: type a scene's name" : `keep ${r.old}`;
  return `<input ${attrs} type="text" placeholder="${esc(hint)}" ${entity ? `list="dl-remap-${i}"` : ""} autocomplete="off">${entity ? datalist(`dl-remap-${i}`, { domain: r.old.split(".")[0] }, ctx.states) : ""}`;
}

export function renderItem(w) {
  const id = esc(w.workflow_id);
  const missing = MISSING.flatMap(([kind, label]) => ((w.missing || {})[kind] || []).length ? [`<li>${label}: ${w.missing[kind].map((v) => `<code>${esc(v)}</code>`).join(", ")}</li>`] : []).join("");
  const calls = (w.calls || []).map((c) => `<li><code>${esc(c.step)}</code>: ${esc(c.service)}.${esc(c.action)}</li>`).join("");
  const canReplace = w.exists && !w.from_file;
  return `<div class="item" data-item="${id}">
    <div class="head"><span class="name">${esc(w.name)}</span><span class="sub">${id}</span>
      ${w.exists ? `<span class="chip warn">exists here${w.from_file ? " (from a file)" : ""}</span>` : `<span class="chip">new</span>`}
      ${w.triggers ? `<span class="chip">${w.triggers} trigger${w.triggers === 1 ? "" : "s"}, off</span>` : ""}</div>
    ${w.description ? `<div class="sub">${esc(w.description)}</div>` : ""}
    <div class="choice"><label><input type="radio" name="choice-${id}" value="copy" data-choice="${id}" checked> ${w.exists ? "Copy as" : "Import as"}</label>
      <input type="text" data-new-id="${id}" value="${esc(w.new_id)}" aria-label="New id for ${id}" autocomplete="off">
      ${w.exists ? `<label title="${canReplace ? "" : "a workflow from a file cannot be replaced"}"><input type="radio" name="choice-${id}" value="replace" data-choice="${id}" ${canReplace ? "" : "disabled"}> Replace the existing one</label>` : ""}</div>
    <details><summary>${(w.calls || []).length} call${(w.calls || []).length === 1 ? "" : "s"}${(w.entities || []).length ? `, ${w.entities.length} entit${w.entities.length === 1 ? "y" : "ies"}` : ""}</summary>
      <ul class="calls">${calls}</ul>${(w.entities || []).length ? `<div class="sub">Entities: ${w.entities.map((e) => `<code>${esc(e)}</code>`).join(", ")}</div>` : ""}</details>
    ${missing ? `<ul class="missing">${missing}</ul>` : `<div class="sub">Everything it needs is here.</div>`}</div>`;
}
