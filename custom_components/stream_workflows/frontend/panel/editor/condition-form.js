// A condition as a form (engine/conditions.py, DESIGN.md): a comparison `{path, <operator>:
// value}`, `all` / `any` of a list of conditions, `not` of one, or a Home Assistant template;
// nested as deep as the document has them. Each node carries its document path (`…if.all[1]`)
// so a problem is shown on the node, or on its path field, it belongs to.
import { OPERATORS } from "./document.js";
import { button, field, h, select } from "./dom.js";

const KINDS = [
  ["compare", "a value compares"],
  ["all", "all of these"],
  ["any", "any of these"],
  ["not", "not this"],
  ["template", "a template is true"],
];
const ALWAYS = "always";

/** What a condition is: one of KINDS (a `{{ … }}` string is a template). */
export function conditionKind(cond) {
  if (typeof cond === "string") return "template";
  if (!cond || typeof cond !== "object") return "compare";
  for (const kind of ["all", "any", "not", "template"]) if (kind in cond) return kind;
  return "compare";
}

/** The condition turned into another kind, keeping what it can of the old one. */
export function convertCondition(cond, kind) {
  const from = conditionKind(cond);
  if (from === kind) return cond;
  const children = from === "all" || from === "any" ? cond[from] : from === "not" ? [cond.not] : [cond];
  const first = children.find((c) => conditionKind(c) === "compare") || { path: "" };
  if (kind === "all" || kind === "any") return { [kind]: from === "template" ? [{ path: "" }] : children };
  if (kind === "not") return { not: from === "all" || from === "any" ? cond : children[0] };
  if (kind === "template") return { template: "{{ true }}" };
  return first;
}

/**
 * The field of an optional condition (a step's `if`, a transition option's `if`): "always"
 * (no condition) or any kind of condition. `set(next)` stores it (undefined: none);
 * `changed(structural)` re-renders when the shape of the condition changed.
 */
export function conditionField({ value, path, label, readOnly, set, changed, hint }) {
  const kind = value === undefined ? ALWAYS : conditionKind(value);
  const picker = select([[ALWAYS, "always"], ...KINDS], kind, (next) => {
    set(next === ALWAYS ? undefined : convertCondition(value === undefined ? { path: "" } : value, next));
    changed(true);
  }, { disabled: readOnly, class: "cond-kind", "aria-label": `${label}: kind` });
  const body = value === undefined ? null : conditionBody(value, path, { readOnly, changed, replace: (next) => { set(next); } });
  return h("div", { class: "field wide cond-field", dataset: { path } },
    h("span", { class: "label" }, label),
    h("div", { class: "problems" }),
    h("div", { class: "cond-top" }, picker),
    body,
    hint && value === undefined ? h("span", { class: "hint" }, hint) : null);
}

/** One node's content (its kind is chosen by whoever holds it). */
function conditionBody(cond, path, ctx) {
  const kind = conditionKind(cond);
  if (kind === "compare") return compareControl(cond, path, ctx);
  if (kind === "template") return templateControl(cond, path, ctx);
  if (kind === "not") {
    return h("div", { class: "cond-group" },
      childNode(cond.not, `${path}.not`, ctx, (next) => { cond.not = next; ctx.replace(cond); }, null));
  }
  const list = Array.isArray(cond[kind]) ? cond[kind] : (cond[kind] = []);
  return h("div", { class: "cond-group", dataset: { path: `${path}.${kind}` } },
    h("div", { class: "problems" }),
    list.map((child, i) => childNode(child, `${path}.${kind}[${i}]`, ctx, (next) => {
      list[i] = next;
      ctx.replace(cond);
    }, () => {
      list.splice(i, 1);
      ctx.replace(cond);
      ctx.changed(true);
    })),
    ctx.readOnly ? null : button("+ condition", () => {
      list.push({ path: "" });
      ctx.replace(cond);
      ctx.changed(true);
    }, { class: "small add-condition", "aria-label": `Add a condition to ${path}.${kind}` }));
}

/** A nested condition: its kind, its content, and (in a list) a remove button. */
function childNode(cond, path, ctx, replace, remove) {
  const kind = conditionKind(cond);
  const inner = { ...ctx, replace };
  return h("div", { class: `cond-node ${kind}`, dataset: { path } },
    h("div", { class: "cond-head" },
      select(KINDS, kind, (next) => { replace(convertCondition(cond, next)); ctx.changed(true); },
        { disabled: ctx.readOnly, class: "cond-kind", "aria-label": `${path}: kind` }),
      remove && !ctx.readOnly ? button("✕", remove, { class: "small danger", "aria-label": `Remove condition ${path}` }) : null),
    h("div", { class: "problems" }),
    conditionBody(cond, path, inner));
}

/** `{path, op: value}` as three small inputs. */
function compareControl(cond, path, ctx) {
  const ops = Object.keys(cond).filter((k) => k !== "path");
  let operator = ops.find((k) => OPERATORS.includes(k)) || "truthy";
  const emit = (value) => {
    for (const key of Object.keys(cond)) if (key !== "path") delete cond[key];
    if (operator !== "truthy" || value !== undefined) {
      cond[operator] = operator === "exists" ? value !== false && value !== "false" : parseOperand(value);
    }
    ctx.replace(cond);
    ctx.changed(false);
  };
  const current = cond[operator];
  const valueInput = h("input", {
    type: "text", placeholder: "value", disabled: ctx.readOnly, class: "cond-value", "aria-label": "Value",
    value: current === undefined ? "" : typeof current === "string" ? current : JSON.stringify(current),
    oninput: (ev) => emit(ev.target.value === "" ? undefined : ev.target.value),
  });
  return h("span", { class: "condition" },
    field("value at", h("input", {
      type: "text", placeholder: "result.count or a variable", value: typeof cond.path === "string" ? cond.path : "",
      disabled: ctx.readOnly, class: "cond-path", "aria-label": "Condition path",
      oninput: (ev) => { cond.path = ev.target.value.trim(); ctx.replace(cond); ctx.changed(false); },
    }), { path: `${path}.path` }),
    field("is", select(OPERATORS.map((o) => [o, o.replace(/_/g, " ")]), operator, (op) => {
      operator = op;
      emit(valueInput.value === "" ? undefined : valueInput.value);
    }, { disabled: ctx.readOnly, "aria-label": "Operator" }), { path: `${path}.${operator}` }),
    field("value", valueInput, {}));
}

function templateControl(cond, path, ctx) {
  const text = typeof cond === "string" ? cond : cond.template ?? "";
  return field("template", h("input", {
    type: "text", class: "code cond-template", value: text, disabled: ctx.readOnly,
    placeholder: "{{ is_state('binary_sensor.live', 'on') }}", "aria-label": "Template",
    oninput: (ev) => { ctx.replace({ template: ev.target.value }); ctx.changed(false); },
  }), { path: `${path}.template`, wide: true, hint: "a Home Assistant template, true or false" });
}

function parseOperand(text) {
  if (typeof text !== "string") return text;
  try { return JSON.parse(text); } catch { return text; }
}
