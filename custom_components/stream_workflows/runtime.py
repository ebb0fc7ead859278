"""What each config entry holds (its typed `runtime_data`), and where the coordinator is found.

One integration, four kinds of entry: the core entry holds the `WorkflowCoordinator`; an OBS
or Twitch entry its link (the connection and the entities that show it); a Discord entry its
REST connection. `StreamWorkflowsConfigEntry` is any of them (what Home Assistant hands the
platforms, which set up by the entry's kind); each kind has an accessor that returns its
runtime data typed, or raises if the entry is of another kind, so no module reads
`runtime_data` as `Any`. Every module that needs the coordinator outside an
entity platform asks `get_coordinator` / `core_coordinator`.

The classes are imported when first needed: the command line and the modules Home Assistant
loads early (logbook, device triggers) need not load the connections' libraries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import DOMAIN
from .state_errors import WorkflowStateError

if TYPE_CHECKING:
    from .adapters.discord.connection import DiscordConnection
    from .connections import ObsLink, TwitchLink
    from .coordinator import WorkflowCoordinator

type RuntimeData = WorkflowCoordinator | ObsLink | TwitchLink | DiscordConnection
type StreamWorkflowsConfigEntry = ConfigEntry[RuntimeData]


class WrongEntryKindError(TypeError):
    """An entry asked for runtime data of another kind (a bug, never a user's input)."""


def runtime_data_of(entry: StreamWorkflowsConfigEntry) -> RuntimeData | None:
    """What the entry holds; None until its setup succeeded (diagnostics may ask then)."""
    data: RuntimeData | None = getattr(entry, "runtime_data", None)
    return data


def _wrong_kind(entry: StreamWorkflowsConfigEntry, wanted: str) -> WrongEntryKindError:
    found = type(runtime_data_of(entry)).__name__
    return WrongEntryKindError(f"entry {entry.title!r} holds a {found}, not a {wanted}")


def _data_as[T](entry: StreamWorkflowsConfigEntry, kind: type[T]) -> T:
    data = runtime_data_of(entry)
    if isinstance(data, kind):
        return data
    raise _wrong_kind(entry, kind.__name__)


def coordinator_of(entry: StreamWorkflowsConfigEntry) -> WorkflowCoordinator:
    """The core entry's coordinator."""
    from .coordinator import WorkflowCoordinator

    return _data_as(entry, WorkflowCoordinator)


def obs_link_of(entry: StreamWorkflowsConfigEntry) -> ObsLink:
    """An OBS entry's link."""
    from .connections import ObsLink

    return _data_as(entry, ObsLink)


def twitch_link_of(entry: StreamWorkflowsConfigEntry) -> TwitchLink:
    """A Twitch entry's link."""
    from .connections import TwitchLink

    return _data_as(entry, TwitchLink)


def discord_connection_of(entry: StreamWorkflowsConfigEntry) -> DiscordConnection:
    """A Discord entry's REST connection."""
    from .adapters.discord.connection import DiscordConnection

    return _data_as(entry, DiscordConnection)


def core_coordinator(hass: HomeAssistant) -> WorkflowCoordinator | None:
    """The coordinator of the loaded core entry, if any."""
    from .coordinator import WorkflowCoordinator

    entries: list[StreamWorkflowsConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
    for entry in entries:
        if isinstance(data := runtime_data_of(entry), WorkflowCoordinator):
            return data
    return None


def get_coordinator(hass: HomeAssistant) -> WorkflowCoordinator:
    """The loaded coordinator; a translated error when the integration is not set up."""
    coordinator = core_coordinator(hass)
    if coordinator is None:
        raise WorkflowStateError("not_loaded")
    return coordinator
