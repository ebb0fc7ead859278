"""The routing rules of state machines (`engine/routing.py`), one table per rule, on real
definitions loaded from documents: each row asserts the route chosen."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from custom_components.stream_workflows.engine.model import (
    Condition,
    ErrorPolicy,
    Outcome,
    State,
)
from custom_components.stream_workflows.engine.routing import (
    NoTransitionError,
    Route,
    continues,
    custom_event,
    route,
    transition_keys,
)
from custom_components.stream_workflows.engine.run_types import RunStatus

from .helpers import build

NOOP = {"service": "internal", "action": "noop"}
TARGETS = ("on_success", "on_error", "on_timeout", "on_cancel", "on_big", "loud", "quiet")


def state_a(transitions: dict[str, Any], **top: Any) -> tuple[State, ErrorPolicy]:
    """State `a` of a real definition (every target exists), and the definition's policy."""
    first: dict[str, Any] = {"name": "a", "action": NOOP}
    if transitions:
        first["transitions"] = transitions
    definition = build(
        {
            "id": "routing",
            "initial_state": "a",
            "states": [first, *({"name": name} for name in TARGETS)],
            **top,
        }
    )
    return definition.states["a"], definition.error_policy


def never(condition: Condition) -> bool:
    return False


def always(condition: Condition) -> bool:
    return True


def go(state: State, policy: ErrorPolicy, outcome: Outcome, result: Any = None, **kw: Any) -> Route:
    return route(
        state,
        outcome,
        result,
        policy=policy,
        cancel_routed=kw.get("cancel_routed", False),
        test=kw.get("test", never),
    )


ALL = {
    "success": "on_success",
    "error": "on_error",
    "timeout": "on_timeout",
    "cancel": "on_cancel",
    "big": "on_big",
}


@pytest.mark.parametrize(
    ("transitions", "outcome", "result", "expected"),
    [
        # plain outcomes take their own transition
        (ALL, Outcome.SUCCESS, None, Route("on_success", None)),
        (ALL, Outcome.ERROR, None, Route("on_error", None, "route: on_error")),
        (ALL, Outcome.TIMEOUT, None, Route("on_timeout", None, "route: on_timeout")),
        (ALL, Outcome.CANCEL, None, Route("on_cancel", None, cancel_routed=True)),
        # custom event: its own transition, else the `success` fallback
        (ALL, Outcome.SUCCESS, {"event": "big"}, Route("on_big", None)),
        (ALL, Outcome.SUCCESS, {"event": "other"}, Route("on_success", None)),
        ({"big": "on_big"}, Outcome.SUCCESS, {"event": "other"}, Route(None, RunStatus.SUCCEEDED)),
        # outcome names in a result are not custom events
        (ALL, Outcome.SUCCESS, {"event": "error"}, Route("on_success", None)),
        (ALL, Outcome.SUCCESS, {"event": "cancel"}, Route("on_success", None)),
        (ALL, Outcome.SUCCESS, {"event": "bad name!"}, Route("on_success", None)),
        # a custom event is read only from a success
        (ALL, Outcome.ERROR, {"event": "big"}, Route("on_error", None, "route: on_error")),
        # timeout: its own transition, else the `error` fallback
        (
            {"error": "on_error", "success": "on_success"},
            Outcome.TIMEOUT,
            None,
            Route("on_error", None, "route: on_error"),
        ),
        # a failure nobody routes fails the run (no `success` fallback without continue)
        ({"success": "on_success"}, Outcome.ERROR, None, Route(None, RunStatus.FAILED)),
        ({"success": "on_success"}, Outcome.TIMEOUT, None, Route(None, RunStatus.FAILED)),
        # a success with no `success` transition ends the run
        ({"error": "on_error"}, Outcome.SUCCESS, None, Route(None, RunStatus.SUCCEEDED)),
        # a cancel with no `cancel` transition ends it cancelled
        ({"success": "on_success"}, Outcome.CANCEL, None, Route(None, RunStatus.CANCELLED)),
        # terminal states: the run ends; a failure fails it
        ({}, Outcome.SUCCESS, None, Route(None, RunStatus.SUCCEEDED)),
        ({}, Outcome.ERROR, None, Route(None, RunStatus.FAILED)),
        ({}, Outcome.TIMEOUT, None, Route(None, RunStatus.FAILED)),
        ({}, Outcome.CANCEL, None, Route(None, RunStatus.CANCELLED)),
    ],
)
def test_outcome_routes(
    transitions: dict[str, Any], outcome: Outcome, result: Any, expected: Route
) -> None:
    state, policy = state_a(transitions)
    assert go(state, policy, outcome, result) == expected


