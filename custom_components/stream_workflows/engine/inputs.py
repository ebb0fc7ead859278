"""The types a workflow's input may declare (`inputs.<name>.type`): one table.

Each type has its check (validation holds a default to it, the engine a given value) and the
form field that asks for it: a Home Assistant selector, written as plain data so the engine
imports nothing of Home Assistant; its per-workflow actions show their fields with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class InputType:
    """What an input type accepts, and how a form asks for it."""

    check: Callable[[Any], bool]
    selector: Mapping[str, Any]


def _number(value: Any) -> bool:
    """A number that is finite: NaN and Infinity are no value a workflow can use."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


INPUT_TYPES: Mapping[str, InputType] = MappingProxyType(
    {
        "string": InputType(lambda value: isinstance(value, str), {"text": {}}),
        "number": InputType(_number, {"number": {"mode": "box"}}),
        "integer": InputType(_integer, {"number": {"mode": "box", "step": 1}}),
        "boolean": InputType(lambda value: isinstance(value, bool), {"boolean": {}}),
        "object": InputType(lambda value: isinstance(value, Mapping), {"object": {}}),
        "list": InputType(lambda value: isinstance(value, list), {"object": {}}),
    }
)
UNTYPED_SELECTOR: Mapping[str, Any] = MappingProxyType({"text": {}})  # no `type` declared


def type_matches(kind: str | None, value: Any) -> bool:
    """Whether `value` is of input type `kind`; an input without a type takes anything."""
    declared = INPUT_TYPES.get(kind or "")
    return declared is None or declared.check(value)


def type_problem(kind: str | None, value: Any) -> str | None:
    """Why `value` is not of input type `kind` (None when it is), in plain words."""
    if type_matches(kind, value):
        return None
    if kind in ("number", "integer") and isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite {kind}, got {value!r} (NaN and Infinity are refused)"
    return f"must be a{'n' if kind in ('integer', 'object') else ''} {kind}"


def selector_for(kind: str | None) -> dict[str, Any]:
    """The selector of a form field for an input of type `kind` (a fresh copy)."""
    declared = INPUT_TYPES.get(kind or "")
    return _copy(declared.selector if declared is not None else UNTYPED_SELECTOR)


def _copy(value: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _copy(item) if isinstance(item, Mapping) else item for key, item in value.items()}
