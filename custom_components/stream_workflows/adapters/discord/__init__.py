"""The `discord` service: messages through a bot token or a webhook.

`actions` is the catalog (every action declared once with its handler), `errors` what the
client raises, `connection` the `DiscordConnection` (REST v10 through aiohttp). Importing this
package or `actions` imports nothing heavy.
"""

from __future__ import annotations

from ..base import ConnectedAdapter
from .actions import TABLE

ACTIONS = TABLE.specs


class DiscordAdapter(ConnectedAdapter):
    """Discord actions."""

    service = "discord"
    catalog = ACTIONS
    setup_hint = "add a Discord bot token or webhook in Stream Workflows"


__all__ = ["ACTIONS", "TABLE", "DiscordAdapter"]
