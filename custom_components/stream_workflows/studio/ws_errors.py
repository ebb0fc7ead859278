"""How every Studio websocket command answers with a Home Assistant error: its translation
travels with it, so the frontend shows the user's language."""

from __future__ import annotations

from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.exceptions import HomeAssistantError


def send_error(
    connection: ActiveConnection, msg_id: int, code: str, err: HomeAssistantError
) -> None:
    """Answer `msg_id` with error `code`, the error's message and its translation."""
    connection.send_error(
        msg_id,
        code,
        str(err),
        translation_key=err.translation_key,
        translation_domain=err.translation_domain,
        translation_placeholders=err.translation_placeholders,
    )
