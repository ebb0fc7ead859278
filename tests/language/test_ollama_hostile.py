"""Hostile model output through HA's real Ollama integration: each bad tool call becomes a
located problem that the model receives in its next /api/chat request; nothing is saved and
nothing raises."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant

from custom_components.stream_workflows.language import list_drafts
from custom_components.stream_workflows.runtime import core_coordinator
from local_peers.ollama_server import OllamaServer

from .ollama_agent import ollama_agent
from .test_tools import BRB

pytestmark = pytest.mark.usefixtures("socket_enabled")


def _steps(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"definition": {**BRB, "steps": list(steps)}}


# (what the model sends, a path the problem must name)
HOSTILE: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "invalid JSON arguments",
        "draft_workflow",
        {"definition": '{"id": "quick_brb", "steps": [}'},
        "definition",
    ),
    (
        "an unknown service",
        "draft_workflow",
        _steps({"id": "x", "service": "teleport", "action": "beam", "params": {}}),
        "steps[0]",
    ),
    (
        "an unknown action of a known service",
        "draft_workflow",
        _steps({"id": "x", "service": "obs", "action": "format_disk", "params": {}}),
        "steps[0]",
    ),
    (
        "hostile ${...}",
        "draft_workflow",
        _steps(
            {
                "id": "x",
                "service": "internal",
                "action": "log",
                "params": {"message": "${__import__('os').system('rm -rf /')}"},
            }
        ),
        "steps[0]",
    ),
    (
        "a definition far too large",
        "draft_workflow",
        {"definition": {**BRB, "description": "x" * 600_000}},
        "definition",
    ),
    ("draft_workflow without its definition", "draft_workflow", {}, "definition"),
    (
        "change_workflow without operations",
        "change_workflow",
        {"workflow_id": "quick_brb"},
        "operations",
    ),
    (
        "an operation on a path that is not there",
        "change_workflow",
        {
            "workflow_id": "quick_brb",
            "operations": [{"op": "set", "path": "steps.nowhere.params.seconds", "value": 1}],
        },
        "operations[0].path",
    ),
    ("apply_draft without confirmed", "apply_draft", {"draft_id": "draft_0000"}, "confirmed"),
    ("run without a workflow", "run", {}, "workflow_id"),
]


def _tool_messages(request: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in request["messages"] if m.get("role") == "tool"]


async def test_hostile_tool_calls_become_located_problems_for_the_model(
    hass: HomeAssistant,
    setup_entry: Callable[[], Any],
    ollama_server: OllamaServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await setup_entry()
    await hass.services.async_call(
        "stream_workflows", "save_workflow", {"definition": BRB}, blocking=True
    )
    coordinator = core_coordinator(hass)
    assert coordinator is not None
    before = json.dumps(coordinator.stored_documents, sort_keys=True)
    agent = await ollama_agent(hass, ollama_server)

    for what, tool, arguments, path in HOSTILE:
        ollama_server.requests.clear()
        ollama_server.script = [
            {"tool_calls": [{"name": tool, "arguments": arguments}]},
            {"content": "I could not do that."},
        ]
        result = await conversation.async_converse(
            hass, f"please do {what}", None, Context(), language="en", agent_id=agent
        )
        assert result.response.speech["plain"]["speech"] == "I could not do that.", what
        # what the model received: the tool's answer, in the next request
        (told,) = _tool_messages(ollama_server.requests[1])
        assert "Traceback" not in told["content"], what
        answer = json.loads(told["content"])
        assert answer.get("valid") in (None, False), (what, answer)
        problems = answer["problems"]
        assert problems, (what, answer)
        assert all(set(p) == {"path", "message"} and p["message"] for p in problems), what
        assert any(p["path"].startswith(path) for p in problems), (what, problems)
        assert len(told["content"]) < 20_000, what  # bounded, whatever the model sent

    await hass.async_block_till_done()
    assert json.dumps(coordinator.stored_documents, sort_keys=True) == before
    assert set(coordinator.workflows) == {"quick_brb"}
    assert not any(d["valid"] for d in list_drafts(hass))
    ours = [
        r
        for r in caplog.records
        if r.name.startswith("custom_components.stream_workflows") and r.levelno >= logging.WARNING
    ]
    assert ours == []
