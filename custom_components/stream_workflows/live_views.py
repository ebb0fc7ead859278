"""The run → entity projection: each workflow's `WorkflowView`, refreshed from its latest run
and written to its entities at most once per turn of the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .const import STATUS_IDLE
from .engine import Run, RunStatus, WorkflowDefinition


@dataclass(slots=True)
class WorkflowView:
    """What entities show of one workflow: its latest run, live."""

    workflow_id: str
    name: str
    mode: str
    state: str = STATUS_IDLE
    status: str = STATUS_IDLE
    run_id: str | None = None
    step: str | None = None
    step_index: int = 0
    steps: int = 0
    wait_ends_at: datetime | None = None
    wait_total: float | None = None
    wait_remaining: float | None = None
    last_error: dict[str, Any] | None = None
    # Errors the run got past (an error route, continue_on_error): it can still succeed.
    handled_errors: int = 0
    last_handled_error: dict[str, Any] | None = None
    rehearsal: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None
    last_triggered: datetime | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    active_runs: int = 0

    def summary(self) -> dict[str, Any]:
        """What survives a restart when no run is active."""
        return {
            "state": self.state,
            "status": self.status,
            "run_id": self.run_id,
            "last_error": self.last_error,
            "handled_errors": self.handled_errors,
            "last_handled_error": self.last_handled_error,
            "rehearsal": self.rehearsal,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "last_triggered": self.last_triggered.isoformat() if self.last_triggered else None,
        }

    def load_summary(self, data: dict[str, Any]) -> None:
        self.state = data.get("state", STATUS_IDLE)
        self.status = data.get("status", STATUS_IDLE)
        self.run_id = data.get("run_id")
        self.last_error = data.get("last_error")
        self.handled_errors = int(data.get("handled_errors") or 0)
        self.last_handled_error = data.get("last_handled_error")
        self.rehearsal = bool(data.get("rehearsal"))
        self.started_at = _parse_time(data.get("started_at"))
        self.finished_at = _parse_time(data.get("finished_at"))
        self.last_triggered = _parse_time(data.get("last_triggered"))


class LiveViews:
    """Every workflow's view, who listens to it, and the writes waiting for the loop's turn
    to end.

    Steps that finish at once (noops, routing states, internal actions) follow each other
    without the loop running anything else, so nobody could see the states in between:
    writing every entity at each of them made a transition cost grow with the workflow. A
    change is projected when the turn ends, from the engine's state then; whoever must read
    the entities at once (a control method, a finished run's waiter) calls `write_now`."""

    def __init__(self, hass: HomeAssistant, active_runs: Callable[[str], list[Run]]) -> None:
        self._loop = hass.loop
        self._active_runs = active_runs
        self.views: dict[str, WorkflowView] = {}
        self._listeners: dict[str, list[CALLBACK_TYPE]] = {}
        self._unwritten: dict[str, Run] = {}  # workflow id -> the run that changed last
        self._write_handle: asyncio.Handle | None = None
        # While held, changes wait for `release`, which writes them (a start writes what it
        # changed when it returns: no write to schedule, then call off, for each run).
        self._held = 0

    def install(self, definition: WorkflowDefinition) -> WorkflowView:
        """The workflow's view, made on its first install and renamed on later ones."""
        view = self.views.get(definition.id)
        if view is None:
            view = self.views[definition.id] = WorkflowView(
                definition.id, definition.name, definition.mode.value
            )
        view.name = definition.name
        view.mode = definition.mode.value
        view.steps = definition.action_count()
        return view

    def remove(self, workflow_id: str) -> None:
        self.views.pop(workflow_id, None)
        self._listeners.pop(workflow_id, None)
        self._unwritten.pop(workflow_id, None)

    @callback
    def add_listener(self, workflow_id: str, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` whenever the workflow's view changes; return its remover."""
        listeners = self._listeners.setdefault(workflow_id, [])
        listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in listeners:
                listeners.remove(listener)

        return remove

    def tell(self, workflow_id: str) -> None:
        """Call the workflow's listeners now (its view changed outside a run)."""
        for listener in tuple(self._listeners.get(workflow_id, ())):
            listener()

    @property
    def pending(self) -> Mapping[str, Run]:
        """The run each workflow's next write projects (`changed`, until written): when it
        is the run that changed, that write is scheduled already. The same mapping for the
        views' life: a caller may keep it."""
        return self._unwritten

    def changed(self, workflow_id: str, run: Run) -> None:
        """Project `run` onto its workflow's view when the current turn of the loop ends."""
        self._unwritten[workflow_id] = run
        if self._write_handle is None and not self._held:
            self._write_handle = self._loop.call_soon(self.write_now)

    def hold(self) -> None:
        """Schedule no write until `release` (calls nest)."""
        self._held += 1

    def release(self) -> None:
        """End a `hold`; the last one writes every change made meanwhile, now."""
        self._held -= 1
        if not self._held:
            self.write_now()

    @callback
    def write_now(self) -> None:
        """Project and write every workflow that changed since the last write, now."""
        if self._write_handle is not None:
            self._write_handle.cancel()
            self._write_handle = None
        if not self._unwritten:
            return  # written already (a control method after a run that ended at once)
        unwritten = dict(self._unwritten)
        self._unwritten.clear()  # the same mapping (`pending`)
        for workflow_id, run in unwritten.items():
            if (view := self.views.get(workflow_id)) is not None:
                self._refresh(view, run)
                self.tell(workflow_id)

    def stop(self) -> None:
        """Write nothing more (the coordinator stops)."""
        if self._write_handle is not None:
            self._write_handle.cancel()
            self._write_handle = None
        self._unwritten.clear()

    def _refresh(self, view: WorkflowView, changed: Run) -> None:
        active = self._active_runs(view.workflow_id)
        run = active[-1] if active else changed
        view.active_runs = len(active)
        view.run_id = run.run_id
        view.status = run.status.value
        view.started_at = run.started_at
        view.finished_at = run.finished_at
        inputs = run.definition.inputs
        variables = run.variables
        view.inputs = {name: variables.get(name) for name in inputs} if inputs else {}
        steps_going = run.active
        path = run.path
        # the step entered last and still going (`run.current`), else the last one left
        view.step = next(reversed(steps_going)) if steps_going else (path[-1] if path else None)
        view.step_index, view.steps = run.progress()
        status = run.status
        # A paused wait has no end yet: it resumes with its remaining time. A run between
        # steps (most writes: a finished run's) has no wait at all.
        view.wait_ends_at = (
            run.wait_ends_at() if steps_going and status is RunStatus.RUNNING else None
        )
        view.wait_total = (
            next(
                (info["wait_total"] for info in steps_going.values() if "wait_total" in info), None
            )
            if steps_going
            else None
        )
        paused = status is RunStatus.PAUSED
        view.wait_remaining = run.wait_remaining() if steps_going and paused else None
        if status is RunStatus.RUNNING:
            view.state = view.step or RunStatus.RUNNING.value
        else:
            view.state = status.value
        view.rehearsal = run.rehearsal
        # The run's own errors only: a new run starts with none (not the last run's).
        view.handled_errors = len(run.errors)
        view.last_handled_error = run.errors[-1].as_dict() if run.errors else None
        last = run.error or (run.errors[-1] if run.errors else None)
        view.last_error = last.as_dict() if last else None


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
