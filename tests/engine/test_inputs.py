"""The one table of input types: checks, and the form field each type asks with."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import (
    InputError,
    WorkflowEngine,
    load_definition,
    parse_text,
)
from custom_components.stream_workflows.engine.inputs import (
    INPUT_TYPES,
    selector_for,
    type_matches,
)

from .helpers import problems_of


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("string", "x", 1),
        ("number", 1.5, True),
        ("integer", 2, 2.0),
        ("boolean", False, 0),
        ("object", {"a": 1}, [1]),
        ("list", [1], {"a": 1}),
    ],
)
def test_each_type_checks_its_values(kind: str, good: Any, bad: Any) -> None:
    assert type_matches(kind, good)
    assert not type_matches(kind, bad)


def test_no_type_takes_anything_and_asks_with_text() -> None:
    assert type_matches(None, object())
    assert selector_for(None) == {"text": {}}
    assert selector_for("integer") == {"number": {"mode": "box", "step": 1}}


def test_a_selector_is_a_copy_a_caller_may_change() -> None:
    selector_for("number")["number"]["mode"] = "slider"
    assert selector_for("number") == {"number": {"mode": "box"}}


@pytest.mark.parametrize("kind", sorted(INPUT_TYPES))
def test_validation_knows_every_type_of_the_table(kind: str) -> None:
    raw = {
        "id": "typed",
        "inputs": {"value": {"type": kind}},
        "steps": [{"id": "a", "service": "internal", "action": "noop"}],
    }
    definition, problems = load_definition(raw, default_registry())
    assert definition is not None, problems
    assert definition.inputs["value"].type == kind


def test_validation_refuses_a_type_not_in_the_table() -> None:
    raw = {
        "id": "typed",
        "inputs": {"value": {"type": "date"}},
        "steps": [{"id": "a", "service": "internal", "action": "noop"}],
    }
    assert any("inputs.value.type" in problem for problem in problems_of(raw))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_a_number_is_finite(value: float) -> None:
    assert not type_matches("number", value)
    assert not type_matches("integer", value)
    assert type_matches("number", 1e300)


@pytest.mark.parametrize("written", [".nan", ".inf", "-.inf"])
def test_a_non_finite_default_is_a_located_problem(written: str) -> None:
    text = (
        "id: typed\ninputs:\n  level:\n    type: number\n"
        f"    default: {written}\nsteps:\n  - id: a\n    service: internal\n    action: noop\n"
    )
    document, parsed = parse_text(text, "yaml")
    assert parsed == []
    definition, problems = load_definition(document, default_registry())
    assert definition is None
    [problem] = [p.format() for p in problems]
    assert problem.startswith("inputs.level.default: ")
    assert "finite number" in problem


async def test_a_non_finite_given_number_names_its_input() -> None:
    engine = WorkflowEngine(default_registry())
    definition, _ = load_definition(
        {
            "id": "typed",
            "inputs": {"level": {"type": "number"}},
            "steps": [{"id": "a", "service": "internal", "action": "noop"}],
        },
        default_registry(),
    )
    assert definition is not None
    with pytest.raises(InputError, match="input 'level' must be a finite number, got nan"):
        engine.start(definition, {"level": float("nan")})
    assert engine.runs() == []
