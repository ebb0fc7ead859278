// Problems (`{path, message}` from stream_workflows/validate) shown on the field they belong to.
// A path is `states[1].transitions.success` or `steps[2].params.scene`: the field whose
// `data-path` is the path gets it; else the nearest ancestor field or card; else the top list.

export function parentPath(path) {
  const match = /^(.*?)(\[\d+\]|\.[^.[\]]+)$/.exec(path);
  if (match) return match[1];
  return "";
}

/** Place each problem; return those with no place (shown at the top). */
export function placeProblems(root, problems) {
  for (const old of root.querySelectorAll(".problem")) old.remove();
  for (const el of root.querySelectorAll(".has-problem")) el.classList.remove("has-problem");
  const byPath = new Map();
  for (const el of root.querySelectorAll("[data-path]")) {
    if (!byPath.has(el.dataset.path)) byPath.set(el.dataset.path, el);
  }
  const unplaced = [];
  for (const problem of problems) {
    let path = problem.path || "";
    let el = null;
    while (path) {
      el = byPath.get(path);
      if (el) break;
      path = parentPath(path);
    }
    if (!el) {
      unplaced.push(problem);
      continue;
    }
    el.classList.add("has-problem");
    const note = document.createElement("div");
    note.className = `problem ${problem.severity === "warning" ? "warning" : "error"}`;
    note.setAttribute("role", "alert");
    note.dataset.problemPath = problem.path || "";
    note.textContent = path === problem.path ? problem.message : `${problem.path}: ${problem.message}`;
    const slot = el.querySelector(":scope > .problems") || el;
    slot.append(note);
  }
  return unplaced;
}
