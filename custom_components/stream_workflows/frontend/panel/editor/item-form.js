// One state / step / node of the form: its id, its action (or parallel block), its condition,
// and its transitions (state machines) or dependencies (DAGs).
import { actionForm } from "./action-form.js";
import { conditionField } from "./condition-form.js";
import {
  OUTCOMES, SHAPES, actionHolder, fromParallel, itemId, itemsOf, moveItem, removeItem,
  renameReferences, shapeOf, toParallel, transitionOptions, transitionValue,
} from "./document.js";
import { button, field, h, select } from "./dom.js";
import { parallelForm } from "./parallel-form.js";

const OTHER = "*other*"; // no state can have this name (ids are letters, digits, _ and -)

export function itemForm(ctx, index) {
  const { doc, readOnly, changed } = ctx;
  const shape = shapeOf(doc);
  const info = SHAPES[shape];
  const items = itemsOf(doc);
  const item = items[index];
  const id = itemId(doc, item);
  const path = `${info.key}[${index}]`;

  const idInput = h("input", {
    type: "text", value: id, disabled: readOnly, "aria-label": `${info.item} name`,
    class: "item-id",
    // the id follows each key; references follow once the name is done (on change), so that
    // a name typed through another state's name never merges their transitions
    oninput: (ev) => {
      item[info.idKey] = ev.target.value.trim();
      changed(false);
    },
    onchange: (ev) => {
      renameReferences(doc, id, ev.target.value.trim());
      changed(true);
    },
  });
  const tools = readOnly ? null : h(
    "span", { class: "tools" },
    button("↑", () => { moveItem(doc, index, -1); changed(true); }, { title: "Move up", "aria-label": `Move ${id} up`, disabled: index === 0 }),
    button("↓", () => { moveItem(doc, index, 1); changed(true); }, { title: "Move down", "aria-label": `Move ${id} down`, disabled: index === items.length - 1 }),
    button("✕", () => { removeItem(doc, index); changed(true); }, { title: "Remove", "aria-label": `Remove ${id}`, class: "danger" }),
  );
  const isInitial = shape === "state_machine" && doc.initial_state === id;

  const body = [];
  const parallel = Array.isArray(item.parallel);
  if (shape !== "dag") {
    body.push(h("div", { class: "row kind-row" }, field("Runs", select(
      [["action", "one action"], ["parallel", "parallel branches"]], parallel ? "parallel" : "action",
      (kind) => {
        if (kind === "parallel") toParallel(doc, item); else fromParallel(doc, item);
        changed(true);
      }, { disabled: readOnly, name: "kind", "aria-label": `What ${id} runs` }), {})));
  }
  if (parallel) {
    body.push(parallelForm(ctx, item, path));
  } else {
    const holder = actionHolder(doc, item);
    body.push(actionForm({
      holder, path: shape === "state_machine" ? `${path}.action` : path,
      catalog: ctx.catalog, hass: ctx.hass, readOnly, changed,
    }));
  }
  if (shape !== "state_machine") {
    body.push(h("div", { class: "row" },
      conditionField({
        value: item.if, path: `${path}.if`, label: "Only if", readOnly, changed, hint: "no condition: the step always runs",
        set: (next) => { if (next === undefined) delete item.if; else item.if = next; },
      }),
      field("Continue on error", h("input", {
        type: "checkbox", checked: Boolean(item.continue_on_error), disabled: readOnly,
        onchange: (ev) => {
          if (ev.target.checked) item.continue_on_error = true;
          else delete item.continue_on_error;
          changed(false);
        },
      }), { path: `${path}.continue_on_error` }),
    ));
  }
  if (shape === "dag") body.push(dependsOn(doc, item, index, path, readOnly, changed));
  if (shape === "state_machine") body.push(transitions(doc, item, path, readOnly, changed));

  return h(
    "section",
    { class: `item card ${isInitial ? "initial" : ""}`, dataset: { path, item: id } },
    h("header", { class: "item-head", dataset: { path: `${path}.${info.idKey}` } },
      h("span", { class: "index" }, `${index + 1}`),
      idInput,
      isInitial ? h("span", { class: "badge" }, "start") : null,
      tools,
      h("div", { class: "problems" })),
    h("div", { class: "problems" }),
    body,
  );
}

function dependsOn(doc, item, index, path, readOnly, changed) {
  const others = itemsOf(doc).map((n) => n.id).filter((n, i) => i !== index);
  const deps = Array.isArray(item.depends_on) ? item.depends_on : [];
  const missing = deps.filter((d) => !others.includes(d));
  return h("fieldset", { class: "depends", dataset: { path: `${path}.depends_on` } },
    h("legend", {}, "Depends on"),
    h("div", { class: "problems" }),
    [...others, ...missing].map((other) => {
      const at = deps.indexOf(other);
      return h("label", { class: "check", dataset: at >= 0 ? { path: `${path}.depends_on[${at}]` } : undefined },
        h("input", {
          type: "checkbox", checked: at >= 0, disabled: readOnly,
          onchange: (ev) => {
            const now = new Set(Array.isArray(item.depends_on) ? item.depends_on : []);
            if (ev.target.checked) now.add(other); else now.delete(other);
            item.depends_on = [...now];
            changed(true);
          },
        }),
        other, missing.includes(other) ? " (missing)" : "");
    }),
    others.length ? null : h("span", { class: "hint" }, "no other node yet"));
}

