"""The `discord` service: messages through a bot token or a webhook (catalog)."""

from __future__ import annotations

import voluptuous as vol

from ..engine.adapter import ActionSpec
from .base import ConnectedAdapter


def _snowflake(value: object) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not text.isdigit():
        raise vol.Invalid(f"expected a Discord channel id (digits), got {value!r}")
    return text


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            name="send_channel_message",
            description="Post a message in a channel (bot token) or through the webhook.",
            params=vol.Schema(
                {
                    vol.Optional("channel_id"): _snowflake,
                    vol.Required("message"): vol.All(str, vol.Length(min=1, max=2000)),
                }
            ),
            result={"id": "the message's id", "channel_id": "where it was posted"},
            rehearsal=lambda params: {
                "id": "100000000000000001",
                "channel_id": params.get("channel_id", "webhook"),
            },
        ),
    )
}


class DiscordAdapter(ConnectedAdapter):
    """Discord actions."""

    service = "discord"
    catalog = ACTIONS
    setup_hint = "add a Discord bot token or webhook in Stream Workflows"
