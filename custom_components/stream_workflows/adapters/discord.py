"""The `discord` service: messages through a bot token or a webhook (the catalog).

With a bot token, `channel_id` names the channel to post in. With a webhook, messages go to
the webhook's own channel and `channel_id` may be left out. When both are configured, a message
with `channel_id` goes through the bot and one without through the webhook.
The connection lives in `discord_client`.
"""

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
            description=(
                "Post a message: in `channel_id` through the bot, or through the webhook "
                "(then `channel_id` may be left out)."
            ),
            params=vol.Schema(
                {
                    vol.Optional("channel_id"): _snowflake,
                    vol.Required("message"): vol.All(str, vol.Length(min=1, max=2000)),
                }
            ),
            result={
                "id": "the message's id",
                "channel_id": "the channel it was posted in",
                "via": "'bot' or 'webhook'",
            },
            rehearsal=lambda params: {
                "id": "100000000000000001",
                "channel_id": params.get("channel_id", "webhook"),
                "via": "bot" if "channel_id" in params else "webhook",
            },
        ),
    )
}


class DiscordAdapter(ConnectedAdapter):
    """Discord actions."""

    service = "discord"
    catalog = ACTIONS
    setup_hint = "add a Discord bot token or webhook in Stream Workflows"
