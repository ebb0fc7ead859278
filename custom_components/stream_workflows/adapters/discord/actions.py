"""Every `discord` action, declared once beside the code that does it (the catalog is `TABLE`).

With a bot token, `channel_id` names the channel to post in. With a webhook, messages go to
the webhook's own channel and `channel_id` may be left out. When both are configured, a message
with `channel_id` goes through the bot and one without through the webhook. Handlers use
Discord through `DiscordClient` (what `connection.DiscordConnection` offers); this module
imports nothing heavy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

import voluptuous as vol

from ...engine.adapter import ActionContext
from ..table import ActionTable, Params
from .errors import DiscordError

_SNOWFLAKE = re.compile(r"[0-9]{1,20}")


class DiscordClient(Protocol):
    """What the handlers need of a connection to Discord."""

    @property
    def has_bot(self) -> bool: ...

    @property
    def has_webhook(self) -> bool: ...

    async def post_in_channel(self, channel_id: str, payload: Mapping[str, Any]) -> Any:
        """Post through the bot; Discord's answer (the message)."""

    async def post_by_webhook(self, payload: Mapping[str, Any]) -> Any:
        """Post through the webhook; Discord's answer (the message)."""


TABLE: ActionTable[DiscordClient] = ActionTable("discord")


def _snowflake(value: object) -> str:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not _SNOWFLAKE.fullmatch(text):  # ASCII digits only: "١٢٣".isdigit() is true
        raise vol.Invalid(f"expected a Discord channel id (digits), got {value!r}")
    return text


@TABLE.action(
    "send_channel_message",
    "Post a message: in `channel_id` through the bot, or through the webhook "
    "(then `channel_id` may be left out).",
    params={
        vol.Optional("channel_id"): _snowflake,
        vol.Required("message"): vol.All(str, vol.Length(min=1, max=2000)),
    },
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
)
async def send_channel_message(client: DiscordClient, params: Params, ctx: ActionContext) -> Any:
    channel_id: str | None = params.get("channel_id")
    payload = {"content": params["message"]}
    if channel_id is not None and client.has_bot:
        return _result(await client.post_in_channel(channel_id, payload), channel_id, "bot")
    if client.has_webhook:
        if channel_id is not None:
            ctx.log(
                f"channel_id {channel_id} not used: the Discord webhook posts in its own channel"
            )
        return _result(await client.post_by_webhook(payload), None, "webhook")
    raise DiscordError(
        "send channel message: give 'channel_id' (Discord is connected through a bot)",
        error_type="invalid_params",
    )


def _result(message: Any, channel_id: str | None, via: str) -> dict[str, Any]:
    if not isinstance(message, Mapping) or "id" not in message:
        raise DiscordError("Discord accepted the message but did not return it")
    return {
        "id": str(message["id"]),
        "channel_id": str(message.get("channel_id") or channel_id or ""),
        "via": via,
    }
