"""Start workflows automatically: any Home Assistant trigger, plus named stream events.

`"trigger": "stream_started"` in a workflow is a stream event: OBS and Twitch fire them as
`stream_workflows_stream_event` with `{"event": "stream_started", ...}`, and anyone can fire
one. A mapping is a Home Assistant trigger (state, event, time, time_pattern, template, ...)
handled by Home Assistant's own trigger machinery.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import voluptuous as vol
from homeassistant.const import CONF_ENABLED
from homeassistant.core import CALLBACK_TYPE, Context, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.trigger import async_initialize_triggers, async_validate_trigger_config

from .const import DOMAIN, EVENT_STREAM
from .engine import Problem, WorkflowDefinition
from .hass_engine import json_safe

_LOGGER = logging.getLogger(__name__)
STREAM_EVENT = "stream_event"

type StartRun = Callable[[dict[str, Any], dict[str, Any]], None]
"""Start a run of the workflow with `(variables, trigger)`; raises HomeAssistantError."""


async def validate_triggers(hass: HomeAssistant, definition: WorkflowDefinition) -> list[Problem]:
    """Every problem of the workflow's triggers, each with its place; attaches nothing."""
    problems, _configs, _events = await _validate(hass, definition)
    return problems


async def async_attach_triggers(
    hass: HomeAssistant, definition: WorkflowDefinition, start: StartRun
) -> CALLBACK_TYPE:
    """Attach the workflow's triggers so that each calls `start`; return their remover.

    Raises HomeAssistantError naming every problem when a trigger is invalid or cannot be
    attached; nothing stays attached then.
    """
    problems, configs, stream_events = await _validate(hass, definition)
    if problems:
        raise HomeAssistantError("; ".join(problem.format() for problem in problems))
    return await _attach(hass, definition, start, configs, stream_events)


async def _validate(
    hass: HomeAssistant, definition: WorkflowDefinition
) -> tuple[list[Problem], list[dict[str, Any]], list[str]]:
    problems: list[Problem] = []
    configs: list[dict[str, Any]] = []
    stream_events: list[str] = []
    for trigger in definition.triggers:
        config = dict(trigger.config)
        if config.get("trigger") == STREAM_EVENT:
            event = config.get("event")
            if not isinstance(event, str) or not event:
                problems.append(Problem(trigger.location, "a stream_event trigger needs 'event'"))
                continue
            # An imported workflow's triggers start off, as Home Assistant's own do.
            if config.get("enabled", True) is not False:
                stream_events.append(event)
            continue
        try:
            # TRIGGER_SCHEMA renames `trigger:` to the `platform:` the trigger helpers read.
            configs.extend(await async_validate_trigger_config(hass, cv.TRIGGER_SCHEMA(config)))
        except (vol.Invalid, HomeAssistantError) as err:
            problems.append(Problem(trigger.location, f"invalid trigger: {err}"))
        except Exception as err:  # a trigger platform's bug is this workflow's problem
            problems.append(Problem(trigger.location, f"invalid trigger: {_describe(err)}"))
    return problems, configs, stream_events


async def _attach(
    hass: HomeAssistant,
    definition: WorkflowDefinition,
    start_run: StartRun,
    configs: list[dict[str, Any]],
    stream_events: list[str],
) -> CALLBACK_TYPE:
    removers: list[CALLBACK_TYPE] = []
    workflow_id = definition.id

    def start(variables: dict[str, Any], trigger: dict[str, Any]) -> None:
        try:
            start_run(variables, trigger)
        except HomeAssistantError as err:
            _LOGGER.warning("Trigger did not start %s: %s", workflow_id, err)

    if stream_events:
        wanted = frozenset(stream_events)

        @callback
        def matches(data: Mapping[str, Any]) -> bool:
            return data.get("event") in wanted

        @callback
        def on_stream_event(event: Event) -> None:
            payload = json_safe(dict(event.data))
            name = payload.pop("event")
            start(payload, {"platform": STREAM_EVENT, "event": name, "data": payload})

        removers.append(hass.bus.async_listen(EVENT_STREAM, on_stream_event, matches))
    if configs:

        async def on_trigger(run_variables: dict[str, Any], context: Context | None = None) -> None:
            trigger = json_safe(run_variables.get("trigger", {}))
            start({}, trigger)

        def log(level: int, message: str, **kwargs: Any) -> None:
            _LOGGER.log(level, "%s: %s", definition.name, message, **kwargs)

        try:
            remove = await async_initialize_triggers(
                hass,
                [config for config in configs if config.get(CONF_ENABLED, True)],
                on_trigger,
                DOMAIN,
                definition.name,
                log,
                home_assistant_start=not hass.is_running,
            )
        except Exception as err:  # never the integration's problem
            for remover in removers:
                remover()
            problem = Problem("trigger", f"the triggers could not be attached: {_describe(err)}")
            raise HomeAssistantError(problem.format()) from err
        if remove is not None:
            removers.append(remove)

    @callback
    def remove_all() -> None:
        for remover in removers:
            remover()

    return remove_all


def _describe(err: Exception) -> str:
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
