// The action of a state / step / node: service → action picked from stream_workflows/catalog,
// its parameters as a form generated from the action's serialized voluptuous schema, its
// timeout and retry. Changes call `changed(structural)`; structural changes re-render.
import { actionName, setActionName, typedValue } from "./document.js";
import { button, field, h, select } from "./dom.js";

const HA_SERVICE = "homeassistant";

export function actionForm({ holder, path, catalog, hass, readOnly, changed }) {
  const services = Object.keys(catalog?.services || {});
  if (holder.service && !services.includes(holder.service)) services.push(holder.service);
  const service = holder.service || "";
  const name = actionName(holder);
  const actions = catalog?.services?.[service]?.actions || {};
  const spec = actions[name];
  const nameKey = "method" in holder && !("action" in holder) ? "method" : "action";

  const serviceSelect = select(
    [["", "— service —"], ...services.map((s) => [s, s])],
    service,
    (value) => {
      holder.service = value;
      setActionName(holder, "");
      holder.params = {};
      changed(true);
    },
    { disabled: readOnly, "aria-label": "Service" },
  );

  let actionControl;
  if (service === HA_SERVICE) {
    actionControl = haActionPicker(name, hass, readOnly, (value) => {
      setActionName(holder, value);
      changed(true);
    });
  } else {
    const names = Object.keys(actions);
    if (name && !names.includes(name)) names.push(name);
    actionControl = select(
      [["", "— action —"], ...names.map((n) => [n, n])],
      name,
      (value) => {
        setActionName(holder, value);
        holder.params = defaultsFor(actions[value]);
        changed(true);
      },
      { disabled: readOnly, "aria-label": "Action" },
    );
  }

  if (!holder.params || typeof holder.params !== "object") holder.params = {};
  const params = holder.params;
  const fields = spec?.fields || (service === HA_SERVICE ? HA_FIELDS : []);
  const known = new Set(fields.map((f) => f.name));
  const paramRows = fields.map((f) =>
    paramField(f, params, `${path}.params`, { hass, readOnly, changed }),
  );
  const extra = Object.keys(params).filter((k) => !known.has(k));
  const extraRows = extra.map((key) =>
    field(key, jsonInput(params[key], readOnly, (value) => {
      if (value === undefined) delete params[key];
      else params[key] = value;
      changed(false);
    }), { path: `${path}.params.${key}`, hint: known.size ? "not in this action's schema" : undefined }),
  );
  const addParam = readOnly || known.size ? null : addParamRow(params, changed);

  return h(
    "div",
    { class: "action", dataset: { path } },
    h("div", { class: "problems" }),
    h(
      "div",
      { class: "row" },
      field("Service", serviceSelect, { path: `${path}.service` }),
      field("Action", actionControl, { path: `${path}.${nameKey}` }),
    ),
    spec?.description ? h("p", { class: "hint" }, spec.description) : null,
    h("div", { class: "params", dataset: { path: `${path}.params` } },
      h("div", { class: "problems" }), paramRows, extraRows, addParam),
    timeoutRetry(holder, path, readOnly, changed),
  );
}

// The parameters every Home Assistant action takes (the homeassistant adapter's PARAMS).
const HA_FIELDS = [
  { name: "target", type: "target", optional: true },
  { name: "data", type: "object", optional: true },
  { name: "return_response", type: "boolean", optional: true, default: false },
];

function defaultsFor(spec) {
  const out = {};
  for (const f of spec?.fields || []) {
    if (!f.required) continue;
    if ("default" in f) out[f.name] = f.default;
    // A required switch shows "off" at once: the document says so too, or it would be
    // reported missing while the form shows a value (OBS's mute and source visibility).
    else if ((f.selector ? selectorKind(f.selector) : f.type) === "boolean") out[f.name] = false;
  }
  return out;
}

