"""The `twitch` service: Twitch Helix actions and EventSub stream events through twitchAPI.

The package is split by role: `actions` (the catalog: every action declared once with its
handler and scopes), `events` (stream events and their EventSub topics), `scopes` (every scope
to ask for), `errors` (what the client raises), `helix` and `eventsub` (twitchAPI's request and
websocket transports, adjusted) and `connection` (`TwitchConnection`). Importing this package,
`actions`, `events` or `scopes` imports nothing heavy: the command line and the config flow
import them.
"""

from __future__ import annotations

from ..base import ConnectedAdapter
from .actions import ACTION_SCOPES, TABLE, channel_login
from .events import EVENT_TOPICS
from .scopes import REQUIRED_SCOPES

ACTIONS = TABLE.specs


class TwitchAdapter(ConnectedAdapter):
    """Twitch actions."""

    service = "twitch"
    catalog = ACTIONS
    setup_hint = "add a Twitch account in Stream Workflows"


__all__ = [
    "ACTIONS",
    "ACTION_SCOPES",
    "EVENT_TOPICS",
    "REQUIRED_SCOPES",
    "TABLE",
    "TwitchAdapter",
    "channel_login",
]
