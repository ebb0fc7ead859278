// YAML text <-> the definition, read the way the integration reads files (YAML 1.1, as PyYAML).
import { YAML11_SCHEMA, dump, load } from "../../vendor/js-yaml/js-yaml.mjs";

/** `{doc}` or `{error: {message, line, column}}` (line and column from 1). */
export function parseYaml(text) {
  try {
    const doc = load(text, { schema: YAML11_SCHEMA });
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
      return { error: { message: "a workflow is a mapping (id:, name:, states: / steps: / nodes:)", line: 1, column: 1 } };
    }
    return { doc: plain(doc) };
  } catch (err) {
    const mark = err && err.mark;
    const reason = (err && (err.reason || err.message)) || String(err);
    return {
      error: {
        message: String(reason).split("\n")[0],
        line: mark ? mark.line + 1 : 1,
        column: mark ? mark.column + 1 : 1,
      },
    };
  }
}

export function toYaml(doc) {
  return dump(doc, { schema: YAML11_SCHEMA, lineWidth: -1, noRefs: true });
}

// Timestamps come back as Date objects: keep them as the text the user wrote (ISO form).
function plain(value) {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
