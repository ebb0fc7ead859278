"""The templates the user made ("Save as template"), kept in Home Assistant's storage.

`.storage/stream_workflows.templates`: `{"templates": {ID: TEMPLATE_DOCUMENT}}`, the same
documents a template file holds. One store per Home Assistant, loaded on first use; the
shipped templates stay files inside the integration and are never written.
"""

from __future__ import annotations

import asyncio
import copy
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .checked_store import CheckedStore
from .const import DOMAIN
from .sharing.preview import free_id

STORAGE_VERSION = 1
STORAGE_KEY = f"{DOMAIN}.templates"
MAX_USER_TEMPLATES = 200
_DATA: HassKey[TemplateStore] = HassKey(f"{DOMAIN}_user_templates")
_LOCK: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_user_templates_lock")


class TemplateStore:
    """The user's templates by id; every change is written before it is reported."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._store: CheckedStore[dict[str, Any]] = CheckedStore(hass, STORAGE_VERSION, STORAGE_KEY)
        self.templates: dict[str, dict[str, Any]] = {}

    async def async_load(self) -> None:
        data = await self._store.async_load()
        saved = data.get("templates") if isinstance(data, dict) else None
        self.templates = dict(saved) if isinstance(saved, dict) else {}

    def free_id(self, name: str, taken: set[str]) -> str:
        """An id for a new template named `name` (its slug), beside `taken` and ours."""
        slug = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:90] or "my_template"
        return free_id(slug, taken | set(self.templates))

    async def async_add(self, template_id: str, document: dict[str, Any]) -> None:
        """Save a new template (StoreWriteError if it could not be written)."""
        if len(self.templates) >= MAX_USER_TEMPLATES and template_id not in self.templates:
            raise ValueError(f"at most {MAX_USER_TEMPLATES} templates of your own")
        templates = {**self.templates, template_id: copy.deepcopy(document)}
        await self._store.async_save_checked({"templates": templates})
        self.templates = templates

    async def async_remove(self, template_id: str) -> bool:
        if template_id not in self.templates:
            return False
        templates = {k: v for k, v in self.templates.items() if k != template_id}
        await self._store.async_save_checked({"templates": templates})
        self.templates = templates
        return True


async def async_get_template_store(hass: HomeAssistant) -> TemplateStore:
    """The user's templates, loaded the first time they are asked for."""
    lock = hass.data.setdefault(_LOCK, asyncio.Lock())
    async with lock:
        store = hass.data.get(_DATA)
        if store is None:
            store = TemplateStore(hass)
            await store.async_load()
            hass.data[_DATA] = store
    return store
