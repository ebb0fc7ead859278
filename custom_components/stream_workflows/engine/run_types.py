"""The words a run speaks in: its statuses, the changes it reports, its errors, the actions
it dispatches and the overrides a rehearsal takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import ActionError
from .model import Outcome


class RunStatus(StrEnum):
    """Where a run is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class RunChange(StrEnum):
    """What a listener is told about."""

    STARTED = "started"
    STEP_ENTERED = "step_entered"
    ACTION_STARTED = "action_started"
    WAITING = "waiting"
    STEP_LEFT = "step_left"
    ERROR_HANDLED = "error_handled"  # a step failed and the run got past it (detail: RunError)
    PAUSED = "paused"
    RESUMED = "resumed"
    FINISHED = "finished"


@dataclass(frozen=True, slots=True)
class RunError:
    """Why a step failed: the step, a short machine-readable type, and a readable message.

    `handled` says how a run got past an error it survived (`route: end_stream` for an
    error or timeout route, `continued` for continue_on_error / error_policy continue);
    None for the error that failed the run.
    """

    step: str | None
    type: str
    message: str
    handled: str | None = None

    def as_dict(self) -> dict[str, Any]:
        found = {"step": self.step, "type": self.type, "message": self.message}
        if self.handled is not None:
            found["handled"] = self.handled
        return found


@dataclass(frozen=True, slots=True)
class ActionDispatch:
    """One action handed to its adapter (every attempt counts)."""

    step: str
    service: str
    action: str
    params: Mapping[str, Any]
    attempt: int


@dataclass(slots=True)
class RehearsalPlan:
    """Rehearsal overrides by step id: an outcome to force, or a result to return."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)


class RunFailedError(Exception):
    """Raised inside a run's task: the run ends `failed` with `error`."""

    def __init__(self, error: RunError) -> None:
        super().__init__(error.message)
        self.error = error


class InvalidParamsError(ActionError):
    """An action's parameters, rendered, do not fit its schema."""

    error_type = "invalid_params"
