// Small helpers shared by the panel's views.
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
}

export const STATUS_COLOUR = {
  running: "var(--primary-color)",
  queued: "var(--primary-color)",
  paused: "var(--warning-color, #ffa600)",
  succeeded: "var(--success-color, #43a047)",
  failed: "var(--error-color, #db4437)",
  cancelled: "var(--warning-color, #ffa600)",
  idle: "var(--disabled-text-color, #bdbdbd)",
};

export const statusColour = (status) => STATUS_COLOUR[status] || STATUS_COLOUR.idle;

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return esc(iso);
  const seconds = (Date.now() - date.getTime()) / 1000;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return date.toLocaleString();
}

export function duration(ms) {
  if (ms == null) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

export const ACTIVE = new Set(["running", "paused", "queued"]);

export function navigate(path) {
  history.pushState(null, "", path);
  window.dispatchEvent(new CustomEvent("location-changed", { detail: { replace: false } }));
}