function haActionPicker(value, hass, readOnly, onchange) {
  if (customElements.get("ha-service-picker") && hass) {
    const picker = h("ha-service-picker", { hass, value, disabled: readOnly });
    picker.addEventListener("value-changed", (ev) => onchange(ev.detail.value || ""));
    return picker;
  }
  const listId = `sw-ha-actions-${Math.random().toString(36).slice(2)}`;
  const names = [];
  for (const [domain, svcs] of Object.entries(hass?.services || {})) {
    for (const svc of Object.keys(svcs)) names.push(`${domain}.${svc}`);
  }
  return h(
    "span",
    { class: "control" },
    h("input", {
      type: "text", value, list: listId, placeholder: "light.turn_on", disabled: readOnly,
      "aria-label": "Home Assistant action",
      onchange: (ev) => onchange(ev.target.value.trim()),
    }),
    h("datalist", { id: listId }, names.sort().map((n) => h("option", { value: n }))),
  );
}

function paramField(f, params, base, { hass, readOnly, changed }) {
  const path = `${base}.${f.name}`;
  const label = `${f.name}${f.required ? " *" : ""}`;
  const set = (value) => {
    if (value === undefined) delete params[f.name];
    else params[f.name] = value;
    changed(false);
  };
  const value = params[f.name];
  const hint = [f.description, range(f), "default" in f && value === undefined ? `default: ${fmt(f.default)}` : null]
    .filter(Boolean).join(" · ") || undefined;
  const el = field(label, control(f, value, { hass, readOnly, set }), { path, hint });
  el.dataset.kind = f.selector ? selectorKind(f.selector) : f.type; // what the widget edits
  return el;
}

/** "15 to 1800 s", "2 to 5 items": the bounds the catalog found for a field. */
function range(f) {
  const unit = f.unit ? ` ${f.unit}` : "";
  if (f.valueMin !== undefined && f.valueMax !== undefined) return `${f.valueMin} to ${f.valueMax}${unit}`;
  if (f.valueMin !== undefined) return `at least ${f.valueMin}${unit}`;
  if (f.type === "list" && f.lengthMin !== undefined) return `${f.lengthMin} to ${f.lengthMax ?? "any number of"} items`;
  return unit ? `in${unit === " s" ? " seconds" : unit}` : null;
}

function control(f, value, { hass, readOnly, set }) {
  const kind = f.selector ? selectorKind(f.selector) : f.type;
  const isTemplate = typeof value === "string" && value.includes("${");
  if (f.selector && customElements.get("ha-selector") && hass && !isTemplate) {
    const el = h("ha-selector", { hass, selector: f.selector, value, disabled: readOnly, required: false });
    el.addEventListener("value-changed", (ev) => set(ev.detail.value));
    return el;
  }
  if (kind === "target" || kind === "object") {
    if (customElements.get("ha-selector") && hass && !isTemplate) {
      const el = h("ha-selector", { hass, selector: kind === "target" ? { target: {} } : { object: {} }, value, disabled: readOnly });
      el.addEventListener("value-changed", (ev) => set(ev.detail.value));
      return el;
    }
    return jsonInput(value, readOnly, set, true);
  }
  if (kind === "boolean" && !isTemplate) {
    return h("input", {
      type: "checkbox", checked: value === undefined ? Boolean(f.default) : Boolean(value), disabled: readOnly,
      onchange: (ev) => set(ev.target.checked),
    });
  }
  if (kind === "list" && !isTemplate && (value === undefined || Array.isArray(value))) {
    // one item a line (a list of texts, such as a poll's choices or a channel's tags)
    return h("textarea", {
      rows: 3, disabled: readOnly, class: "list-input", placeholder: "one a line",
      value: Array.isArray(value) ? value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\n") : "",
      oninput: (ev) => {
        const lines = ev.target.value.split("\n").map((line) => line.trim()).filter(Boolean);
        set(lines.length ? lines : undefined);
      },
    });
  }
  if (kind === "select" && !isTemplate) {
    const options = normalizeOptions(f.options ?? f.selector?.select?.options);
    if (value !== undefined && !options.some(([v]) => v === value)) options.push([value, String(value)]);
    return select([["", f.required ? "— choose —" : "(default)"], ...options], value ?? "", (v) => set(v === "" ? undefined : v), { disabled: readOnly });
  }
  const numeric = kind === "integer" || kind === "float" || kind === "number";
  return h("input", {
    type: "text",
    inputmode: numeric ? (kind === "integer" ? "numeric" : "decimal") : undefined,
    class: numeric ? "number-input" : undefined,
    value: value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value),
    placeholder: "default" in f ? fmt(f.default) : f.required ? "required" : "",
    disabled: readOnly,
    oninput: (ev) => set(typedValue(ev.target.value, kind)),
  });
}