function transitions(doc, state, path, readOnly, changed) {
  if (!state.transitions || typeof state.transitions !== "object") state.transitions = {};
  const table = state.transitions;
  const names = itemsOf(doc).map((s) => s.name);
  const tpath = `${path}.transitions`;
  const rows = [];
  for (const [event, value] of Object.entries(table)) {
    const epath = `${tpath}.${event}`;
    const options = transitionOptions(value);
    const single = options.length === 1 && !("if" in options[0]);
    const store = () => { table[event] = transitionValue(options); changed(false); };
    const optionRows = options.map((option, i) => {
      const targetPath = single ? epath : `${epath}[${i}].target`;
      const optPath = single ? epath : `${epath}[${i}]`;
      return h("div", { class: "option", dataset: single ? undefined : { path: optPath } },
        h("div", { class: "problems" }),
        "if" in option
          ? conditionField({
            value: option.if, path: `${epath}[${i}].if`, label: "if", readOnly,
            changed: (structural) => { store(); if (structural) changed(true); },
            set: (next) => { if (next === undefined) delete option.if; else option.if = next; },
          })
          : null,
        field(single ? "go to" : ("if" in option ? "then go to" : "otherwise go to"),
          targetPicker(option.target, names, readOnly, (target) => { option.target = target; store(); }),
          { path: targetPath }),
        readOnly ? null : h("span", { class: "tools" },
          "if" in option ? null : button("+ condition", () => {
            // a conditional option goes first; this plain one stays the default, last
            options.unshift({ if: { path: state.name }, target: option.target });
            table[event] = transitionValue(options);
            changed(true);
          }, { class: "small" }),
          options.length > 1 ? button("✕", () => {
            options.splice(i, 1);
            table[event] = transitionValue(options);
            changed(true);
          }, { class: "small danger", "aria-label": "Remove option" }) : null));
    });
    rows.push(h("div", { class: "transition", dataset: single ? { event } : { path: epath, event } },
      h("div", { class: "event" },
        h("span", { class: `outcome ${OUTCOMES.includes(event) ? event : "custom"}` }, event),
        readOnly ? null : button("Remove", () => { delete table[event]; changed(true); }, { class: "small danger", "aria-label": `Remove ${event} transition` })),
      h("div", { class: "problems" }),
      optionRows));
  }
  const add = readOnly ? null : addTransition(table, names, changed);
  return h("fieldset", { class: "transitions", dataset: { path: tpath } },
    h("legend", {}, "Transitions"),
    h("div", { class: "problems" }),
    rows.length ? rows : h("p", { class: "hint" }, "No transitions: the run ends here (a terminal state)."),
    add);
}

function targetPicker(value, names, readOnly, set) {
  const known = names.includes(value);
  const options = [["", "— state —"], ...names.map((n) => [n, n])];
  if (value && !known) options.push([value, `${value} (no such state)`]);
  options.push([OTHER, "Other name…"]);
  const other = h("input", {
    type: "text", class: "other-target", placeholder: "state name", value: known ? "" : value || "",
    hidden: true, "aria-label": "Target state name",
    oninput: (ev) => set(ev.target.value.trim()),
  });
  const sel = select(options, value || "", (v) => {
    if (v === OTHER) {
      other.hidden = false;
      other.focus();
      return;
    }
    other.hidden = true;
    set(v);
  }, { disabled: readOnly, class: "target", "aria-label": "Target state" });
  return h("span", { class: "control target-picker" }, sel, other);
}

function addTransition(table, names, changed) {
  const custom = h("input", { type: "text", placeholder: "custom event", class: "custom-event", hidden: true, "aria-label": "Custom event name" });
  let chosen = OUTCOMES.find((o) => !(o in table)) || OTHER;
  const events = [...OUTCOMES.filter((o) => !(o in table)).map((o) => [o, `on ${o}`]), [OTHER, "on a custom event…"]];
  const sel = select(events, chosen, (v) => { chosen = v; custom.hidden = v !== OTHER; }, { "aria-label": "New transition event" });
  custom.hidden = chosen !== OTHER;
  return h("div", { class: "row add-transition" }, sel, custom, button("Add transition", () => {
    const event = chosen === OTHER ? custom.value.trim() : chosen;
    if (!event || event in table) return;
    table[event] = names[0] ?? "";
    changed(true);
  }));
}
