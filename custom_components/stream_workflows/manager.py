"""The workflow manager: Home Assistant's side of the engine ("the coordinator").

It loads workflows from files and storage, owns the engine and its runs, mirrors each
workflow's live state into a `WorkflowView` that entities read, pushes every change to them in
the same turn of the event loop, fires bus events, checkpoints runs to storage, restores them
after a restart, attaches triggers and registers one action per workflow.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store
from homeassistant.util import slugify

from .connections import shared_registry
from .const import (
    CHECKPOINT_DELAY,
    CONF_FOLDER,
    CONF_VARIABLES,
    DEFAULT_FOLDER,
    DOMAIN,
    EVENT_RUN_FINISHED,
    EVENT_RUN_STARTED,
    EVENT_STATE_CHANGED,
    STATUS_IDLE,
    STORAGE_KEY_RUNS,
    STORAGE_KEY_WORKFLOWS,
    STORAGE_VERSION,
)
from .engine import (
    InputError,
    Run,
    RunChange,
    RunRejectedError,
    RunStatus,
    WorkflowDefinition,
    WorkflowEngine,
)
from .hass_engine import HassEventHub, hass_clock, template_evaluator
from .services_per_workflow import register_workflow_service, remove_workflow_service
from .sources import WorkflowSource, check_ids, load_folder, load_stored
from .triggers import attach_triggers

_LOGGER = logging.getLogger(__name__)


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
    last_error: dict[str, Any] | None = None
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
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "last_triggered": self.last_triggered.isoformat() if self.last_triggered else None,
        }

    def load_summary(self, data: dict[str, Any]) -> None:
        self.state = data.get("state", STATUS_IDLE)
        self.status = data.get("status", STATUS_IDLE)
        self.run_id = data.get("run_id")
        self.last_error = data.get("last_error")
        self.started_at = _parse_time(data.get("started_at"))
        self.finished_at = _parse_time(data.get("finished_at"))
        self.last_triggered = _parse_time(data.get("last_triggered"))


type WorkflowsAddedCallback = Callable[[list[str]], None]


class WorkflowManager:
    """Owns the engine and everything Home Assistant shows of it."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry) -> None:
        self.hass = hass
        self.entry = entry
        self.registry = shared_registry(hass)
        self.engine = WorkflowEngine(
            self.registry,
            clock=hass_clock(),
            events=HassEventHub(hass),
            listener=self._on_run_change,
            templates=template_evaluator(hass),
            globals_=entry.options.get(CONF_VARIABLES, {}),
            eager_start=True,
        )
        self.sources: list[WorkflowSource] = []
        self.workflows: dict[str, WorkflowDefinition] = {}
        self.views: dict[str, WorkflowView] = {}
        self._view_listeners: dict[str, list[CALLBACK_TYPE]] = {}
        self._added_listeners: list[WorkflowsAddedCallback] = []
        self._run_store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY_RUNS)
        self._workflow_store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, STORAGE_KEY_WORKFLOWS
        )
        self.stored_documents: dict[str, Any] = {}
        self._triggers: dict[str, CALLBACK_TYPE] = {}
        self._issues: set[str] = set()
        self._stopped = False
        self._cancel_restore: CALLBACK_TYPE | None = None
        # Saved runs waiting for Home Assistant to finish starting; saved again if it stops first.
        self._pending_restore: list[dict[str, Any]] = []

    @property
    def folder(self) -> Path:
        return Path(self.hass.config.path(self.entry.data.get(CONF_FOLDER, DEFAULT_FOLDER)))

    # -- life cycle ---------------------------------------------------------------------

    async def async_setup(self) -> None:
        """Load workflows and bring back the runs that were active before a restart."""
        self.stored_documents = dict((await self._workflow_store.async_load()) or {})
        saved = (await self._run_store.async_load()) or {}
        await self.async_reload()
        for workflow_id, summary in saved.get("last", {}).items():
            if workflow_id in self.views:
                self.views[workflow_id].load_summary(summary)
        snapshots: list[dict[str, Any]] = saved.get("runs", [])
        if self.hass.is_running or not snapshots:
            for snapshot in snapshots:
                self._restore(snapshot)
            return

        # At boot, wait until every entry is set up: a restored run's next step may need the
        # OBS, Twitch or Discord connection, which loads after (or beside) this entry. Until
        # then the sensors show the saved state.
        self._pending_restore = snapshots

        @callback
        def restore_when_started(_hass: HomeAssistant) -> None:
            self._cancel_restore = None
            pending, self._pending_restore = self._pending_restore, []
            for snapshot in pending:
                self._restore(snapshot)

        self._cancel_restore = async_at_started(self.hass, restore_when_started)

    def _restore(self, snapshot: dict[str, Any]) -> None:
        workflow_id = snapshot.get("workflow_id", "")
        definition = self.workflows.get(workflow_id)
        view = self.views.get(workflow_id)
        if definition is None or view is None:
            _LOGGER.warning(
                "Run %s of %s could not be restored: the workflow no longer exists",
                snapshot.get("run_id"),
                workflow_id,
            )
            return
        if definition.fingerprint != snapshot.get("fingerprint"):
            view.status = view.state = RunStatus.FAILED.value
            view.last_error = {
                "step": None,
                "type": "workflow_changed",
                "message": "the workflow file changed while Home Assistant was stopped; "
                "its run could not continue",
            }
            return
        self.engine.restore(definition, snapshot)
        _LOGGER.info("Restored run %s of %s", snapshot.get("run_id"), workflow_id)

    async def async_stop(self) -> None:
        """Save every active run and stop their tasks; they continue after the restart."""
        if self._stopped:
            return
        self._stopped = True
        if self._cancel_restore is not None:
            self._cancel_restore()
            self._cancel_restore = None
        data = self._data_to_save()
        for remove in self._triggers.values():
            remove()
        self._triggers.clear()
        for workflow_id in self.workflows:
            remove_workflow_service(self.hass, workflow_id)
        await self.engine.shutdown()
        await self._run_store.async_save(data)

    def _data_to_save(self) -> dict[str, Any]:
        return {
            "runs": [run.snapshot() for run in self.engine.runs()] + self._pending_restore,
            "last": {workflow_id: view.summary() for workflow_id, view in self.views.items()},
        }

    def _checkpoint(self) -> None:
        self._run_store.async_delay_save(self._data_to_save, CHECKPOINT_DELAY)

    # -- loading ------------------------------------------------------------------------

    async def async_reload(self) -> None:
        """(Re)load every workflow; runs of unchanged workflows keep going."""
        files = await self.hass.async_add_executor_job(load_folder, self.folder, self.registry)
        sources = files + load_stored(self.stored_documents, self.registry)
        by_id = check_ids(sources)
        for workflow_id, source in list(by_id.items()):
            assert source.definition is not None
            problems = await attach_triggers(self, source.definition, dry_run=True)
            if problems:
                source.problems.extend(problems)
                source.definition = None
                del by_id[workflow_id]
        self.sources = sources
        self._update_issues(sources)
        new = {workflow_id: source.definition for workflow_id, source in by_id.items()}
        old = self.workflows
        for workflow_id in set(old) - set(new):
            self._remove_workflow(workflow_id)
        added: list[str] = []
        for workflow_id, definition in new.items():
            assert definition is not None
            previous = old.get(workflow_id)
            if previous is not None and previous.fingerprint == definition.fingerprint:
                continue
            self.workflows[workflow_id] = definition
            if previous is None:
                added.append(workflow_id)
            await self._install(definition)
        if added:
            for listener in list(self._added_listeners):
                listener(added)

    async def _install(self, definition: WorkflowDefinition) -> None:
        view = self.views.get(definition.id)
        if view is None:
            view = self.views[definition.id] = WorkflowView(
                definition.id, definition.name, definition.mode.value
            )
        view.name = definition.name
        view.mode = definition.mode.value
        view.steps = definition.action_count()
        # A changed workflow keeps its device; the device follows its name and shape.
        device_registry = dr.async_get(self.hass)
        device = device_registry.async_get_device(identifiers={(DOMAIN, definition.id)})
        if device is not None:
            device_registry.async_update_device(
                device.id,
                name=definition.name,
                model=device_model(definition),
            )
        register_workflow_service(self, definition)
        if remove := self._triggers.pop(definition.id, None):
            remove()
        await attach_triggers(self, definition, dry_run=False)
        self._notify(definition.id)

    def set_trigger_remover(self, workflow_id: str, remove: CALLBACK_TYPE) -> None:
        self._triggers[workflow_id] = remove

    def _remove_workflow(self, workflow_id: str) -> None:
        self.workflows.pop(workflow_id, None)
        if remove := self._triggers.pop(workflow_id, None):
            remove()
        remove_workflow_service(self.hass, workflow_id)
        self.views.pop(workflow_id, None)
        self._view_listeners.pop(workflow_id, None)
        device_registry = dr.async_get(self.hass)
        device = device_registry.async_get_device(identifiers={(DOMAIN, workflow_id)})
        if device is not None:
            device_registry.async_update_device(
                device.id, remove_config_entry_id=self.entry.entry_id
            )

    def _update_issues(self, sources: list[WorkflowSource]) -> None:
        current: set[str] = set()
        for source in sources:
            if not source.errors:
                continue
            issue_id = f"invalid_workflow_{slugify(source.label)}"
            current.add(issue_id)
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR,
                translation_key="invalid_workflow",
                translation_placeholders={
                    "file": source.label,
                    "errors": "\n".join(f"- {p.format()}" for p in source.errors),
                },
            )
            _LOGGER.error(
                "Workflow %s is invalid:\n%s",
                source.label,
                "\n".join(p.format() for p in source.errors),
            )
        for issue_id in self._issues - current:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        self._issues = current

    async def async_save_workflow(self, document: dict[str, Any]) -> str:
        """Store a workflow definition in Home Assistant storage and load it."""
        from .engine import load_definition

        workflow_id = document.get("id")
        definition, problems = load_definition(document, self.registry, source="storage")
        errors = [p for p in problems if p.severity == "error"]
        if definition is None or errors or not isinstance(workflow_id, str):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_definition",
                translation_placeholders={"errors": "; ".join(p.format() for p in errors)},
            )
        self.stored_documents[workflow_id] = document
        await self._workflow_store.async_save(self.stored_documents)
        await self.async_reload()
        return workflow_id

    async def async_delete_workflow(self, workflow_id: str) -> None:
        """Delete a stored workflow."""
        if workflow_id not in self.stored_documents:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_stored",
                translation_placeholders={"workflow_id": workflow_id},
            )
        del self.stored_documents[workflow_id]
        await self._workflow_store.async_save(self.stored_documents)
        await self.async_reload()

    # -- runs ---------------------------------------------------------------------------

    def definition(self, workflow_id: str) -> WorkflowDefinition:
        """The definition of `workflow_id`; a translated error when there is none."""
        definition = self.workflows.get(workflow_id)
        if definition is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="unknown_workflow",
                translation_placeholders={"workflow_id": workflow_id},
            )
        return definition

    def start(
        self,
        workflow_id: str,
        variables: dict[str, Any] | None = None,
        *,
        rehearsal: bool = False,
        trigger: dict[str, Any] | None = None,
    ) -> Run:
        """Start a run; bad input raises a translated `ServiceValidationError`."""
        definition = self.definition(workflow_id)
        try:
            return self.engine.start(
                definition, variables or {}, rehearsal=rehearsal, trigger=trigger
            )
        except InputError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_variables",
                translation_placeholders={"workflow_id": workflow_id, "error": str(err)},
            ) from err
        except RunRejectedError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="already_running",
                translation_placeholders={"workflow_id": workflow_id, "error": str(err)},
            ) from err

    def active_runs(self, workflow_id: str) -> list[Run]:
        self.definition(workflow_id)
        return self.engine.active_runs(workflow_id)

    def pause(self, workflow_id: str) -> None:
        """Pause every running run of the workflow."""
        if not [run for run in self.active_runs(workflow_id) if run.pause()]:
            raise self._not_in_status(workflow_id, "not_running")

    def resume(self, workflow_id: str) -> None:
        """Resume every paused run of the workflow."""
        if not [run for run in self.active_runs(workflow_id) if run.resume()]:
            raise self._not_in_status(workflow_id, "not_paused")

    def cancel(self, workflow_id: str) -> None:
        """Cancel every run of the workflow, queued ones included."""
        self.definition(workflow_id)
        runs = self.engine.runs(workflow_id)
        if not [run for run in runs if run.cancel()]:
            raise self._not_in_status(workflow_id, "not_running")

    def _not_in_status(self, workflow_id: str, key: str) -> ServiceValidationError:
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={"workflow_id": workflow_id},
        )

    # -- live state ---------------------------------------------------------------------

    @callback
    def async_add_view_listener(self, workflow_id: str, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` whenever the workflow's view changes."""
        listeners = self._view_listeners.setdefault(workflow_id, [])
        listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in listeners:
                listeners.remove(listener)

        return remove

    @callback
    def async_add_workflows_listener(self, listener: WorkflowsAddedCallback) -> CALLBACK_TYPE:
        """Call `listener` with the ids of workflows added by a reload."""
        self._added_listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in self._added_listeners:
                self._added_listeners.remove(listener)

        return remove

    def _notify(self, workflow_id: str) -> None:
        for listener in list(self._view_listeners.get(workflow_id, ())):
            listener()

    @callback
    def _on_run_change(self, run: Run, change: RunChange, detail: Any) -> None:
        if self._stopped:
            return
        workflow_id = run.definition.id
        view = self.views.get(workflow_id)
        if view is None:
            return
        if change is RunChange.ACTION_STARTED:
            return  # nothing an entity shows changes; keeps the hot path cheap
        if change is RunChange.STARTED:
            view.last_triggered = run.started_at
        self._refresh_view(view, run)
        self._notify(workflow_id)
        self._fire(change, run)
        self._checkpoint()

    def _refresh_view(self, view: WorkflowView, changed: Run) -> None:
        active = self.engine.active_runs(view.workflow_id)
        run = active[-1] if active else changed
        view.active_runs = len(active)
        view.run_id = run.run_id
        view.status = run.status.value
        view.started_at = run.started_at
        view.finished_at = run.finished_at
        view.inputs = {name: run.variables.get(name) for name in run.definition.inputs}
        view.step = run.current[-1] if run.current else (run.path[-1] if run.path else None)
        view.step_index, view.steps = run.progress()
        # A paused wait has no end yet: it resumes with its remaining time.
        view.wait_ends_at = run.wait_ends_at() if run.status is RunStatus.RUNNING else None
        view.wait_total = next(
            (info["wait_total"] for info in run.active.values() if "wait_total" in info), None
        )
        if run.status is RunStatus.RUNNING:
            view.state = view.step or RunStatus.RUNNING.value
        else:
            view.state = run.status.value
        if run.status.finished:
            view.last_error = run.error.as_dict() if run.error else None

    def _fire(self, change: RunChange, run: Run) -> None:
        event_type = {
            RunChange.STARTED: EVENT_RUN_STARTED,
            RunChange.STEP_ENTERED: EVENT_STATE_CHANGED,
            RunChange.PAUSED: EVENT_STATE_CHANGED,
            RunChange.RESUMED: EVENT_STATE_CHANGED,
            RunChange.FINISHED: EVENT_RUN_FINISHED,
        }.get(change)
        if event_type is None:
            return
        self.hass.bus.async_fire(
            event_type,
            {
                "workflow_id": run.definition.id,
                "run_id": run.run_id,
                "state": _run_state(run),
                "status": run.status.value,
                "error": run.error.as_dict() if run.error else None,
            },
        )


def device_model(definition: WorkflowDefinition) -> str:
    """The model a workflow's device shows: its shape."""
    return f"{definition.shape.value.replace('_', ' ')} workflow"


def _run_state(run: Run) -> str:
    if run.status is RunStatus.RUNNING:
        return run.current[-1] if run.current else (run.path[-1] if run.path else "running")
    return run.status.value


def _parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
