// A tiny element builder: h("div", {class: "row", onclick: fn}, child, "text", [more]).
// Properties that are not attributes (value, checked, hass, ...) are set as properties.

const PROPERTIES = new Set(["value", "checked", "selected", "disabled", "hass", "selector", "narrow"]);

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (PROPERTIES.has(key) || (typeof value === "object" && key !== "style")) {
      el[key] = value;
    } else if (key === "style" && typeof value === "object") {
      Object.assign(el.style, value);
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A labelled field: the label, the control, and a slot where its problems are shown. */
export function field(label, control, { path, hint, wide } = {}) {
  return h(
    "label",
    {
      class: `field${wide ? " wide" : ""}${control instanceof HTMLInputElement && control.type === "checkbox" ? " inline" : ""}`,
      dataset: path !== undefined ? { path } : undefined,
    },
    h("span", { class: "label" }, label),
    control,
    hint ? h("span", { class: "hint" }, hint) : null,
  );
}

export function select(options, value, onchange, extra = {}) {
  const el = h(
    "select",
    { onchange: (ev) => onchange(ev.target.value), ...extra },
    options.map(([v, label]) => h("option", { value: v }, label ?? v)),
  );
  el.value = value ?? "";
  return el;
}

export function button(label, onclick, extra = {}) {
  return h("button", { type: "button", onclick, ...extra }, label);
}
