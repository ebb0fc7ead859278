"""The application credentials dialog (Twitch's app) and each workflow's action description."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.stream_workflows.const import DOMAIN


async def test_credentials_dialog_links_to_twitch(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    assert await async_setup_component(hass, "application_credentials", {})
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "application_credentials/config"})
    response = await client.receive_json()
    assert response["success"], response
    assert DOMAIN in response["result"]["domains"]
    assert response["result"]["integrations"][DOMAIN] == {
        "description_placeholders": {
            "console_url": "https://dev.twitch.tv/console/apps",
            "redirect_url": "https://my.home-assistant.io/redirect/oauth",
        }
    }


async def test_workflow_action_fields_show_examples(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow(
        "shout.json",
        {
            "id": "shout",
            "name": "Shout out",
            "inputs": {
                "who": {"description": "Who", "type": "string", "example": "friend"},
                "loud": {"type": "boolean", "default": False},
            },
            "steps": [{"id": "say", "service": "internal", "action": "noop"}],
        },
    )
    await setup_entry()
    fields = (await async_get_all_descriptions(hass))[DOMAIN]["shout"]["fields"]
    assert fields["who"]["example"] == "friend"
    assert "example" not in fields["loud"]
    assert fields["loud"]["default"] is False
    assert fields["loud"]["selector"] == {"boolean": {}}
