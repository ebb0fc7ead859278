"""Per-workflow version history of stored workflows, kept in a Home Assistant Store."""

from __future__ import annotations

import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..checked_store import OFF_LOOP

_LOGGER = logging.getLogger(__name__)

MAX_VERSIONS = 20
"""Versions kept per workflow; the oldest go first."""
MAX_WORKFLOWS = 500
"""Workflows with a version history; the least recently saved go first."""
STORAGE_KEY = "stream_workflows.studio_versions"
SAVE_DELAY = 1.0


def summary(document: Any) -> str:
    """One line about a version: its name and how many steps or states it has. A stored
    document that is not a mapping (a damaged one can be replaced or deleted) says so."""
    if not isinstance(document, dict):
        return f"not a workflow ({type(document).__name__})"
    name = str(document.get("name") or document.get("id") or "")[:100]
    for key in ("states", "steps"):
        value = document.get(key)
        if isinstance(value, dict | list):
            return f"{name}: {len(value)} {key}"
    return name


class VersionHistory:
    """Old documents of each stored workflow, newest last, numbered from 1."""

    def __init__(self, hass: HomeAssistant) -> None:
        # Read from the executor thread: what it is given is never changed (see `record`).
        self._store: Store[dict[str, Any]] = Store(hass, 1, STORAGE_KEY, **OFF_LOOP)
        self._data: dict[str, list[dict[str, Any]]] = {}

    async def async_load(self) -> None:
        stored = await self._store.async_load()
        if isinstance(stored, dict) and isinstance(stored.get("workflows"), dict):
            self._data = stored["workflows"]

    def record(self, workflow_id: str, document: Any) -> int | None:
        """Keep `document` as the newest version of `workflow_id`; its number. A document
        the store could not write (nested past JSON's limits: a damaged stored workflow
        being replaced) is not kept, so it cannot stop the other versions being saved."""
        try:
            json_bytes(document)
        except (TypeError, ValueError):
            _LOGGER.warning("Version of %s not kept: it cannot be written as JSON", workflow_id)
            return None
        versions = self._data.get(workflow_id, [])
        number = versions[-1]["version"] + 1 if versions else 1
        newest = {
            "version": number,
            "saved_at": dt_util.utcnow().isoformat(),
            "summary": summary(document),
            "document": document,
        }
        # A new mapping and a new list (copy on write): a save being written in the executor
        # thread reads the ones published before, which nothing changes.
        data = {key: value for key, value in self._data.items() if key != workflow_id}
        data[workflow_id] = [*versions, newest][-MAX_VERSIONS:]  # the newest saved last
        while len(data) > MAX_WORKFLOWS:
            del data[next(iter(data))]
        self._data = data
        self._store.async_delay_save(self._to_save, SAVE_DELAY)
        return number

    def _to_save(self) -> dict[str, Any]:
        return {"workflows": self._data}

    def versions(self, workflow_id: str) -> list[dict[str, Any]]:
        """Newest first, without their documents."""
        return [
            {key: value for key, value in version.items() if key != "document"}
            for version in reversed(self._data.get(workflow_id, []))
        ]

    def document(self, workflow_id: str, version: int) -> dict[str, Any] | None:
        for entry in self._data.get(workflow_id, []):
            if entry["version"] == version:
                document: dict[str, Any] = entry["document"]
                return document
        return None
