"""What goes wrong talking to Twitch: one small hierarchy, each error a step error with its type.

Every error the Twitch client raises for an action is a `TwitchError` (an `ActionError`, so a
step that meets it fails with its `error_type`). This module imports nothing heavy.
"""

from __future__ import annotations

from typing import Any

from ...engine.errors import ActionError, NotConnectedError

_MAX_MESSAGE = 300


class TwitchError(ActionError):
    """A Twitch action failed; `error_type` says how (`not_found`, `rate_limited`...)."""


class TwitchNotConnectedError(TwitchError, NotConnectedError):
    """The Twitch connection is not started."""

    error_type = "not_connected"


class TwitchAuthError(TwitchError):
    """The tokens were refused and could not be refreshed: the user must authorize again."""

    error_type = "auth_failed"


class TwitchConnectError(TwitchError):
    """Twitch could not be reached."""

    error_type = "cannot_connect"


def clean(message: Any) -> str:
    """Twitch's text on one line, shortened: safe to put in a step error or a log line."""
    text = " ".join(str(message or "").split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def label(action: str) -> str:
    """`send_chat_message` as words, to start an error message with."""
    return action.replace("_", " ")
