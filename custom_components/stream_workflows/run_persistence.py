"""What of the runs survives a restart: their checkpoints, and each workflow's last run.

The checkpoints are written by `RunStore` (when, how often, how durably: run_store.py); this
module says what is saved besides the active runs (runs not restored yet, and each workflow's
view summary, secrets redacted) and brings it all back at setup. At boot the runs come back
once Home Assistant has started, so that a run's next step finds the OBS, Twitch or Discord
connection it may need (those entries load after, or beside, the core entry); until then
the sensors show the saved state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.start import async_at_started

from .engine import Run, RunStatus, WorkflowDefinition, WorkflowEngine
from .live_views import WorkflowView
from .run_store import RunStore

_LOGGER = logging.getLogger(__name__)

# A run whose workflow changed while Home Assistant was stopped cannot go on (its steps are
# not the ones it was checkpointed in): its workflow shows it failed, with this error.
WORKFLOW_CHANGED = {
    "step": None,
    "type": "workflow_changed",
    "message": "the workflow file changed while Home Assistant was stopped; "
    "its run could not continue",
}


class RunPersistence:
    """Saves the runs and the workflows' last runs; brings them back after a restart."""

    def __init__(
        self,
        hass: HomeAssistant,
        engine: WorkflowEngine,
        workflows: Mapping[str, WorkflowDefinition],
        views: Mapping[str, WorkflowView],
        redact_data: Callable[[Any], Any],
    ) -> None:
        self.hass = hass
        self._engine = engine
        self._workflows = workflows
        self._views = views
        self._redact_data = redact_data
        self.store = RunStore(hass, engine.runs, self._data_to_save)
        # Saved runs waiting for Home Assistant to finish starting; saved again if it stops first.
        self._pending: list[dict[str, Any]] = []
        self._cancel_restore: CALLBACK_TYPE | None = None

    async def async_load(self) -> dict[str, Any]:
        """Read the last checkpoint (before the workflows are loaded: it takes a while)."""
        loading = time.perf_counter()
        saved = await self.store.async_load()
        _LOGGER.info("Loaded the runs' checkpoint in %.3f s", time.perf_counter() - loading)
        return saved

    @callback
    def async_restore(self, saved: Mapping[str, Any]) -> None:
        """Show each workflow's last run, and bring back the runs that were active (now, or
        once Home Assistant has started). Nothing saved can make this fail."""
        last = saved.get("last")
        for workflow_id, summary in (last if isinstance(last, dict) else {}).items():
            if (view := self._views.get(workflow_id)) is not None and isinstance(summary, dict):
                view.load_summary(summary)
        snapshots = [item for item in saved.get("runs") or [] if isinstance(item, dict)]
        if self.hass.is_running or not snapshots:
            self._restore_all(snapshots)
            return
        self._pending = snapshots

        @callback
        def restore_when_started(_hass: HomeAssistant) -> None:
            self._cancel_restore = None
            pending, self._pending = self._pending, []
            self._restore_all(pending)
            self.store.changed()

        self._cancel_restore = async_at_started(self.hass, restore_when_started)

    @callback
    def changed(self, run: Run | None = None) -> None:
        """A run (or a view's summary) changed: it is saved soon (run_store.py's contract)."""
        self.store.changed(run)

    @callback
    def cancel_restore(self) -> None:
        """Restore nothing more (the entry is stopping); the pending runs stay saved."""
        if self._cancel_restore is not None:
            self._cancel_restore()
            self._cancel_restore = None

    async def async_final_save(self, runs: Iterable[Run]) -> None:
        """The last write, of `runs` as they are now; runs not restored yet stay saved."""
        await self.store.async_final_save(runs)

    def _data_to_save(self) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """What is saved besides the active runs: runs not restored yet, and each
        workflow's last run summary."""
        last = {workflow_id: view.summary() for workflow_id, view in self._views.items()}
        return list(self._pending), self._redact_data(last)

    def _restore_all(self, snapshots: list[dict[str, Any]]) -> None:
        if not snapshots:
            return
        started = time.perf_counter()
        for snapshot in snapshots:
            self._restore(snapshot)
        _LOGGER.info("Restored %d runs in %.3f s", len(snapshots), time.perf_counter() - started)

    def _restore(self, snapshot: dict[str, Any]) -> None:
        workflow_id = snapshot.get("workflow_id", "")
        definition = self._workflows.get(workflow_id)
        view = self._views.get(workflow_id)
        if definition is None or view is None:
            _LOGGER.warning(
                "Run %s of %s could not be restored: the workflow no longer exists",
                snapshot.get("run_id"),
                workflow_id,
            )
            return
        if definition.fingerprint != snapshot.get("fingerprint"):
            view.status = view.state = RunStatus.FAILED.value
            view.last_error = dict(WORKFLOW_CHANGED)
            return
        try:
            self._engine.restore(definition, snapshot)
        except Exception:  # a damaged checkpoint loses its run, never the others
            _LOGGER.exception(
                "Run %s of %s could not be restored", snapshot.get("run_id"), workflow_id
            )
            return
        _LOGGER.info("Restored run %s of %s", snapshot.get("run_id"), workflow_id)
