"""Words for a model: a workflow's graph in a few lines, and what every service can do."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.core import HomeAssistant
from voluptuous_openapi import convert  # type: ignore[import-untyped]

from ..engine import ActionSpec, Shape, WorkflowDefinition
from ..engine.model import Step

if TYPE_CHECKING:
    from ..coordinator import WorkflowCoordinator

_LOGGER = logging.getLogger(__name__)

MAX_ENTITIES = 200
MAX_NAMES = 100
OBS_TIMEOUT = 3.0
CONVERSATION = "conversation"
_FIRST_SENTENCE = re.compile(r"\.\s+(?=[A-Z])")


def _step_text(step: Step) -> str:
    if step.action is not None:
        params = ", ".join(f"{k}={v!r}" for k, v in list(step.action.params.items())[:4])
        text = f"{step.action.service}.{step.action.action}({params})"
    elif step.branches:
        inner = " | ".join(" → ".join(s.id for s in branch) for branch in step.branches)
        text = f"in parallel: {inner}"
    else:
        text = "no action"
    if step.condition is not None:
        text += " (only if its condition holds)"
    return text


def describe_graph(definition: WorkflowDefinition) -> str:
    """A short text of the workflow's graph: shape, entry, each step and where it leads."""
    lines = [f"{definition.name} ({definition.shape.value}, mode {definition.mode.value})"]
    if definition.inputs:
        lines.append("inputs: " + ", ".join(definition.inputs))
    if definition.shape is Shape.STATE_MACHINE:
        lines.append(f"starts in {definition.initial_state}")
        for state in definition.states.values():
            routes = "; ".join(
                f"{event} → {', '.join(o.target for o in options)}"
                for event, options in state.transitions.items()
            )
            lines.append(
                f"- {state.name}: {_step_text(state.step)}; "
                + (routes if routes else "terminal (the run ends here)")
            )
    elif definition.shape is Shape.SEQUENCE:
        for index, step in enumerate(definition.steps, 1):
            lines.append(f"{index}. {step.id}: {_step_text(step)}")
    else:
        for step in definition.steps:
            after = f" after {', '.join(step.depends_on)}" if step.depends_on else " at start"
            lines.append(f"- {step.id}{after}: {_step_text(step)}")
    return "\n".join(lines[:200])


def _params(spec: ActionSpec) -> Any:
    try:
        return convert(spec.params)
    except Exception:
        names = []
        for key in spec.params.schema if isinstance(spec.params.schema, dict) else {}:
            names.append({"name": str(key), "required": isinstance(key, vol.Required)})
        return names


def catalog(coordinator: WorkflowCoordinator) -> dict[str, Any]:
    """Every service's actions, parameters (as JSON schema) and results."""
    services: dict[str, Any] = {}
    for service in coordinator.registry.services():
        adapter = coordinator.registry.get(service)
        if adapter is None:
            continue
        actions = [
            {
                "action": name,
                "description": spec.description,
                "params": _params(spec),
                "result": dict(spec.result),
            }
            for name, spec in adapter.actions().items()
        ]
        entry: dict[str, Any] = {"actions": actions}
        if service == "homeassistant":
            entry["note"] = (
                "any Home Assistant action as 'domain.action' (e.g. light.turn_on) with "
                "params {data, target: {entity_id}}; see 'entities' for the exposed entities"
            )
        connection = getattr(adapter, "connection", None)
        if service in ("obs", "twitch", "discord"):
            entry["connected"] = connection is not None
        services[service] = entry
    return services


async def obs_names(coordinator: WorkflowCoordinator) -> dict[str, Any] | None:
    """The live scene and input names, when an OBS connection is up (bounded in time)."""
    adapter = coordinator.registry.get("obs")
    connection = getattr(adapter, "connection", None)
    request = getattr(connection, "request", None)
    if connection is None or request is None:
        return None
    try:
        async with asyncio.timeout(OBS_TIMEOUT):
            scenes = await request("GetSceneList")
            inputs = await request("GetInputList")
    except Exception as err:
        return {"error": f"OBS did not answer: {err}"}
    return {
        "current_scene": scenes.get("currentProgramSceneName"),
        "scenes": [s.get("sceneName") for s in scenes.get("scenes", [])][:MAX_NAMES],
        "inputs": [i.get("inputName") for i in inputs.get("inputs", [])][:MAX_NAMES],
    }


