"""The ready-made workflows in workflows/ validate and rehearse the way their comments say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import (
    InputError,
    Outcome,
    RehearsalPlan,
    load_file,
    load_file_or_raise,
)
from custom_components.stream_workflows.engine.rehearse import rehearse

from .helpers import ended

WORKFLOWS = Path(__file__).parents[2] / "workflows"


async def simulate(
    name: str,
    variables: dict[str, Any] | None = None,
    outcomes: dict[str, Outcome] | None = None,
) -> dict[str, Any]:
    definition = load_file_or_raise(WORKFLOWS / name, default_registry())
    plan = RehearsalPlan(outcomes=outcomes or {})
    rehearsal = await rehearse(definition, default_registry(), variables or {}, plan)
    result = rehearsal.as_json()
    assert rehearsal.started_at is not None
    assert rehearsal.finished_at is not None
    result["seconds"] = (rehearsal.finished_at - rehearsal.started_at).total_seconds()
    return result


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.y*ml")), ids=lambda p: p.name)
def test_yaml_workflows_are_valid_without_warnings(path: Path) -> None:
    definition, problems = load_file(path, default_registry())
    assert definition is not None
    assert problems == []
    assert definition.id == path.stem
    assert definition.description


async def test_brb_defaults() -> None:
    result = await simulate("brb.yaml")
    assert result["status"] == "succeeded"
    assert result["path"] == [
        "go_brb",
        "announce",
        "tell_chat",
        "break_time",
        "come_back",
        "welcome_back",
    ]
    assert result["seconds"] == 300
    assert result["actions"][1]["params"] == {"message": "Be right back: a quick break!"}
    assert result["actions"][3]["params"] == {"scene_name": "Main"}


async def test_brb_inputs_and_conditional_transition() -> None:
    result = await simulate(
        "brb.yaml",
        {
            "seconds": 60,
            "reason": "pizza",
            "announce_discord": True,
            "end_after_break": True,
            "config": {"discord_channel_id": "99"},
        },
    )
    assert result["status"] == "succeeded"
    assert result["path"][-1] == "say_goodbye"
    assert "tell_discord" in result["path"]
    discord = next(a for a in result["actions"] if a["step"] == "tell_discord")
    assert discord["params"] == {"channel_id": "99", "message": "Taking pizza, back in 60 seconds."}
    assert result["seconds"] == 60


async def test_brb_retries_then_moves_on() -> None:
    result = await simulate(
        "brb.yaml", outcomes={"go_brb": Outcome.ERROR, "tell_chat": Outcome.ERROR}
    )
    assert result["status"] == "succeeded"
    assert [a["step"] for a in result["actions"]][:3] == ["go_brb", "go_brb", "go_brb"]
    assert result["path"][:2] == ["go_brb", "announce"]  # chat failed, the break still happened


async def test_brb_cancelling_the_break_comes_back() -> None:
    result = await simulate("brb.yaml", outcomes={"break_time": Outcome.CANCEL})
    assert result["status"] == "cancelled"
    assert result["path"][-2:] == ["come_back", "welcome_back"]


async def test_brb_rejects_a_wrong_input_type() -> None:
    with pytest.raises(InputError, match="input 'seconds' must be a number"):
        await simulate("brb.yaml", {"seconds": "five"})


async def test_going_live() -> None:
    result = await simulate("going_live.yaml", {"title": "Speedruns"})
    assert result["status"] == "succeeded"
    assert "tell_discord" not in result["path"]  # no Discord channel configured
    assert result["seconds"] == 120
    chat = [a["params"]["message"] for a in result["actions"] if a["step"] == "tell_chat"]
    assert chat == ["We're live: Speedruns"]
    with pytest.raises(InputError, match="input 'title' is required"):
        await simulate("going_live.yaml")


async def test_going_live_keeps_going_after_a_failure() -> None:
    result = await simulate(
        "going_live.yaml",
        {"title": "x", "countdown": 5, "config": {"discord_channel_id": "1"}},
        {"tell_chat": Outcome.ERROR, "main_scene": Outcome.ERROR},
    )
    assert result["status"] == "succeeded"  # error_policy: continue
    assert result["path"][-1] == "note"
    assert "tell_discord" in result["path"]
    assert "tell_chat_again" in result["path"]  # the policy holds inside branches too


async def test_going_live_restarts() -> None:
    import asyncio

    from custom_components.stream_workflows.engine import RunStatus, VirtualClock, WorkflowEngine

    definition = load_file_or_raise(WORKFLOWS / "going_live.yaml", default_registry())
    clock = VirtualClock()
    engine = WorkflowEngine(default_registry(), clock=clock)
    first = engine.start(definition, {"title": "one"}, rehearsal=True)
    clock.call_later(60, lambda: engine.start(definition, {"title": "two"}, rehearsal=True))
    assert await asyncio.wait_for(first.wait(), 10) is RunStatus.CANCELLED
    [second] = engine.runs("going_live")
    assert await asyncio.wait_for(second.wait(), 10) is RunStatus.SUCCEEDED
    assert (ended(second) - first.started_at).total_seconds() == 180
    await clock.aclose()


async def test_wrap_up() -> None:
    result = await simulate("wrap_up.yaml", {"config": {"discord_channel_id": "5"}})
    assert result["status"] == "succeeded"
    assert result["path"][-1] == "stop"
    share = next(a for a in result["actions"] if a["step"] == "share_clip")
    assert share["params"]["message"] == "Today's highlight: https://clips.twitch.tv/SimulatedClip"


async def test_wrap_up_failed_clip_only_skips_sharing() -> None:
    result = await simulate(
        "wrap_up.yaml",
        {"config": {"discord_channel_id": "5"}},
        {"clip": Outcome.ERROR, "save_replay": Outcome.ERROR},
    )
    assert result["status"] == "failed"
    assert result["error"]["step"] == "clip"
    assert "share_clip" not in result["path"]
    assert "stop" in result["path"]  # save_replay may fail (continue_on_error)
    assert [a["step"] for a in result["actions"]].count("clip") == 3
