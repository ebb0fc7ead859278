"""Hostile files: every one ends in located problems (or a normal definition), at once.

One regression test per family of issue 8's loading findings: special files, size, alias
bombs and circular aliases, duplicate and non-text keys, YAML tags, dates, deep nesting, long
numbers, several documents, and problems that could forge extra lines.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import load_definition, load_file, parse_text
from custom_components.stream_workflows.engine.errors import Problem
from custom_components.stream_workflows.engine.loading import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    read_document,
)

NOOP_STEPS = "steps:\n  - {id: a, service: internal, action: noop}\n"


def messages(text: str, fmt: str = "yaml") -> list[str]:
    document, problems = parse_text(text, fmt)
    assert document is None
    return [problem.format() for problem in problems]


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "x.json"
    os.mkfifo(fifo)
    assert read_document(fifo) == (
        None,
        [Problem("", "cannot read the file: not a regular file")],
    )


def test_a_link_to_dev_zero_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    definition, problems = load_file(link, default_registry())
    assert definition is None
    assert [p.message for p in problems] == ["cannot read the file: not a regular file"]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("id: big\n" + NOOP_STEPS + "# " + "x" * MAX_FILE_BYTES + "\n")
    definition, problems = load_file(big, default_registry())
    assert definition is None
    assert problems[0].message.startswith(
        f"the file is larger than the limit of {MAX_FILE_BYTES} bytes for a workflow file"
    )
    small = tmp_path / "small.yaml"
    small.write_text("id: small\n" + NOOP_STEPS)
    assert read_document(small, max_bytes=10)[1][0].message.startswith(
        "the file is larger than the limit of 10 bytes"
    )


def test_an_alias_bomb_is_stopped_by_the_budget() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    found = messages("\n".join(lines))
    assert len(found) == 1
    assert "more than 1000000 values in one document (aliases expanded)" in found[0]


def test_a_circular_alias_is_a_problem() -> None:
    assert messages("id: w\nsteps: &s [*s]\n") == [
        "steps[0]: the alias *s refers to a value that contains it (line 2, column 12)"
    ]


def test_aliases_and_merge_keys_within_budget_are_copied() -> None:
    document, problems = parse_text(
        "defaults: &d {service: internal, action: noop}\n"
        "steps:\n  - {<<: *d, id: a}\n  - {<<: *d, id: b, action: log, params: {message: m}}\n",
        "yaml",
    )
    assert problems == []
    assert document["steps"][0] == {"service": "internal", "action": "noop", "id": "a"}
    assert document["steps"][1]["action"] == "log"
    document["steps"][0]["service"] = "changed"  # copies, never shared
    assert document["defaults"]["service"] == "internal"


def test_duplicate_keys_are_refused_in_yaml_and_json() -> None:
    assert messages("id: w\nid: x\n" + NOOP_STEPS) == ["id: duplicate key 'id' (line 2, column 1)"]
    assert messages('{"id": "w", "steps": [{"id": "a", "id": "b"}]}', "json") == [
        "steps[0].id: duplicate key 'id'"
    ]


def test_keys_that_are_not_text_are_located() -> None:
    assert messages("id: w\non: x\n1: y\n~: z\n[a]: b\n" + NOOP_STEPS) == [
        "(document): the key true is not text: YAML reads on/off/yes/no as true/false; "
        "put the key in quotes (line 2, column 1)",
        "(document): the key 1 is a number: keys are text; put it in quotes (line 3, column 1)",
        "(document): a key is empty (null): put the key in quotes (line 4, column 1)",
        "(document): a key of type list is not allowed: keys are text (line 5, column 3)",
    ]


def test_yaml_tags_are_plain_values_or_located_problems() -> None:
    assert messages(
        "a: !!int abc\nb: !!bool maybe\nc: !!timestamp x\nd: !!binary aGk=\ne: !!set {x}\n"
        "f: !!python/object:os.system ls\n"
    ) == [
        "a: 'abc' is not an integer (line 1, column 4)",
        "b: 'maybe' is not true or false (line 2, column 4)",
        "c: 'x' is not a date (line 3, column 4)",
        "d: the YAML tag '!!binary' is not supported in workflow files (use plain text, "
        "numbers, true/false, lists and mappings) (line 4, column 4)",
        "e: the YAML tag '!!set' is not supported in workflow files (use plain text, "
        "numbers, true/false, lists and mappings) (line 5, column 4)",
        "f: the YAML tag '!!python/object:os.system' is not supported in workflow files "
        "(use plain text, numbers, true/false, lists and mappings) (line 6, column 4)",
    ]
    document, problems = parse_text("a: !!int '12'\nb: !!str 12\nc: !!float 1\nd: 0x1F\n", "yaml")
    assert (document, problems) == ({"a": 12, "b": "12", "c": 1.0, "d": 31}, [])


def test_dates_stay_text_even_impossible_ones() -> None:
    definition, problems = load_definition(
        parse_text(
            "id: w\nname: 2020-13-45\ndescription: 2020-01-02 10:00:00\n"
            "steps:\n  - {id: a, service: internal, action: log, params: {message: 2021-02-03}}\n",
            "yaml",
        )[0],
        default_registry(),
    )
    assert problems == []
    assert definition is not None
    assert definition.name == "2020-13-45"
    assert definition.description == "2020-01-02 10:00:00"
    assert definition.steps[0].action is not None
    assert definition.steps[0].action.params["message"] == "2021-02-03"


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_deep_nesting_is_refused_before_anything_recurses(fmt: str) -> None:
    text = "[" * 100_000 + "]" * 100_000
    found = messages(text, fmt)
    assert len(found) == 1
    assert f"nested deeper than {MAX_DEPTH} levels" in found[0]
    shallow = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_text(shallow, fmt)[1] == []


def test_numbers_of_more_than_4300_digits_are_problems() -> None:
    digits = "9" * 5000
    assert messages(f"id: w\ntimeout: {digits}\n") == [
        "timeout: a number of more than 4300 digits (line 2, column 10)"
    ]
    assert messages(f'{{"id": "w", "timeout": {digits}}}', "json") == [
        "timeout: a number of 5000 digits; numbers have at most 4300"
    ]


def test_json_nan_and_infinity_are_not_json() -> None:
    assert messages('{"a": NaN, "b": [-Infinity]}', "json") == [
        "a: NaN is not JSON; write a number, or text in quotes",
        "b[0]: -Infinity is not JSON; write a number, or text in quotes",
    ]


def test_one_workflow_per_file() -> None:
    assert messages("id: a\n---\nid: b\n") == [
        "(document): one workflow per file: this file has a second document (line 2, column 1)"
    ]


def test_a_problem_is_always_one_line() -> None:
    document = json.loads('{"id": "w\\nfake.yaml: id: ok", "steps": [{"id": "a\\u2028b"}]}')
    _, problems = load_definition(document, default_registry())
    lines = [problem.format("evil\nname.yaml") for problem in problems]
    assert lines
    for line in lines:
        assert "\n" not in line
        assert "\u2028" not in line
        assert line.startswith("evil\\nname.yaml: ")
    assert any("'w\\nfake.yaml: id: ok' is not a valid workflow id" in line for line in lines)


def test_documents_from_elsewhere_get_the_same_bounds() -> None:
    """Home Assistant storage and the websocket API hand over Python values, not files."""
    deep: list[object] = []
    inner = deep
    for _ in range(1000):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    definition, problems = load_definition(
        {"id": "w", "variables": {"x": deep, 3: "y", "s": {1, 2}}, "steps": []},
        default_registry(),
    )
    assert definition is None
    assert sorted(problem.format() for problem in problems) == [
        "variables.s: a value of type set is not allowed in a workflow",
        "variables.x" + "[0]" * (MAX_DEPTH - 2) + f": nested deeper than {MAX_DEPTH} levels",
        "variables: the key 3 is a number: keys are text; put it in quotes",
    ]


def test_a_flood_of_problems_is_capped(tmp_path: Path) -> None:
    flood = tmp_path / "flood.yaml"
    flood.write_text(
        "id: w\nsteps:\n" + "".join(f"  - {{id: s{i}, timeout: !!int x{i}}}\n" for i in range(1000))
    )
    definition, problems = load_file(flood, default_registry())
    assert definition is None
    assert len(problems) == 201
    assert problems[0].message == "'x0' is not an integer (line 3, column 23)"
    assert problems[-1] == Problem("", "... and 800 more problems")
    warned = {  # warnings only: still valid, however many
        "id": "w",
        "initial_state": "a",
        "states": [{"name": "a"}, *({"name": f"u{i}"} for i in range(300))],
    }
    definition, problems = load_definition(warned, default_registry())
    assert definition is not None
    assert len(problems) == 201
    assert problems[-1] == Problem("", "... and 100 more problems", "warning")
