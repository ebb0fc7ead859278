"""Intents for the common commands, and sentences for the default conversation agent.

An integration cannot ship custom sentences (Home Assistant reads them only from
`<config>/custom_sentences/<lang>/`), so the sentences are attached as conversation triggers
(the `conversation` trigger platform, the same on 2025.4 and 2026.2) whose wildcard `{name}`
is handed to our intent handlers. The intents are registered with `intent.async_register`, so
custom sentences a user writes and the Assist LLM API can use them too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import voluptuous as vol
from homeassistant.components.conversation.trigger import (
    TRIGGER_SCHEMA,
    async_attach_trigger,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import intent
from homeassistant.helpers.script import ScriptRunResult

from ..const import DOMAIN
from ..runtime import core_coordinator
from .resolve import find_workflow

INTENTS: dict[str, tuple[str, list[str]]] = {
    "StreamWorkflowsStart": ("start", ["(start|run) [the] {name} workflow"]),
    "StreamWorkflowsPause": ("pause", ["pause [the] {name} workflow"]),
    "StreamWorkflowsResume": ("resume", ["(resume|continue) [the] {name} workflow"]),
    "StreamWorkflowsCancel": ("cancel", ["(cancel|stop) [the] {name} workflow"]),
    "StreamWorkflowsStatus": ("status", ["what is [the] {name} workflow doing"]),
}


class WorkflowIntent(intent.IntentHandler):
    """One command on a workflow named by the `name` slot."""

    slot_schema = {vol.Required("name"): intent.non_empty_string}  # noqa: RUF012 - the base class declares it

    def __init__(self, intent_type: str, command: str) -> None:
        self.intent_type = intent_type
        self.command = command
        self.description = f"{command.capitalize()} a Stream Workflows workflow by its name"

    async def async_handle(self, intent_obj: intent.Intent) -> intent.IntentResponse:
        slots = self.async_validate_slots(intent_obj.slots)
        response = intent_obj.create_response()
        coordinator = core_coordinator(intent_obj.hass)
        name = str(slots["name"]["value"])
        wid = find_workflow(coordinator, name) if coordinator else None
        if coordinator is None or wid is None:
            response.async_set_speech(f"I know no workflow called {name}.")
            return response
        label = coordinator.workflows[wid].name
        try:
            if self.command == "start":
                coordinator.start(wid, {}, trigger={"kind": "assistant"})
                speech = f"Started {label}."
            elif self.command == "status":
                view = coordinator.views.get(wid)
                speech = f"{label} is {view.state if view else 'idle'}."
            else:
                getattr(coordinator, self.command)(wid)
                speech = f"{label}: {self.command} done."
        except HomeAssistantError as err:
            speech = f"{label}: {err}"
        response.async_set_speech(speech)
        return response


async def async_setup_intents(hass: HomeAssistant) -> Callable[[], None]:
    """Register the intents and their sentences; the returned function removes them."""
    removers: list[Callable[[], None]] = []
    for intent_type, (command, sentences) in INTENTS.items():
        intent.async_register(hass, WorkflowIntent(intent_type, command))
        removers.append(_remover(hass, intent_type))
        removers.append(await _attach(hass, intent_type, sentences))

    def remove() -> None:
        for remover in removers:
            remover()

    return remove


def _remover(hass: HomeAssistant, intent_type: str) -> Callable[[], None]:
    return lambda: intent.async_remove(hass, intent_type)


async def _attach(
    hass: HomeAssistant, intent_type: str, sentences: list[str]
) -> Callable[[], None]:
    async def action(run_variables: dict[str, Any], context: Any = None) -> ScriptRunResult:
        trigger = run_variables["trigger"]
        result = await intent.async_handle(
            hass,
            DOMAIN,
            intent_type,
            {"name": {"value": trigger["slots"].get("name", "")}},
            language=hass.config.language,
        )
        speech = result.speech.get("plain", {}).get("speech", "")
        return ScriptRunResult(conversation_response=speech, service_response=None, variables={})

    config = TRIGGER_SCHEMA({"platform": "conversation", "command": sentences})
    info: Any = {
        "domain": DOMAIN,
        "name": intent_type,
        "home_assistant_start": False,
        "variables": {},
        "trigger_data": {"id": intent_type, "idx": "0", "alias": None},
    }
    return await async_attach_trigger(hass, config, action, info)
