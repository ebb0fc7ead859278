// Pure edits of a workflow definition (the document as DESIGN.md §3 describes it): the shape,
// its list of items (states / steps / nodes), renames that follow every reference, moves.

export const SHAPES = {
  state_machine: { key: "states", idKey: "name", label: "State machine", item: "state" },
  sequence: { key: "steps", idKey: "id", label: "Sequence", item: "step" },
  dag: { key: "nodes", idKey: "id", label: "DAG", item: "node" },
};
export const OUTCOMES = ["success", "error", "timeout", "cancel"];
export const MODES = ["single", "restart", "queued", "parallel"];
export const ERROR_POLICIES = ["stop_on_error", "continue"];
export const INPUT_TYPES = ["string", "number", "integer", "boolean", "object", "list"];
export const OPERATORS = [
  "truthy", "equals", "not_equals", "gt", "gte", "lt", "lte",
  "in", "not_in", "contains", "matches", "exists",
];

export function shapeOf(doc) {
  if (doc && Array.isArray(doc.states)) return "state_machine";
  if (doc && Array.isArray(doc.nodes)) return "dag";
  return "sequence";
}

export function itemsOf(doc) {
  const key = SHAPES[shapeOf(doc)].key;
  if (!Array.isArray(doc[key])) doc[key] = [];
  return doc[key];
}

export function itemId(doc, item) {
  return item?.[SHAPES[shapeOf(doc)].idKey] ?? "";
}

export function newWorkflow(shape = "state_machine") {
  const base = { id: "new_workflow", name: "New workflow", mode: "single" };
  const log = { service: "internal", action: "log", params: { message: "Hello" } };
  if (shape === "state_machine") {
    return { ...base, initial_state: "start", states: [{ name: "start", action: log, transitions: {} }] };
  }
  if (shape === "dag") return { ...base, nodes: [{ id: "start", ...log, depends_on: [] }] };
  return { ...base, steps: [{ id: "start", ...log }] };
}

/** Turn the document into another shape, keeping each item's action. */
export function convertShape(doc, shape) {
  const from = shapeOf(doc);
  if (from === shape) return doc;
  const items = itemsOf(doc).map((item) => {
    const id = itemId(doc, item);
    const action = from === "state_machine" ? item.action || {} : pickAction(item);
    return { id, action, parallel: item.parallel };
  });
  const next = { ...doc };
  delete next.states; delete next.steps; delete next.nodes; delete next.initial_state;
  if (shape === "state_machine") {
    next.initial_state = items[0]?.id ?? "start";
    next.states = items.map((it, i) => ({
      name: it.id,
      ...(it.parallel ? { parallel: it.parallel } : { action: it.action }),
      transitions: i + 1 < items.length ? { success: items[i + 1].id } : {},
    }));
  } else {
    next[SHAPES[shape].key] = items.map((it, i) => ({
      id: it.id,
      ...(it.parallel ? { parallel: it.parallel } : it.action),
      ...(shape === "dag" ? { depends_on: i ? [items[i - 1].id] : [] } : {}),
    }));
  }
  return next;
}

const ACTION_KEYS = ["service", "action", "method", "params", "timeout", "retry"];

export function pickAction(item) {
  const out = {};
  for (const key of ACTION_KEYS) if (key in item) out[key] = item[key];
  return out;
}

/** Where a state's / step's action lives: states keep it under `action`, steps inline. */
export function actionHolder(doc, item) {
  if (shapeOf(doc) === "state_machine") {
    if (!item.action || typeof item.action !== "object") item.action = {};
    return item.action;
  }
  return item;
}

export function actionName(holder) {
  return holder.action ?? holder.method ?? "";
}

export function setActionName(holder, name) {
  if ("method" in holder && !("action" in holder)) holder.method = name;
  else holder.action = name;
}

export function uniqueId(doc, base) {
  const taken = new Set(itemsOf(doc).map((item) => itemId(doc, item)));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i += 1) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

export function addItem(doc) {
  const shape = shapeOf(doc);
  const items = itemsOf(doc);
  const id = uniqueId(doc, SHAPES[shape].item);
  const action = { service: "internal", action: "log", params: { message: id } };
  if (shape === "state_machine") items.push({ name: id, action, transitions: {} });
  else if (shape === "dag") {
    const last = items.length ? itemId(doc, items[items.length - 1]) : null;
    items.push({ id, ...action, depends_on: last ? [last] : [] });
  } else items.push({ id, ...action });
  return id;
}

export function removeItem(doc, index) {
  const items = itemsOf(doc);
  const [gone] = items.splice(index, 1);
  const id = itemId(doc, gone);
  if (shapeOf(doc) === "dag") {
    for (const node of items) {
      if (Array.isArray(node.depends_on)) node.depends_on = node.depends_on.filter((d) => d !== id);
    }
  }
  if (shapeOf(doc) === "state_machine" && doc.initial_state === id) {
    doc.initial_state = items.length ? items[0].name : undefined;
  }
}

export function moveItem(doc, index, by) {
  const items = itemsOf(doc);
  const to = index + by;
  if (to < 0 || to >= items.length) return;
  const [item] = items.splice(index, 1);
  items.splice(to, 0, item);
}

/** Rename an item and every reference to it (transition targets, initial state, depends_on). */
export function renameItem(doc, index, newId) {
  const items = itemsOf(doc);
  const shape = shapeOf(doc);
  const item = items[index];
  const oldId = itemId(doc, item);
  item[SHAPES[shape].idKey] = newId;
  renameReferences(doc, oldId, newId);
}

