"""Conditions: comparisons by path, combined with all/any/not; never evaluated as code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from custom_components.stream_workflows.engine.conditions import (
    ConditionError,
    describe,
    evaluate,
)
from custom_components.stream_workflows.engine.errors import TemplateError
from custom_components.stream_workflows.engine.model import Condition
from custom_components.stream_workflows.engine.template import lookup

from .helpers import build, finish

VALUES: dict[str, Any] = {
    "viewers": 42,
    "name": "Raider",
    "tags": ["chill", "games"],
    "result": {"ok": True, "url": "https://x"},
    "empty": "",
    "limit": 40,
}


def compare(path: str, operator: str, operand: Any = True) -> Condition:
    return Condition(kind="compare", path=path, operator=operator, operand=operand)


def check(condition: Condition, templates: Any = None) -> bool:
    return evaluate(condition, lambda p: lookup(VALUES, p), lambda: dict(VALUES), templates)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (compare("viewers", "equals", 42), True),
        (compare("viewers", "equals", "42"), False),
        (compare("viewers", "not_equals", 41), True),
        (compare("viewers", "gt", 41), True),
        (compare("viewers", "gt", 42), False),
        (compare("viewers", "gte", 42), True),
        (compare("viewers", "lt", 43), True),
        (compare("viewers", "lte", 41), False),
        (compare("viewers", "gt", "${limit}"), True),
        (compare("name", "in", ["Raider", "Other"]), True),
        (compare("name", "not_in", ["Other"]), True),
        (compare("tags", "contains", "games"), True),
        (compare("name", "contains", "aid"), True),
        (compare("name", "matches", "^R.*r$"), True),
        (compare("name", "matches", "^x"), False),
        (compare("result.ok", "truthy"), True),
        (compare("empty", "truthy"), False),
        (compare("empty", "truthy", False), True),
        (compare("result.url", "exists"), True),
        (compare("result.missing", "exists"), False),
        (compare("result.missing", "exists", False), True),
        (compare("nowhere.at.all", "exists"), False),
    ],
)
def test_comparisons(condition: Condition, expected: bool) -> None:
    assert check(condition) is expected


def test_combinators() -> None:
    yes = compare("viewers", "gt", 1)
    no = compare("viewers", "lt", 1)
    assert check(Condition(kind="all", children=(yes, yes)))
    assert not check(Condition(kind="all", children=(yes, no)))
    assert check(Condition(kind="any", children=(no, yes)))
    assert not check(Condition(kind="any", children=(no, no)))
    assert check(Condition(kind="not", children=(no,)))
    assert check(Condition(kind="all", children=()))


def test_any_stops_at_the_first_match() -> None:
    missing = compare("nowhere", "equals", 1)
    assert check(Condition(kind="any", children=(compare("viewers", "gt", 1), missing)))
    with pytest.raises(TemplateError):
        check(Condition(kind="all", children=(compare("viewers", "gt", 1), missing)))


def test_a_missing_path_is_an_error_not_false() -> None:
    with pytest.raises(TemplateError, match="nothing is named 'nowhere'"):
        check(compare("nowhere", "equals", 1))


@pytest.mark.parametrize(
    "condition",
    [
        compare("viewers", "gt", "many"),
        compare("viewers", "in", 5),
        compare("viewers", "contains", 4),
        compare("name", "lt", None),
    ],
)
def test_incomparable_values_are_condition_errors(condition: Condition) -> None:
    with pytest.raises(ConditionError) as caught:
        check(condition)
    assert caught.value.error_type == "condition_error"
    assert str(caught.value).startswith("cannot compare ")


def test_invalid_regular_expression_at_run_time_is_a_condition_error() -> None:
    with pytest.raises(ConditionError, match="not a valid regular expression"):
        check(compare("name", "matches", "${result.url}("))


def test_templates_need_a_host() -> None:
    condition = Condition(kind="template", template="{{ viewers > 3 }}")
    with pytest.raises(ConditionError, match="need Home Assistant"):
        check(condition)
    seen: list[tuple[str, Mapping[str, Any]]] = []

    def host(template: str, scope: Mapping[str, Any]) -> bool:
        seen.append((template, scope))
        return True

    assert check(condition, host)
    assert seen == [("{{ viewers > 3 }}", VALUES)]


def test_describe() -> None:
    condition = Condition(
        kind="all",
        children=(
            compare("viewers", "gt", 3),
            Condition(kind="not", children=(compare("name", "equals", "x"),)),
            Condition(kind="template", template="{{ 1 }}"),
        ),
    )
    assert describe(condition) == "(viewers gt 3 and not name equals 'x' and template)"


async def test_steps_with_if_run_or_are_skipped(engine_parts: Any) -> None:
    engine, _clock, recorder = engine_parts
    noop = {"service": "internal", "action": "noop"}
    definition = build(
        {
            "id": "conditional",
            "steps": [
                {"id": "big", **noop, "if": {"path": "viewers", "gte": 100}},
                {"id": "small", **noop, "if": {"path": "viewers", "lt": 100}},
                {
                    "id": "named",
                    **noop,
                    "if": {
                        "all": [
                            {"path": "who", "exists": True},
                            {"not": {"path": "who", "equals": ""}},
                        ]
                    },
                },
            ],
        }
    )
    run = engine.start(definition, {"viewers": 12, "who": "x"})
    assert await finish(run) == "succeeded"
    assert recorder.steps() == ["small", "named"]
    assert run.path == ["small", "named"]
    skipped = [e for e in run.history.as_dicts() if e["event"] == "step_skipped"]
    assert skipped == [
        {
            "at": "2026-01-01T20:00:00+00:00",
            "event": "step_skipped",
            "step": "big",
            "reason": "condition",
        }
    ]


async def test_a_condition_that_cannot_be_decided_fails_the_run(engine_parts: Any) -> None:
    engine, _clock, recorder = engine_parts
    definition = build(
        {
            "id": "undecided",
            "steps": [
                {"id": "a", "service": "internal", "action": "noop", "if": {"path": "n", "gt": 3}},
            ],
        }
    )
    run = engine.start(definition, {"n": "many"})
    assert await finish(run) == "failed"
    assert run.error is not None
    assert run.error.step == "a"
    assert run.error.type == "condition_error"
    assert run.error.message.startswith("condition: cannot compare 'n' (str) gt 3")
    assert recorder.steps() == []
