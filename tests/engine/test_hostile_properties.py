"""Property tests: generated hostile documents and arguments never crash, hang or grow.

Documents are assembled from the fragments issue 8 found harmful (impossible dates, tags,
long numbers, non-finite numbers, keys YAML reads as booleans, aliases, deep nesting,
control characters, catastrophic patterns) in workflow-shaped YAML and JSON. They go to
`validate` and `simulate` through the real entry point `main(argv)`, and to the folder
loader of Home Assistant; the contract: exit codes as DESIGN.md §4, one located line per
problem, strict JSON, no traceback, bounded memory.
"""

from __future__ import annotations

import json
import signal
import subprocess
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.cli import main
from custom_components.stream_workflows.sources import load_folder

from .test_hostile_cli import COMMAND, strict_json

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_SCALARS = [
    "2020-13-45",
    "2020-01-02",
    "!!int abc",
    "!!bool maybe",
    "!!timestamp x",
    "!!binary aGk=",
    "!!set {a, b}",
    "!!python/object:os.system ls",
    ".nan",
    ".inf",
    "-.inf",
    "~",
    "on",
    "yes",
    "1.0e+12",
    "1.0e+308",
    "9" * 400,
    "9" * 5000,
    "-1",
    "0",
    "true",
    "'a\\n'",
    '"\\u2028\\x1b[31m"',
    "*nowhere",
    "0x1F",
    "1:30",
    "'${x}'",
    "'${items.--1}'",
    "'9999-12-31T23:59:59-12:00'",
    "'^(a+)+$'",
    "'a{4294967296}'",
    "'" + "(" * 30 + "a" + ")" * 30 + "'",
    "[1, 2]",
    "{a: 1}",
    "5",
    "0.5",
    "noop",
    "wait",
]
SCALARS = st.sampled_from(HOSTILE_SCALARS)
NAMES = st.sampled_from(["a", "b", "s_1", "a-b", "on", "1", "'x\\n'", "id", "<<"])
# (service, action, parameter, a value it takes): most of a document is benign, so that
# hostile values meet every stage: validation, the rehearsal, the output
ACTIONS = [
    ("internal", "noop", None, None),
    ("internal", "wait", "seconds", "5"),
    ("internal", "wait", "until", "'21:00'"),
    ("internal", "log", "message", "hi"),
    ("internal", "set_variables", "x", "2020-01-02"),
    ("internal", "fire_event", "event", "go"),
    ("twitch", "create_clip", "duration", "30"),
    ("twitch", "create_poll", "title", "t"),
]


# hostile about once in ten: `integers()` would favour its bounds, `sampled_from` does not
RARELY = st.sampled_from([False] * 9 + [True])


@st.composite
def value(draw: st.DrawFn, benign: str) -> str:
    """`benign`, or now and then a hostile scalar."""
    return draw(SCALARS) if draw(RARELY) else benign


@st.composite
def yaml_workflows(draw: st.DrawFn) -> str:
    """A workflow-shaped YAML text with hostile values in random places."""
    lines = [f"id: {draw(value('w'))}"]
    if draw(RARELY):
        lines.append(f"{draw(NAMES)}: {draw(SCALARS)}")
    shape = draw(st.sampled_from(["steps", "states", "nodes"]))
    count = draw(st.integers(1, 4))
    if shape == "states":
        lines.append(f"initial_state: {draw(value('s0'))}")
    lines.append(f"{shape}:")
    for index in range(count):
        key = "name" if shape == "states" else "id"
        lines.append(f"  - {key}: {draw(value(f's{index}'))}")
        service, action, param, benign = draw(st.sampled_from(ACTIONS))
        params = f"{{{param}: {draw(value(benign))}}}" if param else "{}"
        if action == "create_poll":
            params = f"{{title: {draw(value('t'))}, choices: [a, b]}}"
        extra = ""
        if draw(RARELY):
            extra += f", timeout: {draw(value('10'))}"
        if draw(RARELY):
            extra += f", retry: {{max_attempts: {draw(value('2'))}, interval: {draw(value('1'))}}}"
        action_text = f"{{service: {service}, action: {action}, params: {params}{extra}}}"
        if shape == "states":
            lines.append(f"    action: {action_text}")
        else:
            lines.append(f"    <<: {action_text}")
        if draw(RARELY):
            lines.append(f"    if: {{path: x, matches: {draw(value(repr('^a')))}}}")
        if shape == "states" and index + 1 < count:
            lines.append(f"    transitions: {{success: {draw(value(f's{index + 1}'))}}}")
        if shape == "nodes" and index:
            lines.append(f"    depends_on: [{draw(value(f's{index - 1}'))}]")
    lines.append(f"variables: {{x: {draw(value('abc'))}}}")
    if draw(RARELY):
        depth = draw(st.sampled_from([10, 60, 64, 65, 5000]))
        lines.append("inputs: {y: {default: " + "[" * depth + "]" * depth + "}}")
    return "\n".join(lines) + "\n"


JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["${x}", "a\n", "\u2028", "2020-13-45", "^(a+)+$"]),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@st.composite
def json_workflows(draw: st.DrawFn) -> str:
    service, action, param, _benign = draw(st.sampled_from(ACTIONS))
    step: dict[str, Any] = {"id": draw(st.sampled_from(["a", "a", "a", "a\n", "b-c"]))}
    step.update(service=service, action=action, params={})
    if param == "seconds":
        step["params"] = {"seconds": draw(st.one_of(st.integers(0, 100), JSON_LEAVES))}
    elif param in ("message", "event", "x"):
        step["params"] = {param: draw(st.one_of(st.text(min_size=1, max_size=9), JSON_VALUES))}
    elif action == "create_poll":
        step["params"] = {"title": "t", "choices": ["a", "b"], "duration": draw(JSON_LEAVES)}
    if draw(RARELY):
        step["retry"] = {"max_attempts": draw(JSON_LEAVES), "interval": draw(JSON_LEAVES)}
    if draw(RARELY):
        step["timeout"] = draw(JSON_LEAVES)
    document = {"id": "j", "variables": {"v": draw(JSON_VALUES)}, "steps": [step]}
    text = json.dumps(document)  # NaN and Infinity come out as the non-JSON tokens
    if draw(RARELY):
        text = text.replace('"id": "j"', '"id": "j", "id": "k"', 1)
    if draw(RARELY):
        text = text.replace("[", "[" * 3000, 1).replace("]", "]" * 3000, 1)
    return text


@contextmanager
def hang_guard(seconds: int = 30) -> Iterator[None]:
    """Fail instead of hanging (a generous bound, not a timing assertion)."""

    def expired(_signal: int, _frame: Any) -> None:
        raise AssertionError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with hang_guard(), pytest.raises(SystemExit) as exited:
        main(list(argv))
    out, err = capsys.readouterr()
    code = exited.value.code
    assert isinstance(code, int)
    assert "Traceback" not in out + err
    return code, out, err


def check_file(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    code, out, err = invoke(capsys, "validate", str(path))
    assert code in (0, 1), err
    event("valid" if code == 0 else "invalid")
    for line in err.splitlines():
        assert line.startswith(f"{path}: "), line
    if code == 1:
        assert out == ""
        assert err
        return
    assert out.startswith(f"{path}: ok")
    code, out, err = invoke(capsys, "simulate", str(path), "--json")
    assert code == 0, err
    result = strict_json(out)
    assert result["status"] in ("succeeded", "failed", "cancelled")
    event(f"rehearsal {result['status']}")
    code, out, err = invoke(capsys, "simulate", str(path))
    assert code == 0, err
    assert "Status: " in out
    code, out, err = invoke(capsys, "graph", str(path))
    assert code == 0, err


@SETTINGS
@given(text=yaml_workflows())
def test_hostile_yaml_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    check_file(capsys, path)


@SETTINGS
@given(text=json_workflows())
def test_hostile_json_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(text)
    check_file(capsys, path)


ARGUMENT_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "9" * 5000,
            "[" * 20_000 + "]" * 20_000,
            "NaN",
            "-Infinity",
            '{"a": 1, "a": 2}',
            "1e999",
            "\x00\n",
            "{" * 70 + "}" * 70,
        ]
    ),
    JSON_VALUES.map(json.dumps),
)


@SETTINGS
@given(
    names=st.lists(st.sampled_from(["x", "a.b", "a..b", "=", "config.id", ""]), max_size=3),
    values=st.lists(ARGUMENT_VALUES, min_size=3, max_size=3),
    result=ARGUMENT_VALUES,
)
def test_hostile_arguments(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    names: list[str],
    values: list[str],
    result: str,
) -> None:
    path = tmp_path / "args.yaml"
    path.write_text(
        "id: args\nsteps:\n"
        "  - {id: a, service: internal, action: log, params: {message: 'hi'}}\n"
        "  - {id: b, service: internal, action: noop, if: {path: a.message, matches: '^h'}}\n"
    )
    argv = ["simulate", str(path), "--json", "--result", f"a={result}"]
    for name, value in zip(names, values, strict=False):
        argv += ["--set", f"{name}={value}"]
    code, out, err = invoke(capsys, *argv)
    assert code in (0, 2), err
    if code == 0:
        strict_json(out)
    else:
        assert out == ""
        assert err.splitlines()[-1].startswith("stream-workflows simulate: error: ")
        assert len(err.splitlines()) == 2


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(texts=st.lists(st.one_of(yaml_workflows(), json_workflows()), min_size=1, max_size=5))
def test_the_folder_loader_never_raises(tmp_path_factory: Any, texts: list[str]) -> None:
    folder: Path = tmp_path_factory.mktemp("folder")
    for index, text in enumerate(texts):
        suffix = ".json" if text.startswith("{") else ".yaml"
        (folder / f"f{index}{suffix}").write_text(text)
    good = folder / "zz_good.yaml"
    good.write_text("id: zz_good\nsteps:\n  - {id: a, service: internal, action: noop}\n")
    tracemalloc.start()
    try:
        with hang_guard():
            sources = load_folder(folder, default_registry())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 512 * 2**20  # bounded: an alias bomb used to take gigabytes
    assert [source.label for source in sources] == sorted(p.name for p in folder.iterdir())
    by_label = {source.label: source for source in sources}
    assert by_label["zz_good.yaml"].valid
    for source in sources:
        assert source.valid or source.errors
        for problem in source.errors:
            assert "\n" not in problem.format(source.label)


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.one_of(yaml_workflows(), json_workflows()))
def test_hostile_documents_through_the_installed_command(tmp_path_factory: Any, text: str) -> None:
    path: Path = tmp_path_factory.mktemp("installed") / (
        "w.json" if text.startswith("{") else "w.yaml"
    )
    path.write_text(text)

    def command(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(COMMAND), *argv], capture_output=True, text=True, check=False, timeout=120
        )

    validated = command("validate", str(path))
    assert validated.returncode in (0, 1), validated.stderr
    assert "Traceback" not in validated.stderr
    assert all(line.startswith(f"{path}: ") for line in validated.stderr.splitlines())
    if validated.returncode == 0:
        simulated = command("simulate", str(path), "--json")
        assert simulated.returncode == 0, simulated.stderr
        assert "Traceback" not in simulated.stderr
        strict_json(simulated.stdout)
