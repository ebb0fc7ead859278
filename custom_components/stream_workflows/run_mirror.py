"""What Home Assistant mirrors of every run change ("the run mirror"): the entity view (its
write coalesced to the end of the turn), the bus events, the checkpoints, a rehearsal's
calls, a notification at the end, and the run listeners (`add_listener`), which name the
changes they want so that a transition pays only for what somebody reads."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback

from .engine import Run, RunChange, VirtualClock, WorkflowEngine
from .live_views import LiveViews
from .outcomes import RehearsalCalls, async_notify_outcome, log_handled_error, wants_notification
from .redaction import Secrets
from .run_events import RunEvents
from .run_store import RunStore

_LOGGER = logging.getLogger(__name__)

type RunChangeCallback = Callable[[Run, RunChange], None]


class EntryOptions(Protocol):
    """What the mirror reads of the core config entry: its options (notifications)."""

    @property
    def options(self) -> Mapping[str, Any]: ...


class RunMirror:
    """Projects each run change onto what Home Assistant shows, and tells run listeners."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EntryOptions,
        engine: WorkflowEngine,
        live: LiveViews,
        events: RunEvents,
        run_store: RunStore,
        rehearsals: RehearsalCalls,
        secrets: Secrets,
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._engine = engine
        self._live = live
        self._views = live.views
        self._views_pending = live.pending
        self._events = events
        self._run_store = run_store
        self._checkpoint_due = run_store.due
        self._rehearsals = rehearsals
        self._secrets = secrets
        # change -> who wants to hear of it (`add_listener`)
        self._run_listeners: dict[RunChange, tuple[RunChangeCallback, ...]] = {}
        self.stopped = False  # the coordinator stops: nothing more is mirrored
        self._tell_wanted()

    @callback
    def add_listener(
        self,
        listener: RunChangeCallback,
        changes: Iterable[RunChange] | None = None,
    ) -> CALLBACK_TYPE:
        """Call `listener(run, change)` on each change in `changes` (default: every change,
        `RunChange.ACTION_STARTED` included) of every run; return its remover.

        The listener runs synchronously on the event loop, after the mirror has
        projected the change onto the entity view (the write itself is coalesced to the
        end of the loop's turn; a finished run's view is written before the listener runs)
        and fired the bus event. It must be cheap and must not block: it runs on the hot
        path of every transition, which is why it names the changes it wants. A listener
        that raises is logged and does not stop the run or the other listeners.
        """
        wanted = frozenset(RunChange if changes is None else changes)
        for change in wanted:
            self._run_listeners[change] = (*self._run_listeners.get(change, ()), listener)
        self._tell_wanted()

        @callback
        def remove() -> None:
            for change in wanted:
                kept = tuple(
                    item for item in self._run_listeners.get(change, ()) if item != listener
                )
                if kept:
                    self._run_listeners[change] = kept
                else:
                    self._run_listeners.pop(change, None)
            self._tell_wanted()

        return remove

    def _tell_wanted(self) -> None:
        """Ask the engine for the changes only run listeners read."""
        self._engine.tell_dispatches = RunChange.ACTION_STARTED in self._run_listeners
        self._engine.tell_steps_left = RunChange.STEP_LEFT in self._run_listeners

    @callback
    def _notify_run_listeners(
        self, listeners: tuple[RunChangeCallback, ...], run: Run, change: RunChange
    ) -> None:
        for listener in listeners:
            try:
                listener(run, change)
            except Exception:
                _LOGGER.exception("A run listener failed on %s of %s", change, run.run_id)

    @callback
    def on_run_change(self, run: Run, change: RunChange, detail: Any) -> None:
        """The engine's listener: every change of every run."""
        if self.stopped:
            return
        workflow_id = run.definition.id
        if change is RunChange.STEP_ENTERED or change is RunChange.STEP_LEFT:
            # The path of every transition, in the order of the general case below.
            if workflow_id not in self._views:
                return
            if self._views_pending.get(workflow_id) is not run:  # else written with it
                self._live.changed(workflow_id, run)
            if change is RunChange.STEP_ENTERED:
                self._events.fire_state_changed(run, detail)
            # Left too: in a DAG or a parallel block nothing else may change for a while,
            # and a step that ended must not be restored as in flight. A run whose write is
            # due already is collected by it as it is then (most transitions). A run whose
            # end is decided finishes in this same call of its task, and `FINISHED` tells
            # the store (which writes that end at once when the disk holds the run).
            if run.run_id not in self._checkpoint_due:
                self._run_store.changed(run)
            if listeners := self._run_listeners.get(change):
                self._notify_run_listeners(listeners, run, change)
            return
        view = self._views.get(workflow_id)
        if view is None:
            return
        if change is RunChange.ACTION_STARTED:
            # nothing an entity shows changes; keeps the hot path cheap
            if run.rehearsal and not self._rehearsals.dispatched(run, detail):
                _LOGGER.warning(
                    "Rehearsal %s of %s stopped after %s actions: the workflow seems to loop",
                    run.run_id,
                    workflow_id,
                    self._rehearsals.limit,
                )
                run.cancel(route=False)
            if listeners := self._run_listeners.get(change):
                self._notify_run_listeners(listeners, run, change)
            return
        if change is RunChange.STARTED:
            view.last_triggered = run.started_at
            if run.rehearsal:
                self._rehearsals.started(run)
        elif change is RunChange.ERROR_HANDLED:
            log_handled_error(run, detail, self._secrets.redact)
        self._live.changed(workflow_id, run)
        if change is RunChange.FINISHED:
            # Whoever awaited the run (an action with a response) reads its entities next.
            self._live.write_now()
        self._events.fire(change, run)
        self._run_store.changed(run)
        if listeners := self._run_listeners.get(change):
            self._notify_run_listeners(listeners, run, change)
        if change is not RunChange.FINISHED:
            return
        own_clock = run.clock if run.clock is not self._engine.clock else None
        if isinstance(own_clock, VirtualClock):
            own_clock.close()  # a rehearsal's own clock: nothing is left to time
        if wants_notification(run, self._entry.options):
            self._hass.async_create_task(
                async_notify_outcome(self._hass, run, self._secrets.redact),
                f"stream_workflows notify {workflow_id}",
            )
