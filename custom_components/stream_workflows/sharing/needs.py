"""What workflows need to run: their actions, Home Assistant entities, OBS scenes, Discord
channels, connections and inputs, read from their documents (already validated)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..engine.paths import child

CONNECTIONS = ("obs", "twitch", "discord")
MAX_WALK = 200_000  # values looked at per document


@dataclass(frozen=True, slots=True)
class Call:
    """One action a workflow dispatches."""

    path: str  # of the mapping holding `service` (e.g. `steps[1]`)
    step: str
    service: str
    action: str
    params: Mapping[str, Any]


def calls(document: Mapping[str, Any]) -> list[Call]:
    """Every action in the document, in document order (parallel branches included)."""
    found: list[Call] = []
    for path, item in _mappings(document, ""):
        service = item.get("service")
        action = item.get("action", item.get("method"))
        if path.startswith(("inputs", "variables", "trigger")) or ".params" in path:
            continue
        if isinstance(service, str) and isinstance(action, str):
            step = item.get("id") or _state_name(document, path) or path
            params = item.get("params")
            found.append(
                Call(path, str(step), service, action, params if isinstance(params, dict) else {})
            )
    return found


def _state_name(document: Mapping[str, Any], path: str) -> str | None:
    if path.startswith("states[") and path.endswith("].action"):
        index = int(path[len("states[") : -len("].action")])
        states = document.get("states")
        if isinstance(states, list) and index < len(states) and isinstance(states[index], dict):
            name = states[index].get("name")
            return name if isinstance(name, str) else None
    return None


def _mappings(value: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    stack: list[tuple[str, Any]] = [(path, value)]
    seen = 0
    ordered: list[tuple[str, dict[str, Any]]] = []
    while stack and seen < MAX_WALK:
        where, item = stack.pop()
        seen += 1
        if isinstance(item, dict):
            ordered.append((where, item))
            stack.extend((child(where, key), inner) for key, inner in reversed(item.items()))
        elif isinstance(item, list):
            pairs = list(enumerate(item))
            stack.extend((child(where, index), inner) for index, inner in reversed(pairs))
    yield from ordered


def literal(value: Any) -> bool:
    return isinstance(value, str) and "${" not in value and bool(value)


def entity_values(call: Call) -> Iterator[tuple[tuple[str, ...], str]]:
    """(where in params, entity id) of each literal entity a Home Assistant call names."""
    if call.service != "homeassistant":
        return
    for where in (("entity_id",), ("target", "entity_id"), ("data", "entity_id")):
        holder: Any = call.params
        for key in where[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        value = holder.get(where[-1]) if isinstance(holder, dict) else None
        for entity in value if isinstance(value, list) else [value]:
            if literal(entity):
                yield where, entity


def trigger_entities(document: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    triggers = list(document.get("triggers") or [])
    if "trigger" in document:
        triggers.append(document["trigger"])
    for trigger in triggers:
        if isinstance(trigger, dict):
            value = trigger.get("entity_id")
            found.extend(e for e in (value if isinstance(value, list) else [value]) if literal(e))
    return found


def scene_of(call: Call) -> str | None:
    value = call.params.get("scene_name") if call.service == "obs" else None
    return value if literal(value) else None


def channel_of(call: Call) -> str | None:
    value = call.params.get("channel_id") if call.service == "discord" else None
    return value if literal(value) else None


def required_inputs(document: Mapping[str, Any]) -> dict[str, str]:
    inputs = document.get("inputs")
    found: dict[str, str] = {}
    if isinstance(inputs, dict):
        for name, spec in inputs.items():
            if isinstance(spec, dict) and spec.get("required") and "default" not in spec:
                found[name] = str(spec.get("description", ""))
    return found


def requirements(documents: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The `requires` of a share document."""
    services: set[str] = set()
    actions: set[str] = set()
    entities: set[str] = set()
    scenes: set[str] = set()
    channels: set[str] = set()
    inputs: dict[str, str] = {}
    for document in documents:
        for call in calls(document):
            services.add(call.service)
            actions.add(f"{call.service}.{call.action}")
            entities.update(entity for _, entity in entity_values(call))
            if (scene := scene_of(call)) is not None:
                scenes.add(scene)
            if (channel := channel_of(call)) is not None:
                channels.add(channel)
        entities.update(trigger_entities(document))
        inputs.update(required_inputs(document))
    return {
        "services": sorted(services),
        "actions": sorted(actions),
        "entities": sorted(entities),
        "connections": [name for name in CONNECTIONS if name in services],
        "obs_scenes": sorted(scenes),
        "discord_channels": sorted(channels),
        "inputs": inputs,
    }
