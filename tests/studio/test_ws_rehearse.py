"""`stream_workflows/rehearse` (an unsaved draft on virtual time) and the run action's
`source` (how a run started, in the run history), on a real Home Assistant core."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.runtime import get_coordinator
from custom_components.stream_workflows.studio.data import STUDIO
from streamdeck_bridge.config import KeyConfig
from streamdeck_bridge.ha_link import HomeAssistantLink
from streamdeck_bridge.keys import WorkflowKey
from tests.studio import test_ws_studio as studio_tests
from tests.studio.test_ws_studio import NOOP, SECRET
from tests.studio.ws_client import Client, failed, ok, sender

entry = studio_tests.entry  # the same fixtures: the demo folder, a secret, a websocket client
ws = studio_tests.ws

DRAFT: dict[str, Any] = {
    "id": "draft_machine",
    "name": "Draft machine",
    "initial_state": "intro",
    "states": [
        {
            "name": "intro",
            "action": {
                "service": "obs",
                "method": "set_current_scene",
                "params": {"scene_name": "Intro ${config.api_key}"},
            },
            "transitions": {"success": "hold", "error": "done"},
        },
        {
            "name": "hold",
            "action": {"service": "internal", "method": "wait", "params": {"seconds": 3600}},
            "transitions": {"success": "done"},
        },
        {"name": "done"},
    ],
}


async def test_a_draft_is_rehearsed_on_virtual_time_and_nothing_is_stored(
    hass: HomeAssistant, ws: Client
) -> None:
    before = {w["workflow_id"] for w in ok(await ws("list"))["workflows"]}
    started = time.monotonic()
    answer = ok(await ws("rehearse", definition=DRAFT))
    assert time.monotonic() - started < 5  # an hour's wait took no real time
    assert answer["valid"] is True
    assert answer["problems"] == []
    assert answer["status"] == "succeeded", answer
    assert answer["path"] == ["intro", "hold", "done"]
    scene = next(call for call in answer["calls"] if call["step"] == "intro")
    assert (scene["service"], scene["action"]) == ("obs", "set_current_scene")
    assert scene["params"]["scene_name"].startswith("Intro ")
    assert answer["error"] is None
    assert SECRET not in json.dumps(answer)  # the rendered secret is redacted
    coordinator = get_coordinator(hass)
    assert "draft_machine" not in coordinator.workflows
    assert "draft_machine" not in coordinator.stored_documents
    assert hass.data[STUDIO].history.runs("draft_machine") == []
    assert {w["workflow_id"] for w in ok(await ws("list"))["workflows"]} == before
    assert ok(await ws("runs", workflow_id="draft_machine")) == {"runs": []}


async def test_an_invalid_draft_gives_located_problems(ws: Client) -> None:
    broken = {**DRAFT, "states": [{**DRAFT["states"][0], "transitions": {"success": "nowhere"}}]}
    answer = ok(await ws("rehearse", definition=broken))
    assert answer["valid"] is False
    assert answer["status"] == "invalid"
    assert answer["path"] == []
    assert answer["calls"] == []
    located = [p for p in answer["problems"] if p["path"].startswith("states")]
    assert located, answer
    assert any("nowhere" in p["message"] for p in located), answer


async def test_inputs_are_checked_and_oversized_drafts_refused(ws: Client) -> None:
    needs = {**DRAFT, "inputs": {"target": {"type": "string", "required": True}}}
    answer = ok(await ws("rehearse", definition=needs))
    assert answer["valid"] is False
    assert [p["path"] for p in answer["problems"]] == ["variables"]
    assert "target" in answer["problems"][0]["message"]
    given = ok(await ws("rehearse", definition=needs, variables={"target": "a_friend"}))
    assert given["status"] == "succeeded", given
    huge = {"id": "huge", "steps": [{"id": "a", **NOOP, "description": "x" * 300_000}]}
    assert failed(await ws("rehearse", definition=huge), "definition_too_large")


async def test_a_looping_draft_is_stopped(ws: Client) -> None:
    loop = {
        "id": "looping",
        "initial_state": "a",
        "states": [
            {"name": "a", "action": NOOP, "transitions": {"success": "b"}},
            {"name": "b", "action": NOOP, "transitions": {"success": "a"}},
        ],
    }
    answer = ok(await ws("rehearse", definition=loop))
    assert answer["status"] == "cancelled", answer
    assert answer["error"]["type"] == "rehearsal_limit"


async def test_readers_may_rehearse(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_ws_client: Any,
    hass_read_only_access_token: str,
) -> None:
    """A rehearsal changes nothing (no call is made, nothing stored), like validate."""
    reader = sender(await hass_ws_client(hass, hass_read_only_access_token))
    assert ok(await reader("rehearse", definition=DRAFT))["status"] == "succeeded"


async def test_the_run_actions_source_is_the_trigger_kind(ws: Client, hass: HomeAssistant) -> None:
    for source in ("dashboard", "panel"):
        await hass.services.async_call(
            DOMAIN, "run", {"workflow_id": "watched", "wait": True, "source": source}, blocking=True
        )
    await hass.services.async_call(
        DOMAIN, "run", {"workflow_id": "watched", "wait": True, "rehearsal": True}, blocking=True
    )
    await hass.async_block_till_done()
    runs = ok(await ws("runs", workflow_id="watched"))["runs"]
    assert [r["trigger"] for r in runs[:3]] == [
        {"kind": "rehearsal"},
        {"kind": "service", "detail": "panel"},
        {"kind": "dashboard"},
    ]
    with pytest.raises((HomeAssistantError, vol.Invalid)):
        await hass.services.async_call(
            DOMAIN, "run", {"workflow_id": "watched", "source": "elsewhere"}, blocking=True
        )


async def test_a_deck_keys_run_shows_as_deck(ws: Client, hass: HomeAssistant) -> None:
    """The Stream Deck bridge's press, as it sends it, started on the real core."""
    link = HomeAssistantLink(
        "ws://unused", lambda: "x", workflows={"watched"}, entities=set(), on_change=lambda _c: None
    )
    key = WorkflowKey(KeyConfig(kind="workflow", index=0, workflow="watched", press="run"))
    intent = key.press(link)
    assert intent.data == {"workflow_id": "watched", "source": "deck"}
    await hass.services.async_call(
        intent.domain, intent.service, {**intent.data, "wait": True}, blocking=True
    )
    runs = ok(await ws("runs", workflow_id="watched"))["runs"]
    assert runs[0]["trigger"] == {"kind": "deck"}
