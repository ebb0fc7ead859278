"""Hostile numbers, names, patterns and results: located problems when the file is checked,
the step's own error when only the run can tell; never a loop, a hang or a raw Python error.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import RehearsalPlan, RunStatus, parse_text
from custom_components.stream_workflows.engine.graph import mermaid
from custom_components.stream_workflows.engine.model import RetryPolicy, WorkflowDefinition
from custom_components.stream_workflows.engine.rehearse import MAX_REPEATS, rehearse

from .conftest import Parts
from .helpers import build, ended, finish, problems_of

NOOP = {"service": "internal", "action": "noop"}


def wait(**params: Any) -> dict[str, Any]:
    return {"service": "internal", "action": "wait", "params": params}


def sequence(*steps: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"id": "w", **top, "steps": [{"id": f"s{i}", **step} for i, step in enumerate(steps)]}


def yaml_errors(text: str) -> list[str]:
    document, problems = parse_text(text, "yaml")
    assert problems == []
    return problems_of(document)


# -- numbers: ranges checked when the file is validated -----------------------------------


def test_a_number_yaml_reads_as_text_gets_a_hint() -> None:
    assert yaml_errors(
        "id: w\nsteps:\n  - {id: a, service: internal, action: wait, params: {seconds: 1e3}}\n"
    ) == [
        "steps[0].params.seconds: expected a number of seconds, got the text '1e3' "
        "(YAML reads 1e12 as text: write 1.0e+12, or the digits)"
    ]


def test_waits_and_timeouts_out_of_range_are_located_problems() -> None:
    assert yaml_errors(
        "id: w\nsteps:\n"
        "  - {id: a, service: internal, action: wait, params: {seconds: 1.0e+12}}\n"
        "  - {id: b, service: internal, action: wait, params: {seconds: .inf}}\n"
        "  - {id: c, service: internal, action: wait, params: {seconds: .nan}}\n"
        "  - {id: d, service: internal, action: wait, params: {seconds: true}}\n"
        "  - {id: e, service: internal, action: noop, timeout: 1.0e+12}\n"
        f"  - {{id: f, service: internal, action: noop, timeout: {'9' * 400}}}\n"
    ) == [
        "steps[0].params.seconds: expected a number of seconds from 0 to 2678400, "
        "got 1000000000000.0",
        "steps[1].params.seconds: expected a number of seconds, got inf",
        "steps[2].params.seconds: expected a number of seconds, got nan",
        "steps[3].params.seconds: expected a number of seconds, got true/false",
        "steps[4].timeout: expected a number of seconds more than 0 and at most 86400, "
        "got 1000000000000.0",
        "steps[5].timeout: expected a number of seconds more than 0 and at most 86400, "
        "got a number of 400 digits",
    ]


def test_retry_settings_have_ranges_and_booleans_are_not_numbers() -> None:
    retry = {"max_attempts": True, "interval": 1e12, "backoff_rate": float("nan")}
    assert problems_of(sequence({**NOOP, "retry": retry})) == [
        "steps[0].retry.max_attempts: expected a whole number, got true/false",
        "steps[0].retry.interval: expected a number of seconds from 0 to 86400, "
        "got 1000000000000.0",
        "steps[0].retry.backoff_rate: expected a number, got nan",
    ]
    assert problems_of({**sequence(NOOP), "max": False, "max_parallel": 2.5}) == [
        "max: expected a whole number, got true/false",
        "max_parallel: expected a whole number, got 2.5",
    ]


def test_until_out_of_range_is_a_problem() -> None:
    assert problems_of(sequence(wait(until="9999-12-31T23:59:59-12:00"))) == [
        "steps[0].params.until: '9999-12-31T23:59:59-12:00' is out of range: "
        "use a year from 2 to 9998"
    ]


def test_adapter_numbers_refuse_infinity_and_booleans() -> None:
    poll = {"service": "twitch", "action": "create_poll"}
    assert problems_of(
        sequence(
            {**poll, "params": {"title": "t", "choices": ["a", "b"], "duration": float("inf")}},
            {**poll, "params": {"title": "t", "choices": ["a", "b"], "duration": True}},
            {"service": "twitch", "action": "create_clip", "params": {"duration": float("nan")}},
        )
    ) == [
        "steps[0].params.duration: expected a whole number, got inf",
        "steps[1].params.duration: expected a whole number, got true/false",
        "steps[2].params.duration: expected a number of seconds, got nan",
    ]


# -- numbers: what only the run can tell is that step's error -----------------------------


async def test_a_retry_delay_that_cannot_be_waited_fails_the_step(parts: Parts) -> None:
    """The safety net under validation: a delay the clock cannot hold ends the step."""
    definition = build(
        sequence({"service": "peer", "action": "flaky", "params": {"fails": 5}}),
        parts.engine.registry,
    )
    step = definition.steps[0]
    assert step.action is not None
    endless = RetryPolicy(max_attempts=3, interval=1e300, backoff_rate=1e300, max_delay=1e308)
    action = dataclasses.replace(step.action, retry=endless)
    definition = dataclasses.replace(definition, steps=(dataclasses.replace(step, action=action),))
    run = parts.engine.start(definition)
    assert await asyncio.wait_for(finish(run), 10) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.message == (
        "flaky failure 1 (and the retry delay cannot be computed: a wait of 1e+300 s is "
        "out of range (at most 2678400 s))"
    )
    assert len(parts.peer.calls) == 1


async def test_default_backoff_is_capped_and_never_overflows(parts: Parts) -> None:
    definition = build(
        sequence(
            {
                "service": "peer",
                "action": "flaky",
                "params": {"fails": 60},
                "retry": {"max_attempts": 50},
            }
        ),
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    assert await asyncio.wait_for(finish(run), 30) is RunStatus.FAILED
    delays = [e["delay"] for e in run.history.as_dicts() if e["event"] == "action_retried"]
    assert max(delays) == 3600  # the default max_delay
    assert len(parts.peer.calls) == 51
    # 1 + 2 + ... + 2048 seconds, then 38 retries at the cap
    assert (ended(run) - run.started_at).total_seconds() == 4095 + 38 * 3600


async def test_a_rendered_wait_out_of_range_is_the_steps_error(parts: Parts) -> None:
    definition = build(
        sequence(wait(seconds="${delay}"), inputs={"delay": {"default": 1}}),
        parts.engine.registry,
    )
    for value, message in [
        (1e12, "expected a number of seconds from 0 to 2678400"),
        (float("inf"), "expected a number of seconds, got inf"),
        (True, "expected a number of seconds, got true/false"),
    ]:
        run = parts.engine.start(definition, {"delay": value})
        assert await asyncio.wait_for(finish(run), 10) is RunStatus.FAILED
        assert run.error is not None
        assert run.error.type == "invalid_params"
        assert message in run.error.message


async def test_until_too_far_is_the_steps_error(parts: Parts) -> None:
    definition = build(sequence(wait(until="${when}"), variables={"when": "9000-01-01T00:00"}))
    run = parts.engine.start(definition)
    assert await asyncio.wait_for(finish(run), 10) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.type == "invalid_wait"
    assert "a wait lasts at most 31 days" in run.error.message


# -- names ------------------------------------------------------------------------------


def test_names_with_a_trailing_newline_are_refused() -> None:
    assert problems_of(
        {
            "id": "w\n",
            "initial_state": "a",
            "states": [
                {"name": "a", "action": NOOP, "transitions": {"success\n": "b", "error": "b\n"}},
                {"name": "b\n"},
                {"name": "b"},
                {
                    "name": "c",
                    "action": {
                        "service": "internal",
                        "action": "fire_event",
                        "params": {"event": "x\n"},
                    },
                },
            ],
        }
    ) == [
        "id: 'w\\n' is not a valid workflow id: use lowercase letters, digits and underscores",
        "states[1].name: 'b\\n' is not a valid id: start with a letter or '_', then letters, "
        "digits, '_' or '-'",
        "states[3].action.params.event: expected an event name: 1 to 255 characters, "
        "no control characters",
        "states[0].transitions.success\\n: 'success\\n' is not a valid event name",
        "states[2]: warning: state 'b' can never be reached from 'a'",
        "states[3]: warning: state 'c' can never be reached from 'a'",
    ]
    assert problems_of(sequence({**NOOP, "if": {"path": "x\n", "truthy": True}})) == [
        "steps[0].if.path: '${x\\n}' is not a path: use names and indexes joined by dots"
    ]
    assert problems_of(sequence({"service": "homeassistant", "action": "light.turn_on\n"})) == [
        "steps[0]: 'light.turn_on\\n' is not a Home Assistant action name such as 'light.turn_on'"
    ]


# -- patterns ---------------------------------------------------------------------------


def test_patterns_are_bounded_when_checked() -> None:
    def pattern_errors(pattern: str) -> list[str]:
        return problems_of(sequence({**NOOP, "if": {"path": "x", "matches": pattern}}))

    assert pattern_errors("a{4294967296}") == [
        "steps[0].if.matches: a repeat count above 1000 ('{4294967296}')"
    ]
    assert pattern_errors("(" * 30 + "a" + ")" * 30) == [
        "steps[0].if.matches: the pattern nests groups more than 20 deep"
    ]
    assert pattern_errors("(" * 3000 + "a" + ")" * 3000) == [
        "steps[0].if.matches: the pattern is 6001 characters long; at most 500"
    ]
    assert pattern_errors("^[a-z]+$") == []


async def test_a_catastrophic_pattern_cannot_hang_the_run(parts: Parts) -> None:
    definition = build(
        sequence(
            {**NOOP, "if": {"path": "text", "matches": "^(a+)+$"}},
            variables={"text": "a" * 5000 + "b"},
        )
    )
    run = parts.engine.start(definition)
    assert await asyncio.wait_for(finish(run), 10) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.type == "condition_error"
    assert "the pattern took longer than 0.05 s" in run.error.message
    # a pattern made with `${...}` is bounded when it is used
    rendered = build(
        sequence(
            {**NOOP, "if": {"path": "text", "matches": "${pattern}"}},
            variables={"text": "abc", "pattern": "(" * 3000 + ")" * 3000},
        )
    )
    run = parts.engine.start(rendered)
    assert await asyncio.wait_for(finish(run), 10) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.message == (
        "condition: 'text' matches: the pattern is 6000 characters long; at most 500"
    )


async def test_a_condition_that_raises_anything_is_the_steps_error(parts: Parts) -> None:
    definition = build(
        sequence(
            {**NOOP, "if": {"path": "items.--1", "equals": 1}},
            variables={"items": [1, 2]},
        )
    )
    run = parts.engine.start(definition)
    assert await asyncio.wait_for(finish(run), 10) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.message == (
        "condition: '${items.--1}': '--1' is not a list index ('items' is a list)"
    )
    mixed = build(sequence({**NOOP, "if": {"path": "n", "gt": 1}}, variables={"n": "x"}))
    run = parts.engine.start(mixed)
    assert await asyncio.wait_for(finish(run), 10) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.type == "condition_error"


# -- custom events ----------------------------------------------------------------------


@pytest.mark.parametrize("event", ["error", "cancel", "timeout", "success", "bad\nname"])
async def test_outcome_names_are_not_custom_events(parts: Parts, event: str) -> None:
    definition = build(
        {
            "id": "m",
            "initial_state": "a",
            "states": [
                {
                    "name": "a",
                    "action": {"service": "peer", "action": "echo", "params": {"value": {}}},
                    "transitions": {"success": "b", "error": "c", "cancel": "c"},
                },
                {"name": "b"},
                {"name": "c"},
            ],
        },
        parts.engine.registry,
    )
    step = definition.states["a"].step
    assert step.action is not None
    action = dataclasses.replace(step.action, params={"value": {"event": event}})
    states = dict(definition.states)
    states["a"] = dataclasses.replace(states["a"], step=dataclasses.replace(step, action=action))
    run = parts.engine.start(dataclasses.replace(definition, states=states))
    assert await asyncio.wait_for(finish(run), 10) is RunStatus.SUCCEEDED
    assert run.path == ["a", "b"]


# -- the rehearsal's loop guard ---------------------------------------------------------


def rehearsed(definition: WorkflowDefinition) -> Any:
    return rehearse(definition, default_registry(), {}, RehearsalPlan())


async def test_a_straight_sequence_of_any_length_just_runs() -> None:
    definition = build({"id": "long", "steps": [{"id": f"s{i}", **NOOP} for i in range(10_100)]})
    result = await asyncio.wait_for(rehearsed(definition), 60)
    assert result.status is RunStatus.SUCCEEDED
    assert result.error is None
    assert len(result.path) == 10_100


async def test_a_retrying_self_loop_stops_early() -> None:
    definition = build(
        {
            "id": "loop",
            "initial_state": "a",
            "states": [
                {
                    "name": "a",
                    "action": {
                        "service": "internal",
                        "action": "wait",
                        "params": {"seconds": "${nothing}"},
                        "retry": {"max_attempts": 100, "interval": 0},
                    },
                    "transitions": {"error": "a"},
                }
            ],
        }
    )
    result = await asyncio.wait_for(rehearsed(definition), 60)
    assert result.status is RunStatus.CANCELLED
    assert result.error is not None
    assert result.error["type"] == "rehearsal_limit"
    assert result.error["message"] == (
        f"stopped after {MAX_REPEATS} repeats (steps entered again and actions retried); "
        "the workflow seems to loop, last at 'a'"
    )
    assert len(result.actions) <= MAX_REPEATS + 101


# -- graph ids ---------------------------------------------------------------------------


def test_graph_node_ids_never_merge() -> None:
    definition = build(
        {
            "id": "g",
            "initial_state": "p",
            "states": [
                {
                    "name": "p",
                    "parallel": [
                        {"id": "a-b", **NOOP},
                        {"id": "a_b", **NOOP},
                    ],
                    "transitions": {"success": "p_join"},
                },
                {"name": "p_join"},
            ],
        }
    )
    lines = mermaid(definition).splitlines()
    assert '    n_a_b["a-b<br/>internal.noop"]' in lines
    assert '    n_a_b_2["a_b<br/>internal.noop"]' in lines
    assert '    n_p_join(["p_join"])' in lines
    assert "    n_p_join_2(( ))" in lines  # block p's join, apart from state p_join
    assert "    n_p_join_2 -->|success| n_p_join" in lines
