"""The workflow coordinator: Home Assistant's side of the engine ("the coordinator").

It loads workflows from files and storage, owns the engine and its runs, has every run
change mirrored (`run_mirror`: the entity views, bus events, checkpoints and run listeners),
restores runs after a restart and attaches triggers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr

from .checked_store import CheckedStore, PlainJSONEncoder, StoreWriteError
from .connections import shared_registry
from .const import (
    CONF_FOLDER,
    CONF_SECRETS,
    CONF_VARIABLES,
    DEFAULT_FOLDER,
    DOMAIN,
    STORAGE_KEY_WORKFLOWS,
    STORAGE_VERSION,
)
from .engine import (
    InputError,
    Run,
    RunChange,
    RunRejectedError,
    WorkflowDefinition,
    WorkflowEngine,
)
from .engine.errors import Problem
from .hass_engine import HassEventHub, hass_clock, rehearsal_clock, template_evaluator
from .issues import WorkflowIssues
from .live_views import LiveViews
from .outcomes import RehearsalCalls
from .redaction import Secrets
from .run_events import RunEvents
from .run_mirror import RunChangeCallback, RunMirror
from .run_persistence import RunPersistence
from .sources import WorkflowSource, check_ids, load_folder, load_stored
from .state_errors import WorkflowStateError
from .stored_workflows import check_document, refuse_oversized
from .triggers import async_attach_triggers, validate_triggers

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkflowsChanged:
    """What a reload (or the coordinator's stop) changed, by workflow id.

    `added`: new workflows (their entities are to be added); `installed`: every workflow
    (re)installed, the added ones included; `removed`: workflows taken out (at stop: all).
    """

    added: tuple[str, ...] = ()
    installed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


type WorkflowsChangedCallback = Callable[[WorkflowsChanged], None]


class EntrySettings(Protocol):
    """What the coordinator reads of the core config entry (a `ConfigEntry` of any runtime
    data is one; taking only this keeps the entry's type, defined above, out of here)."""

    @property
    def entry_id(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...
    @property
    def options(self) -> Mapping[str, Any]: ...


class WorkflowCoordinator:
    """Owns the engine and everything Home Assistant shows of it."""

    def __init__(self, hass: HomeAssistant, entry: EntrySettings) -> None:
        self.hass = hass
        self.entry = entry
        self.registry = shared_registry(hass)
        self.clock = hass_clock()
        self.engine = WorkflowEngine(
            self.registry,
            clock=self.clock,
            events=HassEventHub(hass),
            templates=template_evaluator(hass),
            globals_=entry.options.get(CONF_VARIABLES, {}),
            eager_start=True,
        )
        self.sources: list[WorkflowSource] = []
        self.workflows: dict[str, WorkflowDefinition] = {}
        self.live = LiveViews(hass, self.engine.active_runs)
        self.views = self.live.views
        self.rehearsals = RehearsalCalls()
        self._workflows_listeners: list[WorkflowsChangedCallback] = []
        # Secret shared variables are taken out of histories (and diagnostics, logs, exports).
        self.secrets = Secrets()
        self.update_secrets()
        self.engine.redact = self.secrets.redact
        self.events = RunEvents(hass, self.secrets.redact_data)
        self.persistence = RunPersistence(
            hass, self.engine, self.workflows, self.views, self.secrets.redact_data
        )
        self.run_store = self.persistence.store
        # Every run change, mirrored: the engine's listener (run_mirror.py).
        self.mirror = RunMirror(
            hass,
            entry,
            self.engine,
            self.live,
            self.events,
            self.run_store,
            self.rehearsals,
            self.secrets,
        )
        self.engine.listener = self.mirror.on_run_change
        # An external action waits for its run's checkpoint before it is dispatched.
        self.engine.before_dispatch = self.run_store.durable
        self._workflow_store: CheckedStore[dict[str, Any]] = CheckedStore(
            hass, STORAGE_VERSION, STORAGE_KEY_WORKFLOWS, encoder=PlainJSONEncoder
        )
        self.stored_documents: dict[str, Any] = {}
        self._triggers: dict[str, CALLBACK_TYPE] = {}
        self.issues = WorkflowIssues(hass, self.secrets.redact)

    @property
    def folder(self) -> Path:
        return Path(self.hass.config.path(self.entry.data.get(CONF_FOLDER, DEFAULT_FOLDER)))

    # -- life cycle ---------------------------------------------------------------------

    def update_secrets(self) -> None:
        """Read the shared variables and which of them are secret from the options again."""
        options = self.entry.options
        self.secrets.update(options.get(CONF_VARIABLES, {}), options.get(CONF_SECRETS, []))

    async def async_setup(self) -> None:
        """Load workflows and bring back the runs that were active before a restart.
        Nothing stored can make this fail: a bad workflow, or a run that cannot be
        restored, is logged (and raised as a Repairs issue) and the rest goes on."""
        stored = await self._workflow_store.async_load()
        self.stored_documents = dict(stored) if isinstance(stored, dict) else {}
        saved = await self.persistence.async_load()
        await self.async_reload()
        self.persistence.async_restore(saved)

    async def async_stop(self) -> None:
        """Save every active run and stop their tasks; they continue after the restart."""
        if self.mirror.stopped:
            return
        self.mirror.stopped = True  # nothing more is mirrored, and this stops once
        self.live.stop()
        self.persistence.cancel_restore()
        for remove in self._triggers.values():
            remove()
        self._triggers.clear()
        self._tell_workflows_changed(WorkflowsChanged(removed=tuple(self.workflows)))
        runs = self.engine.runs()
        # Stopped first, then saved: a run stopped while its action waited for its
        # checkpoint is saved with that action not dispatched.
        await self.engine.shutdown()
        await self.persistence.async_final_save(runs)

    # -- loading ------------------------------------------------------------------------

    async def async_reload(self) -> None:
        """(Re)load every workflow; runs of unchanged workflows keep going. One workflow's
        failure (its definition, its triggers, anything while installing it) is that
        workflow's problem: a Repairs issue, never a failed reload or setup."""
        files = await self.hass.async_add_executor_job(load_folder, self.folder, self.registry)
        stored = await self.hass.async_add_executor_job(
            load_stored, dict(self.stored_documents), self.registry
        )
        sources = files + stored
        by_id = check_ids(sources)
        for workflow_id, source in list(by_id.items()):
            assert source.definition is not None
            problems = await validate_triggers(self.hass, source.definition)
            if problems:
                source.problems.extend(problems)
                source.definition = None
                del by_id[workflow_id]
        new = {workflow_id: source.definition for workflow_id, source in by_id.items()}
        old = dict(self.workflows)
        removed: list[str] = []
        for workflow_id in set(old) - set(new):
            await self._remove_workflow(
                workflow_id, "its workflow was removed or is no longer valid"
            )
            removed.append(workflow_id)
        added: list[str] = []
        installed: list[str] = []
        for workflow_id, definition in new.items():
            assert definition is not None
            previous = old.get(workflow_id)
            if previous is not None and previous.fingerprint == definition.fingerprint:
                continue
            try:
                await self._install(definition)
            except Exception as err:
                _LOGGER.exception("Workflow %s could not be set up", workflow_id)
                source = by_id[workflow_id]
                source.problems.append(
                    Problem("", f"could not be set up: {type(err).__name__}: {err}")
                )
                source.definition = None
                await self._remove_workflow(workflow_id, "it could not be set up")
                if previous is not None:
                    removed.append(workflow_id)
                continue
            installed.append(workflow_id)
            if previous is None:
                added.append(workflow_id)
        self.sources = sources
        self.issues.update(sources)
        if added or installed or removed:
            self._tell_workflows_changed(
                WorkflowsChanged(tuple(added), tuple(installed), tuple(removed))
            )

    def _tell_workflows_changed(self, change: WorkflowsChanged) -> None:
        for listener in list(self._workflows_listeners):
            listener(change)

    async def _install(self, definition: WorkflowDefinition) -> None:
        self.workflows[definition.id] = definition
        self.live.install(definition)
        # A changed workflow keeps its device; the device follows its name and shape.
        device_registry = dr.async_get(self.hass)
        device = device_registry.async_get_device(identifiers={(DOMAIN, definition.id)})
        if device is not None:
            device_registry.async_update_device(
                device.id,
                name=definition.name,
                model=device_model(definition),
            )
        if remove := self._triggers.pop(definition.id, None):
            remove()
        workflow_id = definition.id

        def start(variables: dict[str, Any], trigger: dict[str, Any]) -> None:
            self.start(workflow_id, variables, trigger=trigger)

        self._triggers[workflow_id] = await async_attach_triggers(self.hass, definition, start)
        self.live.tell(workflow_id)

    async def _remove_workflow(self, workflow_id: str, reason: str) -> None:
        """Take a workflow out. Its runs cannot go on (their steps, entities and action are
        gone): each is cancelled, with `reason` logged and in its history."""
        runs = self.engine.runs(workflow_id)
        for run in runs:
            _LOGGER.warning("Run %s of %s is cancelled: %s", run.run_id, workflow_id, reason)
            run.history.add(run.clock.now(), "log", None, {"message": f"cancelled: {reason}"})
            run.cancel(route=False)
        waiting = [asyncio.ensure_future(run.wait()) for run in runs if not run.finished]
        if waiting:
            _, late = await asyncio.wait(waiting, timeout=10)
            for future in late:
                future.cancel()
        self.workflows.pop(workflow_id, None)
        if remove := self._triggers.pop(workflow_id, None):
            remove()
        self.live.remove(workflow_id)
        device_registry = dr.async_get(self.hass)
        device = device_registry.async_get_device(identifiers={(DOMAIN, workflow_id)})
        if device is not None:
            device_registry.async_update_device(
                device.id, remove_config_entry_id=self.entry.entry_id
            )
        self.run_store.changed()

    async def async_save_workflow(self, document: dict[str, Any]) -> str:
        """Validate a definition exactly as a file is (triggers included; reserved ids and
        ids a file uses refused), store it, and load it. Nothing invalid is stored, and a
        failed write is an error: what this returns is saved."""
        refuse_oversized(document)  # cheap and bounded, here on the event loop
        definition, problems = await self.hass.async_add_executor_job(
            check_document, document, self.registry, self._ids_of_files()
        )
        if definition is not None and not problems:
            problems = await validate_triggers(self.hass, definition)
        if definition is None or problems:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_definition",
                translation_placeholders={
                    "errors": self.secrets.redact("; ".join(p.format() for p in problems))
                },
            )
        workflow_id = definition.id
        documents = {**self.stored_documents, workflow_id: document}
        await self._save_documents(documents)
        await self.async_reload()
        return workflow_id

    def _ids_of_files(self) -> set[str]:
        return {
            source.definition.id
            for source in self.sources
            if not source.stored and source.definition is not None
        }

    async def async_delete_workflow(self, workflow_id: str) -> None:
        """Delete a stored workflow (a valid one or not: a bad one can always go)."""
        if workflow_id not in self.stored_documents:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_stored",
                translation_placeholders={"workflow_id": workflow_id},
            )
        documents = dict(self.stored_documents)
        del documents[workflow_id]
        await self._save_documents(documents)
        await self.async_reload()

    async def _save_documents(self, documents: dict[str, Any]) -> None:
        """Write the stored workflows; only once written do they become the coordinator's."""
        try:
            await self._workflow_store.async_save_checked(documents)
        except StoreWriteError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="store_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self.stored_documents = documents

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
        virtual_time: bool = True,
        trigger: dict[str, Any] | None = None,
    ) -> Run:
        """Start a run; bad input raises a translated `ServiceValidationError`.

        A rehearsal runs on a virtual clock of its own (its waits take no real time, as
        `stream-workflows simulate`), unless `virtual_time` is False: then it keeps real time,
        to watch it step by step on a dashboard or a deck."""
        definition = self.definition(workflow_id)
        self.clock.refresh()  # the time zone's offset, looked up at most once a minute
        clock = rehearsal_clock() if rehearsal and virtual_time else None
        # What the start changed is written when it returns (a run that ended at once
        # included), so nothing is scheduled for the end of the turn meanwhile.
        self.live.hold()
        try:
            run = self.engine.start(
                definition, variables or {}, rehearsal=rehearsal, trigger=trigger, clock=clock
            )
        except InputError as err:
            raise WorkflowStateError(
                "invalid_variables", {"workflow_id": workflow_id, "error": str(err)}
            ) from err
        except RunRejectedError as err:
            raise WorkflowStateError(
                "already_running", {"workflow_id": workflow_id, "error": str(err)}
            ) from err
        finally:
            self.live.release()
        return run

    def rehearsal_calls(self, run: Run) -> list[dict[str, Any]]:
        """The calls a rehearsal recorded instead of making them (rendered parameters)."""
        return self.rehearsals.of(run)

    def rehearsal_limited(self, run: Run) -> dict[str, Any] | None:
        """Why a rehearsal was stopped early (it looped), as a run error."""
        return self.rehearsals.limited(run)

    def active_runs(self, workflow_id: str) -> list[Run]:
        self.definition(workflow_id)
        return self.engine.active_runs(workflow_id)

    def pause(self, workflow_id: str) -> None:
        """Pause every running run of the workflow."""
        if not [run for run in self.active_runs(workflow_id) if run.pause()]:
            raise self._not_in_status(workflow_id, "not_running")
        self.write_views()

    def resume(self, workflow_id: str) -> None:
        """Resume every paused run of the workflow."""
        if not [run for run in self.active_runs(workflow_id) if run.resume()]:
            raise self._not_in_status(workflow_id, "not_paused")
        self.write_views()

    def cancel(self, workflow_id: str) -> None:
        """Cancel every run of the workflow, queued ones included."""
        self.definition(workflow_id)
        runs = self.engine.runs(workflow_id)
        if not [run for run in runs if run.cancel()]:
            raise self._not_in_status(workflow_id, "not_running")
        self.write_views()

    def _not_in_status(self, workflow_id: str, key: str) -> ServiceValidationError:
        return WorkflowStateError(key, {"workflow_id": workflow_id})

    # -- live state ---------------------------------------------------------------------

    @callback
    def async_add_view_listener(self, workflow_id: str, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` whenever the workflow's view changes; return its remover."""
        return self.live.add_listener(workflow_id, listener)

    @callback
    def async_add_run_listener(
        self, listener: RunChangeCallback, changes: Iterable[RunChange] | None = None
    ) -> CALLBACK_TYPE:
        """Call `listener(run, change)` on each change in `changes` (default: every change)
        of every run; return its remover (`RunMirror.add_listener` says when and how)."""
        return self.mirror.add_listener(listener, changes)

    def async_add_workflows_listener(self, listener: WorkflowsChangedCallback) -> CALLBACK_TYPE:
        """Call `listener` with a `WorkflowsChanged` at the end of every reload that changed
        a workflow, and at stop (every workflow removed); return its remover."""
        self._workflows_listeners.append(listener)

        @callback
        def remove() -> None:
            if listener in self._workflows_listeners:
                self._workflows_listeners.remove(listener)

        return remove

    @callback
    def write_views(self) -> None:
        """Write every entity whose workflow changed since the last write, now."""
        self.live.write_now()


def device_model(definition: WorkflowDefinition) -> str:
    """The model a workflow's device shows: its shape."""
    return f"{definition.shape.value.replace('_', ' ')} workflow"
