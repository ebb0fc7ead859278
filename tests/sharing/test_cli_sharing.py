"""`stream-workflows new | templates | export | import`: through `run()` and the installed
command; exit codes 0 done / 1 invalid / 2 usage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from custom_components.stream_workflows.cli import run
from custom_components.stream_workflows.sharing.share import encode_share

TEMPLATES = Path(__file__).parents[2] / "custom_components" / "stream_workflows" / "templates"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = run(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_templates_lists_the_ten(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "templates")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 10
    assert any(line.startswith("raid: Raid - inputs: target (required)") for line in lines)


def test_new_export_import_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    made = tmp_path / "brb.yaml"
    code, _, err = cli(
        capsys,
        "new",
        "be_right_back",
        "--set",
        "seconds=90",
        "--set",
        "reason=tea",
        "-o",
        str(made),
    )
    assert code == 0, err
    code, out, err = cli(capsys, "simulate", str(made), "--json")
    assert code == 0, err
    rehearsal = json.loads(out)
    assert rehearsal["path"] == ["go_brb", "tell_chat", "break_time", "come_back", "welcome_back"]
    assert rehearsal["actions"][1]["params"]["message"].startswith("Be right back: tea!")
    code, share, err = cli(capsys, "export", str(made), "--share")
    assert code == 0, err
    assert share.startswith("sw1:")
    back = tmp_path / "back.yaml"
    code, _, err = cli(capsys, "import", share.strip(), "-o", str(back))
    assert code == 0, err
    code, out, err = cli(capsys, "validate", str(back))
    assert code == 0, err
    code, yaml_text, err = cli(capsys, "export", str(made))
    assert code == 0, err
    assert "schema_version: 2" in yaml_text
    shared_file = tmp_path / "shared.yaml"
    shared_file.write_text(yaml_text)
    code, _, err = cli(capsys, "import", str(shared_file), "-o", str(tmp_path / "again.yaml"))
    assert code == 0, err
    assert "enabled" not in (tmp_path / "again.yaml").read_text()  # it had no triggers
    share_file = tmp_path / "brb.txt"
    share_file.write_text(share)
    code, _, err = cli(capsys, "import", str(share_file), "-o", str(tmp_path / "txt.yaml"))
    assert code == 0, err


def test_import_turns_triggers_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workflow = {
        "id": "on_follow",
        "trigger": "channel_follow",
        "steps": [{"id": "a", "service": "internal", "action": "log", "params": {"message": "hi"}}],
    }
    share = encode_share({"schema_version": 2, "workflows": [workflow]})
    out_file = tmp_path / "on_follow.yaml"
    code, _, err = cli(capsys, "import", share, "-o", str(out_file))
    assert code == 0, err
    assert "enabled: false" in out_file.read_text()


def test_export_reports_removed_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hook.json"
    path.write_text(
        json.dumps(
            {
                "id": "hook",
                "steps": [
                    {
                        "id": "post",
                        "service": "homeassistant",
                        "action": "rest_command.post",
                        "params": {"data": {"password": "hunter2hunter2"}},
                    }
                ],
            }
        )
    )
    code, out, err = cli(capsys, "export", str(path))
    assert code == 0, err
    assert "hunter2hunter2" not in out
    assert "hook: steps[0].params.data.password: removed" in err


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [
        (["new", "raid"], 1, "raid: inputs.target: required"),
        (["new", "raid", "--set", "target=x", "--set", "wait=-5"], 1, "inputs.wait: at least 0"),
        (["new", "no_such_template"], 2, "no template 'no_such_template'"),
        (["new", "raid", "--set", "oops"], 2, "expected NAME=VALUE"),
        (["import", "sw1:abc", "-o", "x.yaml"], 1, "share string: (document): the share string"),
        (["import", "sw2:abc", "-o", "x.yaml"], 1, "newer Stream Workflows"),
        (["import", "sw1:abc"], 2, "-o"),
    ],
)
def test_bad_input_exit_codes(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, words: str
) -> None:
    got, _, err = cli(capsys, *argv)
    assert got == code
    assert words in err
    assert "Traceback" not in err


def test_the_installed_command(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "stream-workflows"
    if not command.exists():
        pytest.skip(f"{command} is not installed (run the setup)")
    made = tmp_path / "raid.yaml"
    done = subprocess.run(
        [str(command), "new", "raid", "--set", "target=pal", "-o", str(made)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [str(command), "export", str(made), "--share"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    share = done.stdout.strip()
    back = tmp_path / "back.yaml"
    done = subprocess.run(
        [str(command), "import", share, "-o", str(back)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    done = subprocess.run(
        [str(command), "simulate", str(back), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["path"] == ["prepare", "announce", "wait", "raid", "end"]
    done = subprocess.run(
        [str(command), "import", share[:-10], "-o", str(tmp_path / "cut.yaml")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert "cut short" in done.stderr
    assert not (tmp_path / "cut.yaml").exists()


def test_main_exits_with_the_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from custom_components.stream_workflows.cli import main

    with pytest.raises(SystemExit) as done:
        main(["new", "wrap_up", "-o", str(tmp_path / "wrap.yaml")])
    assert done.value.code == 0
    with pytest.raises(SystemExit) as done:
        main(["import", "sw1:" + "A" * 8, "-o", str(tmp_path / "bad.yaml")])
    assert done.value.code == 1
    assert "damaged" in capsys.readouterr().err
    assert not (tmp_path / "bad.yaml").exists()
