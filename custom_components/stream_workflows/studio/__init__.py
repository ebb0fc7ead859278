"""The Studio: a panel, a card and the websocket commands behind them (DESIGN.md §9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback

from ..data_keys import STUDIO_COMMANDS
from ..engine.run import Run, RunChange
from .data import STUDIO, StudioData
from .describe_ws import async_register_describe_commands
from .panel import async_register_frontend, async_unregister_frontend
from .run_record import FinishedRun
from .sharing_ws import async_register_sharing_commands
from .websocket_api import async_register_commands

if TYPE_CHECKING:
    from ..coordinator import WorkflowCoordinator

# The changes a panel or card draws: a wait starting is one (its countdown), an action's
# start inside a step is not.
TOLD = frozenset(
    {
        RunChange.STARTED,
        RunChange.STEP_ENTERED,
        RunChange.WAITING,
        RunChange.STEP_LEFT,
        RunChange.ERROR_HANDLED,
        RunChange.PAUSED,
        RunChange.RESUMED,
        RunChange.FINISHED,
    }
)

RECORDED = frozenset({RunChange.FINISHED})
"""The change the Studio always hears: it records a run that ended (a run still going is
the engine's to look up)."""


async def async_setup_studio(
    hass: HomeAssistant, coordinator: WorkflowCoordinator
) -> Callable[[], None]:
    """Set the Studio up for `coordinator`; the callable returned takes it down again."""
    if STUDIO not in hass.data:
        studio = StudioData(hass)
        await studio.history.async_load()
        await studio.versions.async_load()
        hass.data[STUDIO] = studio
    studio = hass.data[STUDIO]
    if not hass.data.get(STUDIO_COMMANDS):
        async_register_commands(hass)
        async_register_describe_commands(hass)
        hass.data[STUDIO_COMMANDS] = True
    async_register_sharing_commands(hass)

    @callback
    def record(run: Run, _change: RunChange) -> None:
        calls = coordinator.rehearsal_calls(run) if run.rehearsal else []
        studio.history.add(FinishedRun.of(run, calls, coordinator.secrets.frozen().redact_data))

    @callback
    def tell_watchers(run: Run, change: RunChange) -> None:
        # Told at the transition itself, so what subscribers see is the run's state then.
        error = coordinator.secrets.redact_data(run.error.as_dict()) if run.error else None
        for listener in tuple(studio.run_listeners):
            listener(run, change, error)

    told: Callable[[], None] | None = None

    @callback
    def watching_changed() -> None:
        """Hear every change the Studio draws only while a panel or a card watches."""
        nonlocal told
        if studio.run_listeners and told is None:
            told = coordinator.async_add_run_listener(tell_watchers, TOLD)
        elif not studio.run_listeners and told is not None:
            told()
            told = None

    # Recorded first: a watcher told a run ended finds its record.
    removers = [coordinator.async_add_run_listener(record, RECORDED)]
    removers.append(coordinator.async_add_workflows_listener(studio.watch_documents(coordinator)))
    studio.watching_changed = watching_changed
    watching_changed()
    await async_register_frontend(hass)

    @callback
    def cleanup() -> None:
        nonlocal told
        studio.workflows_changed()  # the entry goes (reload): its workflows with it
        if studio.watching_changed is watching_changed:
            studio.watching_changed = None
        if told is not None:
            told()
            told = None
        for remove in removers:
            remove()
        async_unregister_frontend(hass)

    return cleanup
