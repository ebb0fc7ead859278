"""HA's real Ollama integration and conversation machinery against a local scripted server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.setup import async_setup_component

from local_peers.ollama_server import OllamaServer, last_tool_result

from .ollama_agent import ollama_agent
from .test_tools import BRB

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def test_draft_by_voice_repair_and_apply(
    hass: HomeAssistant, setup_entry: Callable[[], Any], ollama_server: OllamaServer
) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    await setup_entry()
    agent = await ollama_agent(hass, ollama_server)
    wrong = {
        **BRB,
        "steps": [BRB["steps"][0], {**BRB["steps"][1], "action": "sleep"}, BRB["steps"][2]],
    }
    seen: dict[str, Any] = {}

    def repair(messages: list[dict[str, Any]]) -> dict[str, Any]:
        seen["problems"] = last_tool_result(messages)["problems"]
        return {"tool_calls": [{"name": "draft_workflow", "arguments": {"definition": BRB}}]}

    def ask(messages: list[dict[str, Any]]) -> dict[str, Any]:
        seen["draft_id"] = last_tool_result(messages)["draft_id"]
        return {"content": "Draft: BRB, wait 5 minutes, Main. Save it?"}

    def apply(messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "tool_calls": [
                {
                    "name": "apply_draft",
                    "arguments": {"draft_id": seen["draft_id"], "confirmed": True},
                }
            ]
        }

    ollama_server.script = [
        {"tool_calls": [{"name": "describe_capabilities", "arguments": {"service": "obs"}}]},
        {"tool_calls": [{"name": "draft_workflow", "arguments": {"definition": wrong}}]},
        repair,
        ask,
        apply,
        {"content": "Saved."},
    ]
    first = await conversation.async_converse(
        hass,
        "switch to BRB, wait five minutes, switch back",
        None,
        Context(),
        language="en",
        agent_id=agent,
    )
    assert first.response.speech["plain"]["speech"].endswith("Save it?")
    assert seen["problems"][0]["path"].startswith("steps[1]")
    assert not hass.services.has_service("stream_workflows", "quick_brb")
    tools = {t["function"]["name"] for t in ollama_server.requests[0]["tools"]}
    assert {"draft_workflow", "apply_draft", "rehearse"} <= tools

    second = await conversation.async_converse(
        hass, "yes", first.conversation_id, Context(), language="en", agent_id=agent
    )
    assert second.response.speech["plain"]["speech"] == "Saved."
    await hass.async_block_till_done()
    assert hass.services.has_service("stream_workflows", "quick_brb")
    assert hass.states.get("switch.quick_brb_running") is not None

    def told(messages: list[dict[str, Any]]) -> dict[str, Any]:
        seen["rehearsal"] = last_tool_result(messages)
        return {"content": "BRB, five minutes, Main: nothing was sent."}

    ollama_server.script = [
        {"tool_calls": [{"name": "rehearse", "arguments": {"workflow_id": "quick_brb"}}]},
        told,
    ]
    third = await conversation.async_converse(
        hass, "rehearse it", first.conversation_id, Context(), language="en", agent_id=agent
    )
    assert third.response.speech["plain"]["speech"].startswith("BRB")
    assert seen["rehearsal"]["status"] == "succeeded"
    assert seen["rehearsal"]["path"] == ["to_brb", "pause", "back"]
    assert [a["params"] for a in seen["rehearsal"]["actions"]][1] == {"seconds": 300}
