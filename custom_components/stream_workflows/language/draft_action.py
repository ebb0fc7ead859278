"""The action `stream_workflows.draft_from_text`: a sentence → a draft (through AI Task)."""

from __future__ import annotations

from typing import cast

import voluptuous as vol
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse
from homeassistant.helpers import config_validation as cv
from homeassistant.util.json import JsonObjectType

from ..const import DOMAIN, SERVICE_DRAFT_FROM_TEXT
from ..runtime import get_coordinator
from .from_text import MAX_TEXT, async_draft_from_text

ATTR_TEXT = "text"
ATTR_ENTITY_ID = "entity_id"
SCHEMA = vol.Schema(
    {
        vol.Required(ATTR_TEXT): vol.All(cv.string, vol.Length(min=1, max=MAX_TEXT)),
        vol.Optional(ATTR_ENTITY_ID): cv.entity_domain("ai_task"),
    }
)


def async_register_draft_action(hass: HomeAssistant) -> None:
    """Registered on every Home Assistant version; without AI Task a call answers with a
    translated error saying what is missing (the action stays discoverable)."""

    async def draft_from_text(call: ServiceCall) -> ServiceResponse:
        result = await async_draft_from_text(
            hass,
            get_coordinator(hass),
            call.data[ATTR_TEXT],
            entity_id=call.data.get(ATTR_ENTITY_ID),
        )
        return cast(JsonObjectType, result)

    hass.services.async_register(
        DOMAIN,
        SERVICE_DRAFT_FROM_TEXT,
        draft_from_text,
        schema=SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
