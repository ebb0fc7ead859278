// The Studio's websocket commands (STUDIO.md) and the workflow actions, through HA's connection.
const DOMAIN = "stream_workflows";

export const listWorkflows = (hass) => hass.callWS({ type: `${DOMAIN}/list` });
export const getWorkflow = (hass, workflowId) => hass.callWS({ type: `${DOMAIN}/get`, workflow_id: workflowId });
export const listRuns = (hass, workflowId) => hass.callWS({ type: `${DOMAIN}/runs`, workflow_id: workflowId });
export const runDetail = (hass, runId) => hass.callWS({ type: `${DOMAIN}/run_detail`, run_id: runId });
export const duplicate = (hass, workflowId) => hass.callWS({ type: `${DOMAIN}/duplicate`, workflow_id: workflowId });

/** Subscribe to run changes (all workflows); returns a promise of the unsubscribe function. */
export const subscribeRuns = (hass, callback) =>
  hass.connection.subscribeMessage(callback, { type: `${DOMAIN}/subscribe` });

export function control(hass, action, workflowId, extra = {}) {
  const source = action === "run" ? { source: "panel" } : {}; // shown in the run history
  return hass.callService(DOMAIN, action, { workflow_id: workflowId, ...source, ...extra });
}

export function errorText(err) {
  if (!err) return "";
  if (typeof err === "string") return err;
  return err.message || err.error?.message || err.code || JSON.stringify(err);
}
