// A parallel block as a form: its branches (each one step, or `{steps: [...]}`), each step with
// its id, action and condition; add, remove and reorder branches and the steps inside them.
// Paths follow the document (`steps[2].parallel[1].steps[0].params.message`), so validation
// problems land on the branch, step or field they belong to.
import { actionForm } from "./action-form.js";
import { conditionField } from "./condition-form.js";
import { addBranchStep, branchesOf, moveIn, newStep, removeBranchStep } from "./document.js";
import { button, h } from "./dom.js";

export function parallelForm(ctx, item, path) {
  const { readOnly, changed } = ctx;
  const branches = branchesOf(item);
  return h("div", { class: "parallel", dataset: { path: `${path}.parallel` } },
    h("div", { class: "problems" }),
    h("span", { class: "label" }, "Runs these branches at the same time; it is done when all are."),
    branches.map((steps, i) => branchForm(ctx, item, `${path}.parallel[${i}]`, i, steps, branches.length)),
    readOnly ? null : button("+ Add branch", () => {
      item.parallel.push(newStep(ctx.doc, `${item.id || item.name || "branch"}_branch`));
      changed(true);
    }, { class: "add add-branch" }));
}

function branchForm(ctx, item, bpath, index, steps, count) {
  const { readOnly, changed } = ctx;
  const grouped = item.parallel[index] && Array.isArray(item.parallel[index].steps);
  const tools = readOnly ? null : h("span", { class: "tools" },
    button("↑", () => { moveIn(item.parallel, index, -1); changed(true); }, { title: "Move branch up", "aria-label": `Move branch ${index + 1} up`, disabled: index === 0 }),
    button("↓", () => { moveIn(item.parallel, index, 1); changed(true); }, { title: "Move branch down", "aria-label": `Move branch ${index + 1} down`, disabled: index === count - 1 }),
    button("✕", () => { item.parallel.splice(index, 1); changed(true); }, { title: "Remove branch", "aria-label": `Remove branch ${index + 1}`, class: "danger" }));
  return h("fieldset", { class: "branch", dataset: { path: bpath, branch: String(index) } },
    h("legend", {}, `Branch ${index + 1}`, tools),
    h("div", { class: "problems" }),
    grouped ? h("div", { class: "problems", dataset: { path: `${bpath}.steps` } }) : null,
    steps.map((step, j) => branchStep(ctx, item, grouped ? `${bpath}.steps[${j}]` : bpath, index, j, steps.length)),
    readOnly ? null : button("+ Add step to this branch", () => { addBranchStep(ctx.doc, item, index); changed(true); },
      { class: "small add-branch-step", "aria-label": `Add a step to branch ${index + 1}` }));
}

function branchStep(ctx, item, spath, index, at, count) {
  const { readOnly, changed } = ctx;
  const branch = item.parallel[index];
  const step = Array.isArray(branch?.steps) ? branch.steps[at] : branch;
  if (!step || typeof step !== "object") {
    return h("div", { class: "branch-step", dataset: { path: spath } }, h("div", { class: "problems" }),
      h("code", { class: "complex" }, JSON.stringify(step)));
  }
  const list = Array.isArray(branch.steps) ? branch.steps : null;
  const tools = readOnly ? null : h("span", { class: "tools" },
    list ? button("↑", () => { moveIn(list, at, -1); changed(true); }, { title: "Move step up", "aria-label": `Move ${step.id} up`, disabled: at === 0 }) : null,
    list ? button("↓", () => { moveIn(list, at, 1); changed(true); }, { title: "Move step down", "aria-label": `Move ${step.id} down`, disabled: at === count - 1 }) : null,
    button("✕", () => { removeBranchStep(item, index, at); changed(true); }, { title: "Remove step", "aria-label": `Remove ${step.id}`, class: "danger" }));
  return h("div", { class: "branch-step", dataset: { path: spath, step: step.id ?? "" } },
    h("header", { class: "item-head", dataset: { path: `${spath}.id` } },
      h("span", { class: "index" }, `${at + 1}`),
      h("input", {
        type: "text", value: step.id ?? "", disabled: readOnly, class: "item-id", "aria-label": "step name",
        oninput: (ev) => { step.id = ev.target.value.trim(); changed(false); },
      }),
      tools,
      h("div", { class: "problems" })),
    h("div", { class: "problems" }),
    actionForm({ holder: step, path: spath, catalog: ctx.catalog, hass: ctx.hass, readOnly, changed }),
    conditionField({
      value: step.if, path: `${spath}.if`, label: "Only if", readOnly, changed,
      set: (next) => { if (next === undefined) delete step.if; else step.if = next; },
    }));
}
