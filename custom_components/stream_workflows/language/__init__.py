"""Natural language: the LLM API and its tools, and the drafts they make (DESIGN §11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_when_setup

from .drafts import get_draft, list_drafts, previous_document
from .intents import async_setup_intents
from .llm_api import API_ID, API_WITH_ASSIST_ID, async_register_apis

if TYPE_CHECKING:
    from ..coordinator import WorkflowCoordinator


def async_setup_language(
    hass: HomeAssistant, coordinator: WorkflowCoordinator
) -> Callable[[], None]:
    """Register the LLM APIs, and the intents once conversation is loaded; the returned
    function undoes it all (on unload)."""
    removers = [async_register_apis(hass)]
    stopped = False

    async def with_conversation(hass: HomeAssistant, _component: str) -> None:
        if not stopped:
            removers.append(await async_setup_intents(hass))

    async_when_setup(hass, "conversation", with_conversation)

    def remove() -> None:
        nonlocal stopped
        stopped = True
        for remover in removers:
            remover()

    return remove


__all__ = [
    "API_ID",
    "API_WITH_ASSIST_ID",
    "async_setup_language",
    "get_draft",
    "list_drafts",
    "previous_document",
]