function selectorKind(selector) {
  const kind = Object.keys(selector)[0];
  if (kind === "text") return selector.text && selector.text.multiple ? "list" : "string";
  if (kind === "number") return selector.number && selector.number.step === 1 ? "integer" : "float";
  return kind;
}

function normalizeOptions(options) {
  if (!options) return [];
  if (Array.isArray(options)) {
    return options.map((o) => (Array.isArray(o) ? [o[0], String(o[1] ?? o[0])] : typeof o === "object" ? [o.value, o.label ?? o.value] : [o, String(o)]));
  }
  return Object.entries(options).map(([v, label]) => [v, String(label)]);
}

function fmt(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A value typed as JSON or plain text (a mapping in a textarea). */
function jsonInput(value, readOnly, set, multiline = false) {
  const text = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value, null, multiline ? 2 : 0);
  const props = {
    value: text, disabled: readOnly, spellcheck: false,
    oninput: (ev) => {
      const raw = ev.target.value;
      if (raw.trim() === "") return set(undefined);
      try { set(JSON.parse(raw)); } catch { set(raw); }
    },
  };
  return multiline ? h("textarea", { rows: 3, class: "code", ...props }) : h("input", { type: "text", ...props });
}

function addParamRow(params, changed) {
  const name = h("input", { type: "text", placeholder: "parameter name", "aria-label": "New parameter name" });
  return h("div", { class: "row add-param" }, name, button("Add parameter", () => {
    const key = name.value.trim();
    if (key && !(key in params)) {
      params[key] = "";
      changed(true);
    }
  }));
}

function timeoutRetry(holder, path, readOnly, changed) {
  const retry = holder.retry && typeof holder.retry === "object" ? holder.retry : null;
  const num = (obj, key, label, hint) =>
    field(label, h("input", {
      type: "text", inputmode: "decimal", value: obj?.[key] ?? "", disabled: readOnly, placeholder: hint,
      oninput: (ev) => {
        const target = obj || (holder.retry = {});
        const value = typedValue(ev.target.value, "float");
        if (value === undefined) delete target[key];
        else target[key] = value;
        changed(false);
      },
    }), { path: `${path}.retry.${key}` });
  const timeout = field("Timeout (s)", h("input", {
    type: "text", inputmode: "decimal", value: holder.timeout ?? "", disabled: readOnly, placeholder: "the action's own",
    oninput: (ev) => {
      const value = typedValue(ev.target.value, "float");
      if (value === undefined) delete holder.timeout;
      else holder.timeout = value;
      changed(false);
    },
  }), { path: `${path}.timeout` });
  const useRetry = h("input", {
    type: "checkbox", checked: Boolean(retry), disabled: readOnly,
    onchange: (ev) => {
      if (ev.target.checked) holder.retry = { max_attempts: 3, interval: 1 };
      else delete holder.retry;
      changed(true);
    },
  });
  return h(
    "details",
    { class: "timing", open: Boolean(retry || holder.timeout !== undefined) },
    h("summary", {}, "Timeout and retry"),
    h("div", { class: "row" }, timeout, field("Retry", useRetry, { path: `${path}.retry` })),
    retry
      ? h("div", { class: "row" },
        num(retry, "max_attempts", "Attempts", "3"),
        num(retry, "interval", "Interval (s)", "1"),
        num(retry, "backoff_rate", "Backoff ×", "2"),
        num(retry, "max_delay", "Max delay (s)", ""),
        field("Jitter", h("input", {
          type: "checkbox", checked: Boolean(retry.jitter), disabled: readOnly,
          onchange: (ev) => { retry.jitter = ev.target.checked; changed(false); },
        }), { path: `${path}.retry.jitter` }))
      : null,
  );
}
