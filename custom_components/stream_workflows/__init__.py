"""Stream Workflows: run your stream's rituals as workflows from Home Assistant.

Home Assistant reads `CONFIG_SCHEMA`, `async_setup`, `async_setup_entry` and
`async_unload_entry` from this module; they live in `hass_setup` and load on first use, so that
`stream-workflows` (which imports the engine below this package) does not load Home Assistant's
core and every service library just to check a file.
"""

from __future__ import annotations

from typing import Any

_FROM_HASS_SETUP = frozenset(
    {"CONFIG_SCHEMA", "PLATFORMS", "async_setup", "async_setup_entry", "async_unload_entry"}
)


def __getattr__(name: str) -> Any:
    if name in _FROM_HASS_SETUP:
        from . import hass_setup

        return getattr(hass_setup, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
