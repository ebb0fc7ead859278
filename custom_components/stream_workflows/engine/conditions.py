"""Conditions on run values: comparisons by path, combined with all/any/not.

Nothing here evaluates code. A `template` condition is handed to the host (Home Assistant
renders it in its sandbox); without a host it is an error, never silently true or false.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import ActionError, TemplateError
from .model import Condition
from .patterns import PatternError, search
from .template import render

COMPARE_OPERATORS = (
    "equals",
    "not_equals",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "not_in",
    "contains",
    "matches",
    "exists",
    "truthy",
)

TemplateEvaluator = Callable[[str, Mapping[str, Any]], bool]


class ConditionError(ActionError):
    """A condition could not be decided (wrong types, template without a host)."""

    error_type = "condition_error"


def evaluate(
    condition: Condition,
    resolve: Callable[[str], Any],
    scope: Callable[[], Mapping[str, Any]],
    templates: TemplateEvaluator | None,
) -> bool:
    """Decide `condition`. `scope` builds the variables a template sees, only when needed."""
    if condition.kind == "all":
        return all(evaluate(child, resolve, scope, templates) for child in condition.children)
    if condition.kind == "any":
        return any(evaluate(child, resolve, scope, templates) for child in condition.children)
    if condition.kind == "not":
        return not evaluate(condition.children[0], resolve, scope, templates)
    if condition.kind == "template":
        if templates is None:
            raise ConditionError(
                "template conditions need Home Assistant; use a path condition here"
            )
        return templates(condition.template or "", scope())
    return _compare(condition, resolve)


def _compare(condition: Condition, resolve: Callable[[str], Any]) -> bool:
    path = condition.path or ""
    operator = condition.operator or "truthy"
    if operator == "exists":
        try:
            resolve(path)
        except TemplateError:
            return not condition.operand
        return bool(condition.operand)
    value = resolve(path)
    operand = render(condition.operand, resolve)
    try:
        return _apply(operator, value, operand)
    except PatternError as err:
        raise ConditionError(f"'{path}' matches: {err}") from err
    except (TypeError, ValueError, OverflowError, RecursionError) as err:
        shown = repr(operand)
        shown = shown if len(shown) <= 80 else shown[:80] + "..."
        raise ConditionError(
            f"cannot compare '{path}' ({_type_name(value)}) {operator} {shown}: {err}"
        ) from err


def _apply(operator: str, value: Any, operand: Any) -> bool:
    if operator == "equals":
        return bool(value == operand)
    if operator == "not_equals":
        return bool(value != operand)
    if operator == "gt":
        return bool(value > operand)
    if operator == "gte":
        return bool(value >= operand)
    if operator == "lt":
        return bool(value < operand)
    if operator == "lte":
        return bool(value <= operand)
    if operator == "in":
        return value in operand
    if operator == "not_in":
        return value not in operand
    if operator == "contains":
        return operand in value
    if operator == "matches":
        if not isinstance(operand, str):
            raise TypeError("'matches' takes a regular expression as text")
        return search(operand, value if isinstance(value, str) else str(value))
    return bool(value) == bool(operand)


def _type_name(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def describe(condition: Condition) -> str:
    """A short human reading of a condition, for graphs and logs."""
    if condition.kind in ("all", "any"):
        joiner = " and " if condition.kind == "all" else " or "
        return "(" + joiner.join(describe(child) for child in condition.children) + ")"
    if condition.kind == "not":
        return f"not {describe(condition.children[0])}"
    if condition.kind == "template":
        return "template"
    return f"{condition.path} {condition.operator} {condition.operand!r}"
