"""Errors the engine reports: located definition problems and run-time action failures."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
# Bidirectional overrides reorder what a terminal shows (a line can read as something else).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def escape_text(text: str, limit: int = 2000) -> str:
    """`text` on one line: control characters, line and paragraph separators and bidi
    overrides written as escapes (`\\n`, `\\x1b`), so a problem can never forge a second
    line; long text is shortened."""
    if len(text) > limit:
        text = text[:limit] + f"... ({len(text) - limit} more characters)"
    if text.isprintable():
        return text
    out: list[str] = []
    for character in text:
        if character in _BIDI or unicodedata.category(character) in ("Cc", "Zl", "Zp"):
            out.append(character.encode("unicode_escape").decode("ascii"))
        else:
            out.append(character)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a workflow definition, located by its path in the document."""

    path: str
    message: str
    severity: Severity = "error"

    def format(self, source: str | None = None) -> str:
        """`FILE: PATH: message`, the shape `stream-workflows validate` prints."""
        where = escape_text(self.path, 300) if self.path else "(document)"
        prefix = f"{escape_text(source, 500)}: " if source else ""
        label = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{where}: {label}{escape_text(self.message)}"


class DefinitionError(Exception):
    """A definition that cannot be loaded; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        errors = [p for p in problems if p.severity == "error"]
        super().__init__("\n".join(p.format(source) for p in errors) or "invalid workflow")


class InputError(ValueError):
    """Variables given to a run do not match the workflow's declared inputs."""


class RunRejectedError(RuntimeError):
    """A run could not start, e.g. a `single` workflow that is already running."""


class ActionError(Exception):
    """An action failed. `error_type` is a short machine-readable kind a workflow can inspect."""

    error_type = "action_failed"

    def __init__(self, message: str, *, error_type: str | None = None) -> None:
        super().__init__(message)
        if error_type is not None:
            self.error_type = error_type


class TemplateError(ActionError):
    """A `${...}` reference could not be resolved."""

    error_type = "template_error"


class ActionTimeoutError(ActionError):
    """An action did not finish within its timeout."""

    error_type = "timeout"


class NotConnectedError(ActionError):
    """The service an action needs is not connected or not configured."""

    error_type = "not_connected"
