"""The `obs` catalog without OBS: schemas, rehearsal results, rehearsals, light imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.adapters.obs import ACTIONS, ObsAdapter
from custom_components.stream_workflows.engine import (
    ActionError,
    NotConnectedError,
    RehearsalPlan,
    RunStatus,
    load_definition,
)
from custom_components.stream_workflows.engine.rehearse import rehearse

REPO = Path(__file__).resolve().parents[2]

SAMPLE_PARAMS: dict[str, dict[str, Any]] = {
    "set_current_scene": {"scene_name": "Main"},
    "start_streaming": {},
    "stop_streaming": {},
    "toggle_streaming": {},
    "start_recording": {},
    "stop_recording": {},
    "pause_recording": {},
    "resume_recording": {},
    "start_replay_buffer": {},
    "stop_replay_buffer": {},
    "save_replay_buffer": {"filename": "stream_2026-01-01.mkv"},
    "set_input_mute": {"input_name": "Mic", "muted": True},
    "toggle_input_mute": {"input_name": "Mic"},
    "set_source_visibility": {"scene_name": "Main", "source_name": "Cam", "visible": False},
    "set_text": {"source_name": "Title", "text": "Hello"},
    "trigger_hotkey": {"hotkey_name": "OBSBasic.Screenshot"},
    "get_stream_status": {},
}


def test_catalog_has_the_required_actions() -> None:
    assert set(ACTIONS) == set(SAMPLE_PARAMS)
    for spec in ACTIONS.values():
        assert spec.timeout is not None
        assert spec.timeout > 0
        assert spec.description


@pytest.mark.parametrize("action", sorted(SAMPLE_PARAMS))
def test_rehearsal_result_matches_the_result_description(action: str) -> None:
    spec = ACTIONS[action]
    params = spec.params(SAMPLE_PARAMS[action])
    result = spec.rehearsal(params)
    assert isinstance(result, dict)
    assert set(result) == set(spec.result), f"{action}: {sorted(result)} vs {sorted(spec.result)}"
    for key in ("scene_name", "input_name", "source_name", "hotkey_name", "text", "muted"):
        if key in params and key in result:
            assert result[key] == params[key]


def test_seed_params_keep_working() -> None:
    assert ACTIONS["set_current_scene"].params({"scene_name": "Starting Soon"})
    assert ACTIONS["stop_streaming"].params({}) == {}
    assert ACTIONS["save_replay_buffer"].params({"filename": "stream_2026_x.mp4"})
    assert ACTIONS["save_replay_buffer"].params({}) == {}
    assert ACTIONS["save_replay_buffer"].rehearsal({}) == {
        "path": "/simulated/recordings/Replay.mkv",
        "original_path": None,
    }


@pytest.mark.parametrize(
    ("action", "params", "message"),
    [
        ("set_current_scene", {}, "required key not provided"),
        ("set_current_scene", {"scene_name": ""}, "length of value must be at least 1"),
        ("save_replay_buffer", {"filename": "../x.mkv"}, "without a folder"),
        ("save_replay_buffer", {"filename": "C:\\clips\\x.mkv"}, "without a folder"),
        ("set_input_mute", {"input_name": "Mic"}, "required key not provided"),
        ("set_input_mute", {"input_name": "Mic", "muted": "maybe"}, "boolean"),
        ("set_text", {"source_name": "Title", "text": ["a"]}, "expected text"),
        ("stop_streaming", {"now": True}, "extra keys not allowed"),
    ],
)
def test_bad_params_are_rejected(action: str, params: dict[str, Any], message: str) -> None:
    with pytest.raises(vol.Invalid, match=message):
        ACTIONS[action].params(params)


def test_params_are_lenient_where_it_helps() -> None:
    assert ACTIONS["set_input_mute"].params({"input_name": "Mic", "muted": "on"})["muted"] is True
    assert ACTIONS["set_text"].params({"source_name": "T", "text": 42})["text"] == "42"
    visible = ACTIONS["set_source_visibility"].params(
        {"scene_name": "S", "source_name": "C", "visible": "false"}
    )
    assert visible["visible"] is False


async def test_without_a_connection_actions_fail_fast_with_not_connected() -> None:
    adapter = ObsAdapter()
    with pytest.raises(NotConnectedError, match="add an OBS connection") as caught:
        await adapter.execute("set_current_scene", {"scene_name": "Main"}, None)  # type: ignore[arg-type]
    assert caught.value.error_type == "not_connected"
    assert isinstance(caught.value, ActionError)


async def test_rehearsal_of_every_action_succeeds_and_results_resolve() -> None:
    registry = default_registry()
    steps = [
        {"id": action, "service": "obs", "action": action, "params": params}
        for action, params in SAMPLE_PARAMS.items()
    ]
    steps.append(
        {
            "id": "report",
            "service": "internal",
            "action": "log",
            "params": {
                "message": "saved ${save_replay_buffer.path}, recorded ${stop_recording.path}, "
                "scene ${get_stream_status.scene_name}, muted ${set_input_mute.muted}"
            },
        }
    )
    definition, problems = load_definition(
        {"id": "all_obs", "name": "All OBS", "steps": steps}, registry
    )
    assert definition is not None, problems
    rehearsal = await rehearse(definition, registry, {}, RehearsalPlan())
    assert rehearsal.status is RunStatus.SUCCEEDED, rehearsal.error
    assert [d.action for _, d in rehearsal.actions][:-1] == list(SAMPLE_PARAMS)
    assert rehearsal.actions[-1][1].params["message"] == (
        "saved /simulated/recordings/stream_2026-01-01.mkv, recorded "
        "/simulated/recordings/recording.mkv, scene Main, muted true"
    )


@pytest.mark.parametrize(
    "name", ["stream_start_sequence.json", "raid_workflow.json", "stream_end_processing.json"]
)
def test_seed_workflows_validate_with_this_catalog(name: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "custom_components.stream_workflows.cli",
            "validate",
            str(REPO / "workflows" / name),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_catalog_module_imports_nothing_heavy() -> None:
    code = (
        "import sys; import custom_components.stream_workflows.adapters.obs; "
        "heavy = [m for m in ('obsws_python', 'websocket') if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
