"""The LLM API's tools through Home Assistant's real llm helper (the model's calls scripted)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components import conversation
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import llm
from homeassistant.setup import async_setup_component

from custom_components.stream_workflows.language import API_ID, API_WITH_ASSIST_ID, list_drafts

BRB = {
    "id": "quick_brb",
    "name": "Quick BRB",
    "steps": [
        {
            "id": "to_brb",
            "service": "obs",
            "action": "set_current_scene",
            "params": {"scene_name": "BRB"},
        },
        {"id": "pause", "service": "internal", "action": "wait", "params": {"seconds": 300}},
        {
            "id": "back",
            "service": "obs",
            "action": "set_current_scene",
            "params": {"scene_name": "Main"},
        },
    ],
}


def _context() -> llm.LLMContext:
    fields: dict[str, Any] = {
        "platform": "test",
        "context": Context(),
        "language": "en",
        "assistant": "conversation",
        "device_id": None,
    }
    if "user_prompt" in llm.LLMContext.__dataclass_fields__:  # 2025.4 has it, 2026.2 not
        fields["user_prompt"] = None
    return llm.LLMContext(**fields)


async def _call(hass: HomeAssistant, tool: str, args: Any, api: str = API_ID) -> Any:
    instance = await llm.async_get_api(hass, api, _context())
    return await instance.async_call_tool(llm.ToolInput(tool_name=tool, tool_args=args))


async def test_draft_repair_apply_rehearse(
    hass: HomeAssistant, setup_entry: Callable[[], Any]
) -> None:
    entry = await setup_entry()
    caps = await _call(hass, "describe_capabilities", {})
    assert "set_current_scene" in {a["action"] for a in caps["services"]["obs"]["actions"]}

    wrong = {
        **BRB,
        "steps": [*BRB["steps"][:1], {**BRB["steps"][1], "action": "sleep"}, BRB["steps"][2]],
    }
    first = await _call(hass, "draft_workflow", {"definition": wrong})
    assert not first["valid"]
    assert first["problems"]
    assert first["problems"][0]["path"].startswith("steps[1]")

    second = await _call(hass, "draft_workflow", {"definition": BRB})
    assert second["valid"], second
    assert any(d["draft_id"] == second["draft_id"] for d in list_drafts(hass))

    refused = await _call(hass, "apply_draft", {"draft_id": second["draft_id"], "confirmed": False})
    assert refused["problems"]
    assert not hass.services.has_service("stream_workflows", "quick_brb")

    applied = await _call(hass, "apply_draft", {"draft_id": second["draft_id"], "confirmed": True})
    assert applied["workflow_id"] == "quick_brb"
    await hass.async_block_till_done()
    assert hass.services.has_service("stream_workflows", "quick_brb")

    rehearsal = await _call(hass, "rehearse", {"workflow_id": "Quick BRB"})
    assert rehearsal["status"] == "succeeded"
    assert rehearsal["path"] == ["to_brb", "pause", "back"]

    changed = await _call(
        hass,
        "change_workflow",
        {
            "workflow_id": "quick_brb",
            "operations": [{"op": "set", "path": "steps.pause.params.seconds", "value": 120}],
        },
    )
    assert changed["valid"], changed
    await _call(hass, "apply_draft", {"draft_id": changed["draft_id"], "confirmed": True})
    got = await _call(hass, "get_workflow", {"workflow_id": "quick_brb"})
    assert got["definition"]["steps"][1]["params"]["seconds"] == 120

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert API_ID not in {api.id for api in llm.async_get_apis(hass)}


async def test_hostile_input_becomes_problems(
    hass: HomeAssistant, setup_entry: Callable[[], Any]
) -> None:
    await setup_entry()
    cases: list[tuple[str, Any]] = [
        ("draft_workflow", {"definition": "{not json"}),
        (
            "draft_workflow",
            {"definition": {**BRB, "steps": [{"id": "x", "service": "nope", "action": "a"}]}},
        ),
        (
            "draft_workflow",
            {
                "definition": {
                    **BRB,
                    "steps": [
                        {
                            "id": "x",
                            "service": "internal",
                            "action": "log",
                            "params": {"message": "${__import__('os').system('id')}"},
                        }
                    ],
                }
            },
        ),
        ("draft_workflow", {"definition": {**BRB, "description": "x" * 400_000}}),
        ("draft_workflow", {"definition": "x" * 400_000}),
        ("draft_workflow", {}),
        ("apply_draft", {"draft_id": "draft_missing", "confirmed": True}),
        ("change_workflow", {"workflow_id": "nope", "operations": [{"op": "remove", "path": "a"}]}),
        ("run", {"workflow_id": "nope"}),
    ]
    for tool, args in cases:
        result = await _call(hass, tool, args)
        assert result["problems"], (tool, result)
        assert all({"path", "message"} <= set(p) for p in result["problems"])
    assert not hass.services.has_service("stream_workflows", "quick_brb")


async def test_run_and_cancel_and_assist_variant(
    hass: HomeAssistant, setup_entry: Callable[[], Any], write_workflow: Callable[[str, Any], Any]
) -> None:
    write_workflow("quick_brb.json", BRB)
    assert await async_setup_component(hass, "homeassistant", {})
    await setup_entry()
    started = await _call(hass, "run", {"workflow_id": "quick brb"})
    assert started["started"]
    await hass.async_block_till_done()
    status = await _call(hass, "status", {"workflow_id": "quick_brb"})
    assert status["status"] in ("running", "failed", "succeeded")
    instance = await llm.async_get_api(hass, API_WITH_ASSIST_ID, _context())
    names = {tool.name for tool in instance.tools}
    assert {"draft_workflow", "apply_draft"} <= names
    cancelled = await _call(hass, "cancel", {"workflow_id": "quick_brb"})
    assert "problems" in cancelled or cancelled["workflow_id"] == "quick_brb"


async def test_intents_through_the_default_agent(
    hass: HomeAssistant, setup_entry: Callable[[], Any], write_workflow: Callable[[str, Any], Any]
) -> None:
    write_workflow("raid.json", {**BRB, "id": "raid", "name": "Raid"})
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await setup_entry()
    await hass.async_block_till_done()
    result = await conversation.async_converse(
        hass, "start the raid workflow", None, Context(), language="en"
    )
    assert result.response.speech["plain"]["speech"] == "Started Raid."
    await hass.async_block_till_done()
    result = await conversation.async_converse(
        hass, "cancel the raid workflow", None, Context(), language="en"
    )
    assert "Raid" in result.response.speech["plain"]["speech"]
