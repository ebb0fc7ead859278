"""Every key the integration keeps in `hass.data`, typed, in one place.

Each is a `HassKey[T]`: `hass.data[KEY]` is a `T` to mypy, so no access is an `Any`. What a
config entry holds (its `runtime_data`) is in `runtime.py`; these are the objects shared by
every entry, or kept for the whole Home Assistant run. Two keys live beside the class they
hold, so that nothing below them imports upward: `studio.data.STUDIO`, `language.drafts.DRAFTS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.util.hass_dict import HassKey

if TYPE_CHECKING:
    from .engine import AdapterRegistry

# The adapters every run uses; each connection entry plugs its connection into one of them.
ADAPTERS: Final[HassKey[AdapterRegistry]] = HassKey("stream_workflows_adapters")
# Websocket commands and static paths cannot be unregistered: registered once per run.
STUDIO_COMMANDS: Final[HassKey[bool]] = HassKey("stream_workflows_studio_ws")
SHARING_COMMANDS: Final[HassKey[bool]] = HassKey("stream_workflows_sharing_ws")
STATIC_PATHS: Final[HassKey[bool]] = HassKey("stream_workflows_static_registered")
# The dashboard card's module URL while it is added to every page (removed on unload).
CARD_URL: Final[HassKey[str]] = HassKey("stream_workflows_card_url")
