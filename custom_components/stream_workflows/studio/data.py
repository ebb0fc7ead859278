"""The Studio's state for one Home Assistant run: its stores, the runs it follows, and
who listens for changes to the set of workflows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from ..coordinator import WorkflowCoordinator, WorkflowsChanged
from ..engine import Run, RunChange, RunStatus
from .run_history import RunHistory
from .versions import VersionHistory

RECENT_RUNS = 50
"""Finished runs kept in memory for subscribers that hear of them after they end."""


class StudioData:
    """The Studio's stores, one per Home Assistant run, and the runs it follows."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.history = RunHistory(hass)
        self.versions = VersionHistory(hass)
        # The engine forgets a run once it ends; the Studio still describes it then.
        self._runs: dict[str, Run] = {}
        self._hass = hass
        self.workflow_listeners: set[Callable[[], None]] = set()
        # Subscriptions outlive an entry's reload: the coordinator of the moment feeds them.
        self.run_listeners: set[Callable[[Run, RunChange, dict[str, Any] | None], None]] = set()
        self._pending: asyncio.Handle | None = None

    @callback
    def workflows_changed(self, _change: WorkflowsChanged | None = None) -> None:
        """Tell subscribers the set of workflows changed (once per turn of the loop)."""
        if self._pending is None:
            self._pending = self._hass.loop.call_soon(self._tell)

    def _tell(self) -> None:
        self._pending = None
        for listener in list(self.workflow_listeners):
            listener()

    def follow(self, coordinator: WorkflowCoordinator, run_id: str) -> Run | None:
        """The run `run_id` (active, or among the last that finished)."""
        run = self._runs.get(run_id) or coordinator.engine.get(run_id)
        if run is not None and run_id not in self._runs:
            self._runs[run_id] = run
            finished = [key for key, kept in self._runs.items() if kept.finished_at is not None]
            for key in finished[: max(0, len(finished) - RECENT_RUNS)]:
                del self._runs[key]
        return run


STUDIO: HassKey[StudioData] = HassKey("stream_workflows_studio")


def live_of(run: Run) -> dict[str, Any]:
    """What a run shows right now (subscribe events, list)."""
    outcomes = {
        step: (details or {}).get("outcome")
        for _at, event, step, details in run.history
        if event == "step_left" and step is not None
    }
    running = run.status is RunStatus.RUNNING
    wait_ends_at = run.wait_ends_at() if running else None
    current = list(run.current)
    state = (current[-1] if current else "running") if running else run.status.value
    return {
        "run_id": run.run_id,
        "workflow_id": run.definition.id,
        "status": run.status.value,
        "state": state,
        "current": current,
        "path": list(run.path),
        "outcomes": outcomes,
        "progress": list(run.progress()),
        "wait_ends_at": wait_ends_at.isoformat() if wait_ends_at else None,
        "wait_remaining": run.wait_remaining(),
        "rehearsal": run.rehearsal,
    }
