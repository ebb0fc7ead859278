"""The bus events that mirror every run: `stream_workflows_run_started`, `…_state_changed`
(entering a step, pausing, resuming) and `…_run_finished`, their errors redacted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant

from .const import EVENT_RUN_FINISHED, EVENT_RUN_STARTED, EVENT_STATE_CHANGED
from .engine import Run, RunChange, RunStatus

EVENT_TYPES = {
    RunChange.STARTED: EVENT_RUN_STARTED,
    RunChange.STEP_ENTERED: EVENT_STATE_CHANGED,
    RunChange.PAUSED: EVENT_STATE_CHANGED,
    RunChange.RESUMED: EVENT_STATE_CHANGED,
    RunChange.FINISHED: EVENT_RUN_FINISHED,
}
"""Which run changes become a bus event, and of which type."""


class RunEvents:
    """Fires a run's bus events; redacts its errors again only when they changed."""

    def __init__(self, hass: HomeAssistant, redact_data: Callable[[Any], Any]) -> None:
        self._fire = hass.bus.async_fire
        self._redact_data = redact_data
        # run id -> ((errors' count, error), redacted error, redacted errors) of its last event
        self._errors: dict[str, tuple[tuple[int, Any], Any, list[Any]]] = {}
        # The fields of a running run's state event that stay the same for the run, made
        # once for the run that fired last (let go when it finishes).
        self._plain_run: Run | None = None
        self._plain: dict[str, Any] = {}

    def fire(self, change: RunChange, run: Run) -> None:
        event_type = EVENT_TYPES.get(change)
        if event_type is None:
            return
        self._send(event_type, run, run_state(run))
        if change is RunChange.FINISHED:
            self._errors.pop(run.run_id, None)  # its last event: no later one to redact for
            if run is self._plain_run:
                self._plain_run = None

    def fire_state_changed(self, run: Run, entered: str) -> None:
        """`fire` of the step `entered`: the event of every transition. The state of a
        running run is the step it entered last, this one (no `run_state` to work out)."""
        status = run.status
        if status is RunStatus.RUNNING and run.error is None and not run.errors:
            # Most events (a running run, no error): a copy of the run's fixed fields with
            # its state, each event with data of its own.
            if run is not self._plain_run:
                self._plain_run = run
                self._plain = {
                    "workflow_id": run.definition.id,
                    "run_id": run.run_id,
                    "state": entered,
                    "status": str(status),
                    "error": None,
                    "errors": [],
                    "rehearsal": run.rehearsal,
                }
            data = self._plain.copy()
            data["state"] = entered
            data["errors"] = []
            self._fire(EVENT_STATE_CHANGED, data)
            return
        self._send(
            EVENT_STATE_CHANGED, run, entered if status is RunStatus.RUNNING else str(status)
        )

    def _send(self, event_type: str, run: Run, state: str) -> None:
        error: Any = None
        errors: list[Any] = []
        if run.error is not None or run.errors:  # most runs: nothing to redact or cache
            error, redacted = self._redacted(run)
            errors = list(redacted)
        self._fire(
            event_type,
            {
                "workflow_id": run.definition.id,
                "run_id": run.run_id,
                "state": state,
                "status": str(run.status),
                "error": error,
                "errors": errors,
                "rehearsal": run.rehearsal,
            },
        )

    def _redacted(self, run: Run) -> tuple[Any, list[Any]]:
        """The run's error and errors redacted, again only when they changed."""
        cached = self._errors.get(run.run_id)
        key = (len(run.errors), run.error)
        if cached is None or cached[0] != key:
            error = self._redact_data(run.error.as_dict()) if run.error else None
            errors = [self._redact_data(item.as_dict()) for item in run.errors]
            cached = self._errors[run.run_id] = (key, error, errors)
        return cached[1], cached[2]


def run_state(run: Run) -> str:
    """The state a run is in, as its events and entities name it."""
    status = run.status
    if status is RunStatus.RUNNING:
        if run.active:  # the step entered last (`run.current[-1]`, without its copy)
            return next(reversed(run.active))
        return run.path[-1] if run.path else "running"
    # `str()` of a StrEnum member is its value as a plain str; `.value` is a Python-level
    # property, the dearer of the two on the path of every transition.
    return str(status)