@pytest.mark.parametrize("how", ["step", "policy"])
@pytest.mark.parametrize(
    ("transitions", "outcome", "expected"),
    [
        # continue on error: `success` after the failure's own routes
        ({"success": "on_success"}, Outcome.ERROR, Route("on_success", None, "continued")),
        ({"success": "on_success"}, Outcome.TIMEOUT, Route("on_success", None, "continued")),
        # its own route still comes first
        (ALL, Outcome.ERROR, Route("on_error", None, "route: on_error")),
        (
            {"error": "on_error", "success": "on_success"},
            Outcome.TIMEOUT,
            Route("on_error", None, "route: on_error"),
        ),
        # a terminal state ends the run as succeeded, the failure recorded
        ({}, Outcome.ERROR, Route(None, RunStatus.SUCCEEDED, "continued")),
        # a non-terminal state with no route for it at all still fails
        ({"cancel": "on_cancel"}, Outcome.ERROR, Route(None, RunStatus.FAILED)),
        # a cancel is not a failure: continue on error does not apply
        ({"success": "on_success"}, Outcome.CANCEL, Route(None, RunStatus.CANCELLED)),
    ],
)
def test_continue_on_error(
    how: str, transitions: dict[str, Any], outcome: Outcome, expected: Route
) -> None:
    if how == "step":
        # states take no `continue_on_error` of their own (sequence and DAG steps do): the
        # rule reads the step's flag the same way, so set it on the loaded state's step
        state, policy = state_a(transitions)
        state = replace(state, step=replace(state.step, continue_on_error=True))
    else:
        state, policy = state_a(transitions, error_policy="continue")
    assert policy is (ErrorPolicy.CONTINUE if how == "policy" else ErrorPolicy.STOP_ON_ERROR)
    assert continues(state.step, policy)
    assert go(state, policy, outcome) == expected


@pytest.mark.parametrize(
    ("transitions", "outcome", "expected"),
    [
        # once a cancel was routed, a success ends the run cancelled, and a second cancel too
        (ALL, Outcome.CANCEL, Route(None, RunStatus.CANCELLED)),
        ({}, Outcome.SUCCESS, Route(None, RunStatus.CANCELLED)),
        ({"error": "on_error"}, Outcome.SUCCESS, Route(None, RunStatus.CANCELLED)),
        # the cleanup's own routes still lead on
        (ALL, Outcome.SUCCESS, Route("on_success", None)),
        (ALL, Outcome.ERROR, Route("on_error", None, "route: on_error")),
    ],
)
def test_after_a_cancel_route(
    transitions: dict[str, Any], outcome: Outcome, expected: Route
) -> None:
    state, policy = state_a(transitions)
    assert go(state, policy, outcome, cancel_routed=True) == expected


CONDITIONAL = {
    "success": [
        {"if": {"path": "mode", "equals": "loud"}, "target": "loud"},
        {"target": "quiet"},
    ],
    "error": [{"if": {"path": "mode", "equals": "loud"}, "target": "loud"}],
}


@pytest.mark.parametrize(
    ("outcome", "holds", "expected"),
    [
        (Outcome.SUCCESS, always, Route("loud", None)),
        (Outcome.SUCCESS, never, Route("quiet", None)),
        (Outcome.ERROR, always, Route("loud", None, "route: loud")),
    ],
)
def test_first_matching_option(outcome: Outcome, holds: Any, expected: Route) -> None:
    state, policy = state_a(CONDITIONAL)
    assert go(state, policy, outcome, test=holds) == expected


def test_no_option_matches_and_no_default() -> None:
    state, policy = state_a(CONDITIONAL)
    with pytest.raises(NoTransitionError) as raised:
        go(state, policy, Outcome.ERROR, test=never)
    assert raised.value.event == "error"


def test_conditions_are_decided_in_order_until_one_holds() -> None:
    state, policy = state_a(CONDITIONAL)
    asked: list[Condition] = []

    def second_holds(condition: Condition) -> bool:
        asked.append(condition)
        return len(asked) == 2

    options = state.transitions["success"]
    assert go(state, policy, Outcome.SUCCESS, test=second_holds) == Route("quiet", None)
    assert asked == [options[0].condition]  # the default needs no test


@pytest.mark.parametrize(
    ("outcome", "event", "goes_on", "keys"),
    [
        (Outcome.SUCCESS, None, False, ("success",)),
        (Outcome.SUCCESS, "big", False, ("big", "success")),
        (Outcome.ERROR, None, False, ("error",)),
        (Outcome.ERROR, None, True, ("error", "success")),
        (Outcome.TIMEOUT, None, False, ("timeout", "error")),
        (Outcome.TIMEOUT, None, True, ("timeout", "error", "success")),
    ],
)
def test_transition_keys_in_order(
    outcome: Outcome, event: str | None, goes_on: bool, keys: tuple[str, ...]
) -> None:
    assert transition_keys(outcome, event, continues=goes_on) == keys


@pytest.mark.parametrize(
    ("result", "event"),
    [
        ({"event": "raid_ended"}, "raid_ended"),
        ({"event": "a-b_1"}, "a-b_1"),
        ({"event": "success"}, None),
        ({"event": "timeout"}, None),
        ({"event": ""}, None),
        ({"event": "x" * 101}, None),
        ({"event": 3}, None),
        ("raid_ended", None),
        (None, None),
        ([{"event": "big"}], None),
    ],
)
def test_custom_event_names(result: Any, event: str | None) -> None:
    assert custom_event(result) == event
