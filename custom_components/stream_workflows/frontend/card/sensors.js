// Where a card finds its workflow: the state sensors, by their `workflow_id` attribute.
// Its own module, so the card and its editor both read it without importing each other.

/** The workflow's state sensor: the sensor whose `workflow_id` attribute names it. */
export function findSensor(hass, workflowId) {
  if (!hass?.states || !workflowId) return null;
  for (const [entityId, state] of Object.entries(hass.states)) {
    if (entityId.startsWith("sensor.") && state.attributes?.workflow_id === workflowId) return state;
  }
  return null;
}

export function workflowSensors(hass) {
  return Object.values(hass?.states || {}).filter(
    (s) => s.entity_id.startsWith("sensor.") && typeof s.attributes?.workflow_id === "string"
      && "step_index" in s.attributes);
}
