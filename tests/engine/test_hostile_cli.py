"""`stream-workflows` given hostile files and arguments: exit codes as DESIGN.md §4 (0 ran,
1 invalid, 2 usage; 3 internal error, 4 output not written), one line per problem, strict
JSON, and never a traceback, through `main(argv)` and the installed command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.cli import EXIT_INTERNAL, main

from .test_cli import write

ROOT = Path(__file__).parents[2]
COMMAND = ROOT / ".venv" / "bin" / "stream-workflows"
RAID = str(ROOT / "workflows" / "raid_workflow.json")


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    code = exited.value.code
    assert isinstance(code, int)
    return code, out, err


def strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_every_problem_of_every_file_is_one_located_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [
        write(tmp_path, "tags.yaml", "id: t\nsteps: !!binary aGk=\n"),
        write(tmp_path, "keys.yaml", "id: k\non: x\nsteps: []\n"),
        write(tmp_path, "dup.json", '{"id": "d", "id": "e", "steps": []}'),
        write(tmp_path, "deep.json", "[" * 20_000 + "]" * 20_000),
        write(tmp_path, "bomb.yaml", "a: &a [*a]\n"),
        write(tmp_path, "new\nline.yaml", "id: 'x\\ny'\nsteps: []\n"),
    ]
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    code, out, err = invoke(capsys, "validate", *files, str(fifo))
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    named = [f.replace("\n", "\\n") for f in files] + [str(fifo)]
    assert {line.split(": ", 1)[0] for line in lines} == set(named)
    assert f"{fifo}: (document): cannot read the file: not a regular file" in lines


def test_values_yaml_produces_are_rehearsed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "values.yaml",
        "id: v\nsteps:\n  - id: s\n    service: internal\n    action: set_variables\n"
        "    params: {day: 2020-01-02, big: .inf, small: -.inf, odd: .nan}\n",
    )
    code, out, _err = invoke(capsys, "simulate", path, "--json")
    assert code == 0
    result = strict_json(out)
    assert result["actions"][0]["params"] == {
        "day": "2020-01-02",
        "big": "Infinity",
        "small": "-Infinity",
        "odd": "NaN",
    }
    code, out, _err = invoke(capsys, "simulate", path)
    assert code == 0
    assert '"big": "Infinity"' in out


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--set", "x=" + "9" * 5000, "a number of 5000 digits; numbers have at most 4300"),
        ("--set", "x=" + "[" * 20_000 + "]" * 20_000, "nested deeper than 64 levels"),
        ("--result", "a=" + "[" * 20_000 + "]" * 20_000, "nested deeper than 64 levels"),
        ("--result", "a=" + "1" * 5000, "a number of 5000 digits"),
        ("--result", "a=[NaN]", "NaN is not JSON"),
        ("--result", 'a={"k": 1, "k": 2}', "duplicate key 'k' at k"),
    ],
)
def test_hostile_arguments_are_usage_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    path = write(
        tmp_path, "w.yaml", "id: w\nsteps:\n  - {id: a, service: internal, action: noop}\n"
    )
    code, out, err = invoke(capsys, "simulate", path, option, value)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.splitlines()) == 2  # the usage line and the error
    assert max(len(line) for line in err.splitlines()) < 300


def test_an_unexpected_error_is_one_line_with_its_own_exit_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = io.StringIO()
    closed.close()  # stdout closed under the command: a failure nothing in it expects
    monkeypatch.setattr(sys, "stdout", closed)
    with pytest.raises(SystemExit) as exited:
        main(["validate", RAID])
    assert exited.value.code == EXIT_INTERNAL == 3
    err = capsys.readouterr().err
    assert err == (
        "stream-workflows: internal error: ValueError: I/O operation on closed file "
        "(please report this)\n"
    )


def run_command(
    *argv: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    assert COMMAND.exists(), "the setup installs stream-workflows into .venv/bin"
    return subprocess.run(
        [str(COMMAND), *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **env},
    )


def test_the_installed_command_refuses_hostile_files_quickly(tmp_path: Path) -> None:
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    bomb = write(
        tmp_path,
        "bomb.yaml",
        "\n".join(
            ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
            + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
        ),
    )
    done = run_command("validate", str(zero), str(fifo), bomb)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"{zero}: (document): cannot read the file: not a regular file",
        f"{fifo}: (document): cannot read the file: not a regular file",
        f"{bomb}: a5[7]: more than 1000000 values in one document (aliases expanded) "
        "(line 6, column 45)",
    ]


def test_the_installed_command_survives_its_output(tmp_path: Path) -> None:
    long = tmp_path / "long.yaml"
    long.write_text(
        "id: long\nsteps:\n"
        + "".join(f"  - {{id: s{i}, service: internal, action: noop}}\n" for i in range(3000))
    )
    # a closed pipe: quiet, exit 0
    piped = subprocess.run(
        f"'{COMMAND}' simulate '{long}' | head -c 0",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        executable="/bin/bash",
    )
    assert piped.stderr == ""
    # a terminal that cannot show `→`
    ascii_only = run_command("simulate", RAID, LC_ALL="C", PYTHONIOENCODING="ascii", PYTHONUTF8="0")
    assert ascii_only.returncode == 0, ascii_only.stderr
    assert "Path: prepare_raid -> announce_raid -> end_stream" in ascii_only.stdout
    # a full disk: one line, exit 4
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [str(COMMAND), "simulate", RAID],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
        )
    assert done.returncode == 4
    assert done.stderr == "stream-workflows: cannot write the output: No space left on device\n"


def test_the_installed_command_rehearses_strict_json(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "w.yaml",
        "id: w\nsteps:\n  - {id: a, service: internal, action: set_variables, params: {x: .inf}}\n",
    )
    done = run_command("simulate", path, "--json", "--set", "y=" + "9" * 100)
    assert done.returncode == 0, done.stderr
    assert strict_json(done.stdout)["actions"][0]["params"] == {"x": "Infinity"}
