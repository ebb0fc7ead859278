"""Home Assistant's real Ollama integration pointed at the local scripted server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from local_peers.ollama_server import MODEL, OllamaServer


@pytest.fixture
async def ollama_server() -> AsyncIterator[OllamaServer]:
    server = OllamaServer()
    await server.start()
    yield server
    await server.stop()


def has_subentries() -> bool:
    from homeassistant.components.ollama import config_flow

    return getattr(config_flow.OllamaConfigFlow, "VERSION", 1) >= 3  # 2025.7+


async def ollama_entry(
    hass: HomeAssistant, server: OllamaServer, *, ai_task: bool = False
) -> MockConfigEntry:
    """An Ollama entry with a conversation agent on our API (and an AI Task entity)."""
    assert await async_setup_component(hass, "homeassistant", {})  # exposure settings
    if has_subentries():
        subentries: list[dict[str, Any]] = [
            {
                "data": {"model": MODEL, "llm_hass_api": ["stream_workflows"]},
                "subentry_type": "conversation",
                "title": "Ollama Conversation",
                "unique_id": None,
            }
        ]
        if ai_task:
            subentries.append(
                {
                    "data": {"model": MODEL},
                    "subentry_type": "ai_task_data",
                    "title": "Ollama AI Task",
                    "unique_id": None,
                }
            )
        entry = MockConfigEntry(
            domain="ollama",
            data={"url": server.url},
            version=3,
            minor_version=3,
            subentries_data=subentries,
        )
    else:  # 2025.4: one API, a string option; no AI Task
        entry = MockConfigEntry(
            domain="ollama",
            data={"url": server.url, "model": MODEL},
            options={"llm_hass_api": "stream_workflows"},
        )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def agent_id(hass: HomeAssistant) -> str:
    ids = [
        s
        for s in hass.states.async_entity_ids("conversation")
        if s != "conversation.home_assistant"
    ]
    assert ids, hass.states.async_entity_ids("conversation")
    return ids[0]


async def ollama_agent(hass: HomeAssistant, server: OllamaServer) -> str:
    await ollama_entry(hass, server)
    return agent_id(hass)