/** Point every reference to `oldId` (transition targets, initial state, depends_on) at `newId`. */
export function renameReferences(doc, oldId, newId) {
  const shape = shapeOf(doc);
  const items = itemsOf(doc);
  if (!oldId || oldId === newId) return;
  if (shape === "state_machine") {
    if (doc.initial_state === oldId) doc.initial_state = newId;
    for (const state of items) {
      const transitions = state.transitions || {};
      for (const [event, value] of Object.entries(transitions)) {
        if (value === oldId) transitions[event] = newId;
        else if (Array.isArray(value)) {
          for (const option of value) if (option && option.target === oldId) option.target = newId;
        }
      }
    }
  } else if (shape === "dag") {
    for (const node of items) {
      if (Array.isArray(node.depends_on)) {
        node.depends_on = node.depends_on.map((d) => (d === oldId ? newId : d));
      }
    }
  }
}

/** A transition value as a list of options ({if?, target}); a plain target is one option. */
export function transitionOptions(value) {
  if (typeof value === "string") return [{ target: value }];
  if (Array.isArray(value)) return value.map((o) => (o && typeof o === "object" ? o : { target: "" }));
  return [{ target: "" }];
}

/** Back to the document's form: one option without a condition is a plain target. */
export function transitionValue(options) {
  if (options.length === 1 && !("if" in options[0])) return options[0].target ?? "";
  return options;
}

/** Drop empty optional keys so the YAML stays as short as a person would write it. */
export function tidy(doc) {
  const out = JSON.parse(JSON.stringify(doc, (key, value) => (value === undefined ? undefined : value)));
  for (const key of ["description", "trigger", "initial_state"]) {
    if (out[key] === "" || out[key] === null) delete out[key];
  }
  if (out.inputs && typeof out.inputs === "object" && !Object.keys(out.inputs).length) delete out.inputs;
  return out;
}

/** Parse what a person typed into a parameter: numbers and true/false keep their type. */
export function typedValue(text, type) {
  if (text === "") return undefined;
  if (type === "integer" || type === "float" || type === "number") {
    const n = Number(text);
    return Number.isFinite(n) && /^-?\d/.test(text.trim()) ? n : text;
  }
  return text;
}

// -- parallel blocks (a sequence's step or a state with `parallel:`) -----------------------

/** Every step id in use, the steps inside parallel branches included. */
export function allStepIds(doc) {
  const ids = new Set();
  for (const item of itemsOf(doc)) {
    ids.add(itemId(doc, item));
    for (const steps of branchesOf(item)) for (const step of steps) if (step && step.id) ids.add(step.id);
  }
  return ids;
}

/** A new id from `base` that no step, state or branch step uses. */
export function freshStepId(doc, base) {
  const taken = allStepIds(doc);
  if (!taken.has(base)) return base;
  for (let i = 2; ; i += 1) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** The steps of each branch of `item`'s parallel block ([] when it has none). */
export function branchesOf(item) {
  if (!item || !Array.isArray(item.parallel)) return [];
  return item.parallel.map((b) => (b && Array.isArray(b.steps) ? b.steps : [b]));
}

export function newStep(doc, base = "step") {
  const id = freshStepId(doc, base);
  return { id, service: "internal", action: "log", params: { message: id } };
}

/** Add a parallel block of two branches at the end of a sequence. */
export function addParallel(doc) {
  const id = freshStepId(doc, "parallel");
  const block = { id, parallel: [] };
  itemsOf(doc).push(block);
  block.parallel.push(newStep(doc, `${id}_a`));
  block.parallel.push(newStep(doc, `${id}_b`));
  return id;
}

/** A step / state that runs one action becomes a parallel block (its action the first branch). */
export function toParallel(doc, item) {
  const id = itemId(doc, item);
  const isState = shapeOf(doc) === "state_machine";
  const action = isState ? item.action || {} : pickAction(item);
  if (isState) delete item.action;
  else for (const key of ACTION_KEYS) delete item[key];
  const first = { id: freshStepId(doc, `${id}_a`), ...action };
  item.parallel = [first];
  item.parallel.push(newStep(doc, `${id}_b`));
}

/** A parallel block becomes one action again: the first branch's first step's. */
export function fromParallel(doc, item) {
  const [first] = branchesOf(item)[0] || [];
  delete item.parallel;
  const action = first ? pickAction(first) : { service: "internal", action: "log", params: { message: itemId(doc, item) } };
  if (shapeOf(doc) === "state_machine") item.action = action;
  else Object.assign(item, action);
}

/** Add a step to branch `index` (a one-step branch becomes `{steps: [...]}`). */
export function addBranchStep(doc, item, index) {
  const branch = item.parallel[index];
  const step = newStep(doc, `${itemId(doc, item)}_step`);
  if (branch && Array.isArray(branch.steps)) branch.steps.push(step);
  else item.parallel[index] = { steps: [branch, step] };
}

/** Remove step `at` of branch `index`; a branch left without steps goes too. */
export function removeBranchStep(item, index, at) {
  const branch = item.parallel[index];
  if (branch && Array.isArray(branch.steps)) {
    branch.steps.splice(at, 1);
    if (branch.steps.length) return;
  }
  item.parallel.splice(index, 1);
}

/** Move an element of `list` by `by` places (nothing when it would leave the list). */
export function moveIn(list, index, by) {
  const to = index + by;
  if (to < 0 || to >= list.length) return;
  const [moved] = list.splice(index, 1);
  list.splice(to, 0, moved);
}
