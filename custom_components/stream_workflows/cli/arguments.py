"""The `simulate` command's arguments: `--set`, `--outcome` and `--result`, bounded as a
workflow file is (depth, length, strict JSON), each problem a `UsageError` naming it."""

from __future__ import annotations

from typing import Any

from ..engine.errors import escape_text
from ..engine.loading import MAX_DEPTH, parse_text, plain_value
from ..engine.model import Outcome, WorkflowDefinition
from ..engine.run import RehearsalPlan

MAX_ARGUMENT_LENGTH = 1024 * 1024  # one --set / --result value


class UsageError(Exception):
    """A command-line argument that cannot be used."""


def variables_from(assignments: list[str]) -> dict[str, Any]:
    """`--set NAME=VALUE` items as run variables: dotted names nest, VALUE is JSON or text."""
    variables: dict[str, Any] = {}
    for assignment in assignments:
        name, value = _split(assignment, "--set", "NAME=VALUE")
        parts = name.split(".")
        if not all(parts):
            raise UsageError(f"--set {_shown(assignment)}: '{name}' is not a variable name")
        target = variables
        for part in parts[:-1]:
            existing = target.setdefault(part, {})
            if not isinstance(existing, dict):
                raise UsageError(f"--set {_shown(assignment)}: '{part}' was already set to a value")
            target = existing
        target[parts[-1]] = _json_or_text(value)
    return variables


def plan_from(
    definition: WorkflowDefinition, outcomes: list[str], results: list[str]
) -> RehearsalPlan:
    """`--outcome STEP=OUTCOME` and `--result STEP=JSON` items as a rehearsal plan."""
    steps = definition.all_steps()
    plan = RehearsalPlan()
    allowed = (Outcome.ERROR, Outcome.TIMEOUT, Outcome.CANCEL)
    for item in outcomes:
        step, outcome = _split(item, "--outcome", "STEP=OUTCOME")
        _known_step(step, steps, "--outcome")
        if outcome not in [value.value for value in allowed]:
            raise UsageError(f"--outcome {_shown(item)}: the outcome is error, timeout or cancel")
        plan.outcomes[step] = Outcome(outcome)
    for item in results:
        step, text = _split(item, "--result", "STEP=JSON")
        _known_step(step, steps, "--result")
        value, problem = _bounded_json(text)
        if problem is not None:
            raise UsageError(f"--result {_shown(item)}: {problem}")
        plan.results[step] = value
    return plan


def _known_step(step: str, steps: dict[str, Any], option: str) -> None:
    if step not in steps:
        known = ", ".join(list(steps)[:20]) + (", ..." if len(steps) > 20 else "")
        raise UsageError(f"{option}: there is no step '{step}' (steps: {known})")


def _split(item: str, option: str, form: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name:
        raise UsageError(f"{option} {_shown(item)}: expected {form}")
    return name.strip(), value


def _json_or_text(value: str) -> Any:
    parsed, problem = _bounded_json(value)
    if problem is None:
        return parsed
    if problem.startswith("not JSON"):
        return value  # text, as written
    raise UsageError(f"--set value {_shown(value)}: {problem}")


def _bounded_json(text: str) -> tuple[Any, str | None]:
    """JSON with the bounds of a workflow file: depth, number length, no NaN, unique keys."""
    if len(text) > MAX_ARGUMENT_LENGTH:
        return None, f"longer than {MAX_ARGUMENT_LENGTH} characters"
    value, problems = parse_text(text, "json")
    if not problems:
        checked: list[Any] = []
        value = plain_value(value, checked, max_depth=MAX_DEPTH)
        if not checked:
            return value, None
        problems = checked
    first = problems[0]
    if first.path.startswith("line "):
        return None, f"not JSON ({first.message})"
    # A path is the user's own keys: control characters in it are shown, not written.
    where = f" at {escape_text(first.path, 300)}" if first.path else ""
    return None, f"{first.message}{where}"


def _shown(text: str) -> str:
    """An argument quoted in a message, shortened: it may be 20,000 characters long."""
    return repr(text) if len(text) <= 60 else repr(text[:60]) + "..."
