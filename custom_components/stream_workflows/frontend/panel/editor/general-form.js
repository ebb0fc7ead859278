// The editor's "Workflow" section (name, id, description, shape, initial state, mode, error
// policy, trigger) and its "Inputs" section. `ctx`: {doc, readOnly, savedId, changed(structural,
// opts), replaceDoc(doc)} — the editor re-renders on structural changes.
import {
  ERROR_POLICIES, INPUT_TYPES, MODES, SHAPES, convertShape, itemsOf, shapeOf, typedValue,
} from "./document.js";
import { button, field, h, select } from "./dom.js";

export function generalForm(ctx) {
  const { doc, readOnly: ro, savedId } = ctx;
  const shape = shapeOf(doc);
  const text = (key, label, extra = {}) => field(label, h("input", {
    type: "text", value: doc[key] ?? "", disabled: ro || (key === "id" && Boolean(savedId)),
    name: key,
    oninput: (ev) => {
      const v = ev.target.value;
      if (v === "") delete doc[key]; else doc[key] = v;
      ctx.changed(false, { retitle: key === "name" });
    },
    ...extra,
  }), { path: key, hint: key === "id" && savedId && !ro ? "a saved workflow keeps its id: Duplicate to get another" : undefined });
  const items = itemsOf(doc);
  const trigger = doc.trigger;
  return h("section", { class: "card general", dataset: { path: "" } },
    h("h2", {}, "Workflow"),
    h("div", { class: "row" }, text("name", "Name"), text("id", "Id", { pattern: "[a-z0-9_]+" })),
    field("Description", h("textarea", {
      rows: 2, value: doc.description ?? "", disabled: ro, name: "description",
      oninput: (ev) => { if (ev.target.value) doc.description = ev.target.value; else delete doc.description; ctx.changed(false); },
    }), { path: "description", wide: true }),
    h("div", { class: "row" },
      field("Shape", select(Object.entries(SHAPES).map(([k, v]) => [k, v.label]), shape, (value) => {
        ctx.replaceDoc(convertShape(doc, value));
        ctx.changed(true);
      }, { disabled: ro || Boolean(savedId), name: "shape" }), { path: SHAPES[shape].key }),
      shape === "state_machine"
        ? field("Initial state", select([["", "—"], ...items.map((s) => [s.name, s.name])], doc.initial_state ?? "", (value) => {
          doc.initial_state = value;
          ctx.changed(true);
        }, { disabled: ro, name: "initial_state" }), { path: "initial_state" })
        : null,
      field("Mode", select(MODES.map((m) => [m, m]), doc.mode ?? "single", (value) => { doc.mode = value; ctx.changed(false); }, { disabled: ro, name: "mode" }), { path: "mode", hint: "when started while running" }),
      field("On error", select(ERROR_POLICIES.map((m) => [m, m.replace(/_/g, " ")]), doc.error_policy ?? "stop_on_error", (value) => { doc.error_policy = value; ctx.changed(false); }, { disabled: ro, name: "error_policy" }), { path: "error_policy" }),
    ),
    typeof trigger === "object" && trigger !== null
      ? field("Trigger", h("code", { class: "complex" }, JSON.stringify(trigger)), { path: "trigger", hint: "a Home Assistant trigger: edit it in the YAML", wide: true })
      : field("Trigger (stream event)", h("input", {
        type: "text", value: trigger ?? "", disabled: ro, name: "trigger", placeholder: "e.g. stream_started (empty: none)",
        oninput: (ev) => { const v = ev.target.value.trim(); if (v) doc.trigger = v; else delete doc.trigger; ctx.changed(false); },
      }), { path: "trigger", wide: true, hint: "a stream event name; a Home Assistant trigger mapping can be written in the YAML" }),
  );
}

export function inputsForm(ctx) {
  const { doc, readOnly: ro } = ctx;
  if (!doc.inputs || typeof doc.inputs !== "object") doc.inputs = {};
  const inputs = doc.inputs;
  const rows = Object.entries(inputs).map(([name, spec]) => {
    const path = `inputs.${name}`;
    if (!spec || typeof spec !== "object") inputs[name] = spec = {};
    const nameInput = h("input", {
      type: "text", value: name, disabled: ro, "aria-label": "Input name",
      onchange: (ev) => {
        const next = ev.target.value.trim();
        if (!next || next in inputs) { ev.target.value = name; return; }
        doc.inputs = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k === name ? next : k, v]));
        ctx.changed(true);
      },
    });
    return h("div", { class: "input-row", dataset: { path } },
      field("Name", nameInput, { path: `${path}.name` }),
      field("Type", select([["", "any"], ...INPUT_TYPES.map((t) => [t, t])], spec.type ?? "", (v) => {
        if (v) spec.type = v; else delete spec.type;
        ctx.changed(false);
      }, { disabled: ro }), { path: `${path}.type` }),
      field("Default", h("input", {
        type: "text", disabled: ro,
        value: spec.default === undefined ? "" : typeof spec.default === "string" ? spec.default : JSON.stringify(spec.default),
        oninput: (ev) => {
          const raw = ev.target.value;
          if (raw === "") delete spec.default;
          else if (spec.type === "number" || spec.type === "integer") spec.default = typedValue(raw, "number");
          else if (spec.type === "boolean" && (raw === "true" || raw === "false")) spec.default = raw === "true";
          else if (spec.type === "object" || spec.type === "list") { try { spec.default = JSON.parse(raw); } catch { spec.default = raw; } }
          else spec.default = raw;
          ctx.changed(false);
        },
      }), { path: `${path}.default` }),
      field("Required", h("input", {
        type: "checkbox", checked: Boolean(spec.required), disabled: ro,
        onchange: (ev) => { if (ev.target.checked) spec.required = true; else delete spec.required; ctx.changed(false); },
      }), { path: `${path}.required` }),
      field("Description", h("input", {
        type: "text", value: spec.description ?? "", disabled: ro,
        oninput: (ev) => { if (ev.target.value) spec.description = ev.target.value; else delete spec.description; ctx.changed(false); },
      }), { path: `${path}.description`, wide: true }),
      ro ? null : button("✕", () => { delete inputs[name]; ctx.changed(true); }, { class: "danger small", "aria-label": `Remove input ${name}` }),
      h("div", { class: "problems" }),
    );
  });
  return h("section", { class: "card inputs", dataset: { path: "inputs" } },
    h("h2", {}, "Inputs"),
    h("div", { class: "problems" }),
    rows.length ? rows : h("p", { class: "hint" }, "No inputs: the run takes no values."),
    ro ? null : button("+ Add input", () => {
      let n = 1;
      while (`input_${n}` in inputs) n += 1;
      inputs[`input_${n}`] = { type: "string" };
      ctx.changed(true);
    }, { class: "add", id: "add-input" }));
}

