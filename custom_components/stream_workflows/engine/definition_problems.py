"""The problem log every part of definition building writes to.

Each problem is located (`states[2].transitions.success`) and worded for a person; nothing
raises part-way, so a document's problems are all found at once. `check` validates one
mapping against a schema the same way: every bad key reported, the rest checked on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import voluptuous as vol

from .adapter import humanize_invalid
from .errors import Problem
from .paths import child


class ProblemLog:
    """The problems found so far, in the order they were found."""

    __slots__ = ("problems",)

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def warning(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, "warning"))

    def has_errors(self) -> bool:
        return any(problem.severity == "error" for problem in self.problems)

    def check(
        self, schema: vol.Schema, value: Any, path: str, core: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        """Validate `value` against `schema`; record each problem at its own location.

        So that every problem is found at once, keys with problems are dropped and the rest
        is checked on (defaults stand in for them). Only a problem with a required key or a
        `core` key (one the rest cannot be understood without) gives up on the mapping.
        """
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping of keys to values, got {kind(value)}")
            return None
        candidate = dict(value)
        core_keys = set(core)
        while True:
            try:
                validated: dict[str, Any] = schema(candidate)
            except vol.MultipleInvalid as err:
                drop: set[Any] = set()
                fatal = False
                for invalid in err.errors:
                    where = path
                    for part in invalid.path:
                        where = child(where, part if isinstance(part, int) else str(part))
                    self.error(where, humanize_invalid(invalid))
                    key = invalid.path[0] if invalid.path else None
                    if key is None or key not in candidate or key in core_keys:
                        fatal = True
                    else:
                        drop.add(key)
                if fatal or not drop:
                    return None
                for key in drop:
                    del candidate[key]
                continue
            return validated


def kind(value: Any) -> str:
    """What a value is, in a person's words ("a list", "text")."""
    if value is None:
        return "nothing"
    return {
        "str": "text",
        "int": "a number",
        "float": "a number",
        "bool": "true/false",
        "list": "a list",
        "dict": "a mapping",
    }.get(type(value).__name__, type(value).__name__)


def known(names: Iterable[str]) -> str:
    """The " (known: a, b, ...)" hint after an unknown name: the first twelve, sorted."""
    shown = sorted(names)[:12]
    return f" (known: {', '.join(shown)})" if shown else ""