def discord_known(coordinator: WorkflowCoordinator) -> dict[str, Any]:
    """What the Discord connection can post through, and the channel ids the shared
    variables name (secret ones left out)."""
    adapter = coordinator.registry.get("discord")
    connection = getattr(adapter, "connection", None)
    variables = coordinator.engine.globals or {}
    channels = {
        f"config.{name}": value
        for name, value in variables.items()
        if "channel" in str(name) and not coordinator.secrets.is_secret_path(str(name))
    }
    return {
        "connected": connection is not None,
        "bot": bool(getattr(connection, "has_bot", False)),
        "webhook": bool(getattr(connection, "has_webhook", False)),
        "channels": channels,
    }


def exposed_entities(hass: HomeAssistant) -> list[dict[str, Any]]:
    """The entities exposed to the assistant (id, name, state), at most MAX_ENTITIES."""
    found: list[dict[str, Any]] = []
    if "homeassistant" not in hass.config.components:  # exposure settings not loaded
        return found
    for state in hass.states.async_all():
        if not async_should_expose(hass, CONVERSATION, state.entity_id):
            continue
        found.append(
            {
                "entity_id": state.entity_id,
                "name": state.name,
                "state": state.state,
            }
        )
        if len(found) >= MAX_ENTITIES:
            break
    return found


async def capabilities(
    hass: HomeAssistant, coordinator: WorkflowCoordinator, service: str | None
) -> dict[str, Any]:
    services = catalog(coordinator)
    if service is not None:
        services = {k: v for k, v in services.items() if k == service}
    result: dict[str, Any] = {"services": services}
    if service in (None, "obs"):
        names = await obs_names(coordinator)
        if names is not None:
            result["obs"] = names
    if service in (None, "discord"):
        result["discord"] = discord_known(coordinator)
    if service in (None, "homeassistant"):
        result["entities"] = exposed_entities(hass)
    result["definition_help"] = DEFINITION_HELP
    return result


DEFINITION_HELP = (
    "A workflow is an object with 'id' (snake_case), 'name', optional 'description', 'mode' "
    "(single|restart|queued|parallel), 'inputs' ({name: {description, type, default}}), and "
    "one of three shapes: a sequence {'steps': [{'id', 'service', 'action', 'params'}]}, a "
    "state machine {'initial_state', 'states': [{'name', 'action': {'service', 'action', "
    "'params'}, 'transitions': {'success': next_state, 'error': ..., 'timeout': ...}}]} "
    "(a state without transitions ends the run), or a DAG {'nodes': [{'id', ..., "
    "'depends_on': [ids]}]}. Waiting is service 'internal' action 'wait' with params "
    "{'seconds': N}. Values may use ${input_name}, ${config.name} or ${step_id.field} "
    "(lookups only, no expressions)."
)


def _param_names(spec: ActionSpec) -> str:
    schema = _params(spec)
    if isinstance(schema, dict):
        required = set(schema.get("required", []))
        names = [f"{n}{'*' if n in required else ''}" for n in schema.get("properties", {})]
    else:
        names = [f"{p['name']}{'*' if p['required'] else ''}" for p in schema]
    return ", ".join(names)


def compact_catalog(coordinator: WorkflowCoordinator) -> str:
    """One line per action, `service.action(param*, param)`: description (* = required): a
    short enough text for a small local model's context."""
    lines: list[str] = []
    for service in coordinator.registry.services():
        adapter = coordinator.registry.get(service)
        if adapter is None:
            continue
        for name, spec in adapter.actions().items():
            first = _FIRST_SENTENCE.split(spec.description)[0].rstrip(".")
            lines.append(f"- {service}.{name}({_param_names(spec)}): {first}")
    lines.append(
        "- homeassistant.<domain.action> (params {data, target: {entity_id}}): any Home "
        "Assistant action, e.g. action 'light.turn_on'"
    )
    return "\n".join(lines)
