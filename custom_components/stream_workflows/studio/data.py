"""The Studio's state for one Home Assistant run: its stores, who watches the runs, and who
listens for changes to the set of workflows."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from ..coordinator import WorkflowCoordinator, WorkflowsChanged
from ..engine import Run, RunChange, RunStatus
from .run_history import RunHistory
from .versions import VersionHistory


class StudioData:
    """The Studio's stores, one per Home Assistant run, and who watches the runs."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.history = RunHistory(hass)
        self.versions = VersionHistory(hass)
        self._hass = hass
        self.workflow_listeners: set[Callable[[], None]] = set()
        # Subscriptions outlive an entry's reload: the coordinator of the moment feeds them.
        self.run_listeners: set[Callable[[Run, RunChange, dict[str, Any] | None], None]] = set()
        # Called when the first subscriber comes or the last goes: the coordinator then
        # tells the Studio of every step only while somebody watches (a transition with
        # nobody watching pays nothing for it).
        self.watching_changed: Callable[[], None] | None = None
        self._pending: asyncio.Handle | None = None

    @callback
    def watch_runs(
        self, listener: Callable[[Run, RunChange, dict[str, Any] | None], None]
    ) -> Callable[[], None]:
        """Tell `listener` of every run change the Studio draws; return its remover."""
        self.run_listeners.add(listener)
        if len(self.run_listeners) == 1 and self.watching_changed is not None:
            self.watching_changed()

        @callback
        def remove() -> None:
            if listener in self.run_listeners:
                self.run_listeners.discard(listener)
                if not self.run_listeners and self.watching_changed is not None:
                    self.watching_changed()

        return remove

    @callback
    def workflows_changed(self, _change: WorkflowsChanged | None = None) -> None:
        """Tell subscribers the set of workflows changed (once per turn of the loop)."""
        if self._pending is None:
            self._pending = self._hass.loop.call_soon(self._tell)

    def watch_documents(
        self, coordinator: WorkflowCoordinator
    ) -> Callable[[WorkflowsChanged], None]:
        """A workflows listener for `coordinator` that keeps, as a version, every stored
        document a save or a delete replaced, whoever saved (the Studio, the save_workflow
        action, sharing, the assistant): they all end in the coordinator's reload."""
        known = dict(coordinator.stored_documents)

        @callback
        def changed(change: WorkflowsChanged) -> None:
            nonlocal known
            now = coordinator.stored_documents
            for workflow_id, document in known.items():
                if now.get(workflow_id) != document:  # replaced or deleted
                    self.versions.record(workflow_id, document)
            known = dict(now)
            self.workflows_changed(change)

        return changed

    def _tell(self) -> None:
        self._pending = None
        for listener in list(self.workflow_listeners):
            listener()


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


# The Studio's stores (run history, versions) and the runs its subscribers follow.
STUDIO: Final[HassKey[StudioData]] = HassKey("stream_workflows_studio")
