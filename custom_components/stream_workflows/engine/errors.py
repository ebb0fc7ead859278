"""Errors the engine reports: located definition problems and run-time action failures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a workflow definition, located by its path in the document."""

    path: str
    message: str
    severity: Severity = "error"

    def format(self, source: str | None = None) -> str:
        """`FILE: PATH: message`, the shape `stream-workflows validate` prints."""
        where = self.path or "(document)"
        prefix = f"{source}: " if source else ""
        label = "warning: " if self.severity == "warning" else ""
        return f"{prefix}{where}: {label}{self.message}"


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
