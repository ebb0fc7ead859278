"""Where a state machine goes after a state: the routing rules, named, in one place.

Each rule is a small function of the state, the step's outcome and result; `route` applies
them in order and says where the run goes (a target state or a final status), whether a
failed step was handled (and how), and whether the run's one `cancel` route was taken.
Conditions of transition options are decided by the `test` the caller passes: routing itself
reads no run state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from .model import Condition, ErrorPolicy, Outcome, State, Step, TransitionOption
from .run_types import RunStatus

EVENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")  # as event names in transitions
RESERVED_EVENTS = frozenset(outcome.value for outcome in Outcome)

type ConditionTest = Callable[[Condition], bool]
"""Whether a transition option's condition holds."""


class NoTransitionError(Exception):
    """No option of a transition matched and it has no default (`event`: the key tried)."""

    def __init__(self, event: str) -> None:
        super().__init__(event)
        self.event = event


class Route(NamedTuple):
    """Where a run goes after a state.

    `target` is the next state, or None when the run ends with `final`. `handled` says how a
    failed step was got past ("continued", or "route: <target>"), None when nothing failed or
    the failure ends the run. `cancel_routed` is True when this route took the `cancel`
    transition (a run takes it once).
    """

    target: str | None
    final: RunStatus | None
    handled: str | None = None
    cancel_routed: bool = False


_SUCCEEDED = Route(None, RunStatus.SUCCEEDED)
_GOING_TO: dict[str, Route] = {}  # the plain route to each target, made once (immutable)
_MAX_GOING_TO = 4_096  # past this many targets the cache starts again


def _going_to(target: str) -> Route:
    """`Route(target, None)`: the route of every plain transition, without a new tuple."""
    found = _GOING_TO.get(target)
    if found is None:
        if len(_GOING_TO) >= _MAX_GOING_TO:
            _GOING_TO.clear()
        found = _GOING_TO[target] = Route(target, None)
    return found


def custom_event(result: Any) -> str | None:
    """Rule "custom event": the event an action's result names (`{"event": "raid_ended"}`).

    Outcome names are not custom events: a result `{"event": "error"}` cannot make a
    successful action take the `error` route, nor end a run in a state that is not terminal.
    """
    if result is None or not isinstance(result, Mapping):  # None first: no ABC check
        return None
    event = result.get("event")
    if not isinstance(event, str) or event in RESERVED_EVENTS or not EVENT_NAME.fullmatch(event):
        return None
    return event


def plain_target(state: State, outcome: Outcome, result: Any, *, cancel_routed: bool) -> str | None:
    """Rule "plain success", the first `route` applies: a step that succeeded with no
    custom event, in a run that took no `cancel` route, goes to its state's plain `success`
    target (`State.plain_success`). None when another rule decides."""
    target = state.plain_success
    if (
        target is None
        or outcome is not Outcome.SUCCESS
        or cancel_routed
        or (result is not None and custom_event(result) is not None)
    ):
        return None
    return target


def continues(step: Step, policy: ErrorPolicy) -> bool:
    """Rule "continue on error": a failed step goes on as if it succeeded, by its own
    `continue_on_error` or the definition's `error_policy: continue`."""
    return step.continue_on_error or policy is ErrorPolicy.CONTINUE


def transition_keys(outcome: Outcome, event: str | None, *, continues: bool) -> tuple[str, ...]:
    """The transition keys to try, in order, for a step that did not end in `cancel`.

    - a custom event (success only) first, then its fallback `success`;
    - `timeout`, then its fallback `error`;
    - a failure (`error` / `timeout`) of a step that continues on error, last, `success`.
    """
    if outcome is Outcome.SUCCESS:
        return (event, "success") if event is not None else ("success",)
    keys: list[str] = [outcome.value]
    if outcome is Outcome.TIMEOUT:
        keys.append("error")
    if continues and outcome in (Outcome.ERROR, Outcome.TIMEOUT):
        keys.append("success")
    return tuple(keys)


def choose(options: tuple[TransitionOption, ...], test: ConditionTest) -> str | None:
    """Rule "first match": the first option whose condition holds (None: otherwise)."""
    for option in options:
        if option.condition is None or test(option.condition):
            return str(option.target)
    return None


def _pick(
    transitions: Mapping[str, tuple[TransitionOption, ...]], key: str, test: ConditionTest
) -> str:
    target = choose(transitions[key], test)
    if target is None:
        raise NoTransitionError(key)
    return target


def route(
    state: State,
    outcome: Outcome,
    result: Any,
    *,
    policy: ErrorPolicy,
    cancel_routed: bool,
    test: ConditionTest,
) -> Route:
    """Where the run goes after `state` ended with `outcome` (its step's result `result`).

    `cancel_routed`: the run already took a `cancel` route (or was cancelled without one):
    it ends `cancelled` where it would have succeeded. Raises `NoTransitionError` when the
    matching transition has options and none holds.
    """
    plain = plain_target(state, outcome, result, cancel_routed=cancel_routed)
    if plain is not None:
        return _going_to(plain)  # the common case, first
    transitions = state.transitions
    if (
        outcome is Outcome.SUCCESS
        and not cancel_routed
        and (result is None or custom_event(result) is None)
    ):
        # Rule "success": the `success` route's options, or the end.
        if "success" not in transitions:
            return _SUCCEEDED
        return _going_to(_pick(transitions, "success", test))
    if outcome is Outcome.CANCEL:
        # Rule "cancel once": the first cancel takes the state's `cancel` route (cleanup).
        if cancel_routed or "cancel" not in transitions:
            return Route(None, RunStatus.CANCELLED)
        return Route(_pick(transitions, "cancel", test), None, cancel_routed=True)
    event = custom_event(result) if outcome is Outcome.SUCCESS else None
    ended = RunStatus.CANCELLED if cancel_routed else RunStatus.SUCCEEDED
    failed = outcome in (Outcome.ERROR, Outcome.TIMEOUT)
    goes_on = failed and continues(state.step, policy)
    if state.is_terminal:
        # Rule "terminal": the run ends here; a failure fails it unless the step continues.
        if failed and not goes_on:
            return Route(None, RunStatus.FAILED)
        return Route(None, ended, "continued" if goes_on else None)
    for key in transition_keys(outcome, event, continues=goes_on):
        if key in transitions:
            target = _pick(transitions, key, test)
            if not failed:
                return Route(target, None)
            return Route(target, None, "continued" if key == "success" else f"route: {target}")
    # Rule "no route": a failure nobody handles fails the run; anything else ends it.
    return Route(None, RunStatus.FAILED if failed else ended)


__all__ = [
    "EVENT_NAME",
    "RESERVED_EVENTS",
    "NoTransitionError",
    "Route",
    "choose",
    "continues",
    "custom_event",
    "plain_target",
    "route",
    "transition_keys",
]
