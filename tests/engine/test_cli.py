"""`stream-workflows`: validate, simulate and graph; exit codes 0 ran / 1 invalid / 2 usage."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.cli import run

ROOT = Path(__file__).parents[2]
WORKFLOWS = ROOT / "workflows"
RAID = str(WORKFLOWS / "raid_workflow.json")
ARROW = " \N{RIGHTWARDS ARROW} "


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def simulate_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code, out, err = cli(capsys, "simulate", *argv, "--json")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 1
    result: dict[str, Any] = json.loads(lines[0])
    return result


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# -- validate -----------------------------------------------------------------------------


def test_validate_every_shipped_workflow(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(
        str(path) for path in WORKFLOWS.iterdir() if path.suffix in (".json", ".yaml", ".yml")
    )
    assert len(files) >= 6
    code, out, err = cli(capsys, "validate", *files)
    assert code == 0, err
    assert err == ""
    assert f"{RAID}: ok (state machine, 5 states)" in out.splitlines()
    assert f"{WORKFLOWS / 'stream_end_processing.json'}: ok (DAG, 5 nodes)" in out.splitlines()


def test_validate_reports_every_problem_as_file_path_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(
        tmp_path,
        "bad.yaml",
        "id: bad\ninitial_state: a\nstates:\n"
        "  - name: a\n    action: {service: obs, action: set_current_scene}\n"
        "    transitions: {success: b, error: zz}\n"
        "  - name: b\n    colour: red\n",
    )
    code, out, err = cli(capsys, "validate", bad, RAID)
    assert code == 1
    assert err.splitlines() == [
        f"{bad}: states[0].action.params.scene_name: missing required key 'scene_name'",
        f"{bad}: states[1].colour: unknown key 'colour'",
        f"{bad}: states[0].transitions.error: there is no state named 'zz' (known: a, b)",
    ]
    assert out == f"{RAID}: ok (state machine, 5 states)\n"


def test_validate_syntax_errors_json_and_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken_json = write(tmp_path, "broken.json", '{"id": "x",\n "steps": [}\n')
    broken_yaml = write(tmp_path, "broken.yaml", "id: x\nsteps:\n  - id: a\n   service: internal\n")
    code, _out, err = cli(capsys, "validate", broken_json, broken_yaml)
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == f"{broken_json}: line 2, column 12: Expecting value"
    assert lines[1].startswith(f"{broken_yaml}: line 4, column 4: ")
    assert "Traceback" not in err


def test_validate_warnings_do_not_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "warn.yaml",
        "id: warn\ninitial_state: a\nstates:\n  - name: a\n  - name: lonely\n",
    )
    code, out, err = cli(capsys, "validate", path)
    assert code == 0
    assert err == f"{path}: states[1]: warning: state 'lonely' can never be reached from 'a'\n"
    assert out == f"{path}: ok (state machine, 2 states)\n"


def test_validate_missing_file_and_wrong_suffix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nope.yaml")
    text = write(tmp_path, "flow.txt", "{}")
    code, _out, err = cli(capsys, "validate", missing, text)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].startswith(f"{missing}: (document): cannot read the file")
    assert lines[1] == f"{text}: (document): workflow files must end in .json, .yaml or .yml"


# -- simulate -----------------------------------------------------------------------------


def test_the_acceptance_check(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "simulate", RAID, "--set", "raid_target=someone")
    assert code == 0, err
    lines = out.splitlines()
    assert (
        lines[0] == "Channel Raid Workflow (raid_workflow): rehearsal, nothing external was called"
    )
    assert (
        "Path: "
        + ARROW.join(
            ["prepare_raid", "announce_raid", "wait_for_raid", "execute_raid", "end_stream"]
        )
        in lines
    )
    assert any(
        "twitch.send_chat_message" in line
        and "We're raiding someone in 30 seconds! Get ready!" in line
        for line in lines
    )
    assert '  +00:30  execute_raid   twitch.raid_channel {"target_channel": "someone"}' in lines
    assert lines[-1] == "Status: succeeded after 30 s of virtual time"


def test_simulate_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    result = simulate_json(capsys, RAID, "--set", "raid_target=someone")
    assert result == {
        "workflow_id": "raid_workflow",
        "status": "succeeded",
        "path": ["prepare_raid", "announce_raid", "wait_for_raid", "execute_raid", "end_stream"],
        "actions": [
            {
                "step": "prepare_raid",
                "service": "obs",
                "action": "set_current_scene",
                "params": {"scene_name": "Raid Screen"},
            },
            {
                "step": "announce_raid",
                "service": "twitch",
                "action": "send_chat_message",
                "params": {"message": "We're raiding someone in 30 seconds! Get ready!"},
            },
            {
                "step": "wait_for_raid",
                "service": "internal",
                "action": "wait",
                "params": {"seconds": 30},
            },
            {
                "step": "execute_raid",
                "service": "twitch",
                "action": "raid_channel",
                "params": {"target_channel": "someone"},
            },
            {"step": "end_stream", "service": "obs", "action": "stop_streaming", "params": {}},
        ],
        "error": None,
        "errors": [],
    }


def test_simulate_outcomes(capsys: pytest.CaptureFixture[str]) -> None:
    cancelled = simulate_json(
        capsys, RAID, "--set", "raid_target=x", "--outcome", "wait_for_raid=cancel"
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["path"] == ["prepare_raid", "announce_raid", "wait_for_raid", "end_stream"]
    assert cancelled["error"] is None
    failed = simulate_json(capsys, RAID, "--set", "raid_target=x", "--outcome", "end_stream=error")
    assert failed["status"] == "failed"
    assert failed["error"] == {
        "step": "end_stream",
        "type": "simulated",
        "message": "simulated error",
    }
    timed_out = simulate_json(
        capsys, RAID, "--set", "raid_target=x", "--outcome", "announce_raid=timeout"
    )
    assert timed_out["path"] == ["prepare_raid", "announce_raid", "end_stream"]


def test_simulate_set_is_dotted_and_json_or_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "echo.yaml",
        "id: echo\nsteps:\n"
        "  - id: say\n    service: internal\n    action: log\n"
        "    params: {message: '${config.channel} ${count} ${flag} ${name} ${items.1} ${quoted}'}\n"
        "  - id: keep\n    service: internal\n    action: set_variables\n"
        "    params: {copy: '${count}', flag_copy: '${flag}', items_copy: '${items}'}\n",
    )
    result = simulate_json(
        capsys,
        path,
        "--set",
        "config.channel=123",
        "--set",
        "count=5",
        "--set",
        "flag=true",
        "--set",
        "name=some one",
        "--set",
        'items=["a", "b"]',
        "--set",
        'quoted="7"',
    )
    assert result["status"] == "succeeded"
    assert result["actions"][0]["params"]["message"] == "123 5 true some one b 7"
    assert result["actions"][1]["params"] == {
        "copy": 5,
        "flag_copy": True,
        "items_copy": ["a", "b"],
    }


def test_simulate_result_override(capsys: pytest.CaptureFixture[str]) -> None:
    result = simulate_json(
        capsys,
        str(WORKFLOWS / "stream_end_processing.json"),
        "--set",
        "config.discord_channel_id=42",
        "--result",
        'create_highlight={"url": "https://clips.example/abc"}',
    )
    share = next(a for a in result["actions"] if a["step"] == "share_highlight")
    assert share["params"] == {
        "channel_id": "42",
        "message": "Check out this highlight: https://clips.example/abc",
    }


def test_simulate_failed_run_still_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = cli(capsys, "simulate", str(WORKFLOWS / "stream_start_sequence.json"))
    assert code == 0
    assert "Status: failed" in out
    assert (
        "Error: send_discord_notification: '${config.discord_channel_id}': "
        "nothing is named 'config' (template_error)" in out
    )


def test_simulate_invalid_file_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.json", '{"id": "bad", "steps": []}')
    code, out, err = cli(capsys, "simulate", bad, "--json")
    assert code == 1
    assert out == ""
    assert err == f"{bad}: steps: needs at least one step\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--set", "novalue"], "--set 'novalue': expected NAME=VALUE"),
        (["--set", "a..b=1"], "--set 'a..b=1': 'a..b' is not a variable name"),
        (["--set", "a=1", "--set", "a.b=2"], "--set 'a.b=2': 'a' was already set to a value"),
        (
            ["--outcome", "nowhere=error"],
            "--outcome: there is no step 'nowhere' (steps: prepare_raid",
        ),
        (
            ["--outcome", "end_stream=explode"],
            "--outcome 'end_stream=explode': the outcome is error, timeout or cancel",
        ),
        (["--result", "end_stream={bad"], "--result 'end_stream={bad': not JSON"),
    ],
)
def test_simulate_usage_errors_exit_two(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out, err = cli(capsys, "simulate", RAID, *extra)
    assert code == 2
    assert out == ""
    assert err.startswith("usage: stream-workflows")
    assert f"stream-workflows simulate: error: {message}" in err


def test_simulate_missing_required_input_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _out, err = cli(capsys, "simulate", str(WORKFLOWS / "going_live.yaml"))
    assert code == 2
    assert "stream-workflows simulate: error: --set: input 'title' is required" in err
    assert "Traceback" not in err


def test_simulate_stops_a_workflow_that_loops_for_ever(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "loop.yaml",
        "id: loop\ninitial_state: a\nstates:\n"
        "  - {name: a, action: {service: internal, action: wait, params: {seconds: 60}},\n"
        "     transitions: {success: b}}\n"
        "  - {name: b, transitions: {success: a}}\n",
    )
    result = simulate_json(capsys, path)
    assert result["status"] == "cancelled"
    assert result["error"]["type"] == "rehearsal_limit"
    # the first visit of each state is free; the 1,001st repeat stops the rehearsal
    assert len(result["path"]) == 2 + 1_001


@pytest.mark.parametrize(
    "argv", [[], ["frobnicate"], ["validate"], ["simulate"], ["simulate", RAID, "--bogus"]]
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _out, err = cli(capsys, *argv)
    assert code == 2
    assert "usage: stream-workflows" in err


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = cli(capsys, "--help")
    assert code == 0
    assert "validate" in out
    assert "simulate" in out


# -- graph --------------------------------------------------------------------------------


def test_graph_prints_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = cli(capsys, "graph", RAID)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "flowchart TD"
    assert "    start(( )) --> n_prepare_raid" in lines
    assert "    n_wait_for_raid -->|cancel| n_end_stream" in lines
    assert '    n_end_stream(["end_stream<br/>obs.stop_streaming"])' in lines


def test_graph_of_an_invalid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "bad.yaml", "id: bad\n")
    code, out, err = cli(capsys, "graph", bad)
    assert code == 1
    assert out == ""
    assert err.startswith(f"{bad}: (document): a workflow has exactly one of")


# -- the installed command ------------------------------------------------------------------


def test_the_installed_command(tmp_path: Path) -> None:
    command = ROOT / ".venv" / "bin" / "stream-workflows"
    if not command.exists():
        pytest.skip(f"{command} is not installed (run the setup)")
    done = subprocess.run(
        [str(command), "simulate", RAID, "--set", "raid_target=someone", "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["path"] == [
        "prepare_raid",
        "announce_raid",
        "wait_for_raid",
        "execute_raid",
        "end_stream",
    ]
    bad = write(tmp_path, "bad.json", '{"id": "bad", "steps": 3}')
    done = subprocess.run(
        [str(command), "validate", bad], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr == f"{bad}: steps: expected list\n"
    assert "Traceback" not in done.stderr


def test_simulate_stops_an_instant_loop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "spin.yaml",
        "id: spin\ninitial_state: a\nstates:\n"
        "  - {name: a, action: {service: internal, action: noop}, transitions: {success: b}}\n"
        "  - {name: b, transitions: {success: a}}\n",
    )
    result = simulate_json(capsys, path)
    assert result["status"] == "cancelled"
    assert result["error"] == {
        "step": "a",
        "type": "rehearsal_limit",
        "message": "stopped after 1000 repeats (steps entered again and actions retried); "
        "the workflow seems to loop, last at 'a'",
    }
