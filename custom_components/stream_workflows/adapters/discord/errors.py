"""What goes wrong talking to Discord: one small hierarchy, each error a step error with its type.

Every error the Discord client raises is a `DiscordError` (an `ActionError`, so a step that
meets it fails with its `error_type`). Discord's answers are described without secrets: no bot
token, no webhook address. This module imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...engine.errors import ActionError

_MAX_MESSAGE = 300


class DiscordError(ActionError):
    """A Discord action failed; `error_type` says how (`forbidden`, `rate_limited`...)."""


def clean(message: Any) -> str:
    text = " ".join(str(message or "").split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _describe(body: Any, status: int) -> str:
    """Discord's error message with its code, e.g. `Missing Permissions (code 50013)`."""
    if not isinstance(body, Mapping):
        return f"HTTP {status}"
    message = clean(body.get("message")) or f"HTTP {status}"
    detail = _first_field_error(body.get("errors"))
    if detail:
        message = f"{message}: {detail}"
    code = body.get("code")
    return f"{message} (code {code})" if code else message


def _first_field_error(errors: Any, path: str = "") -> str:
    if not isinstance(errors, Mapping):
        return ""
    found = errors.get("_errors")
    if isinstance(found, list) and found and isinstance(found[0], Mapping):
        return f"{path or 'body'}: {clean(found[0].get('message'))}"
    for key, value in errors.items():
        detail = _first_field_error(value, f"{path}.{key}" if path else str(key))
        if detail:
            return detail
    return ""


def answer_error(status: int, body: Any, where: str, via_bot: bool) -> DiscordError:
    detail = _describe(body, status)
    if not via_bot and status in (401, 404):
        return DiscordError(
            f"the Discord webhook was deleted or its address is wrong ({detail}); update it in "
            "Stream Workflows",
            error_type="invalid_webhook",
        )
    if status == 401:
        return DiscordError(
            f"Discord refused the bot token ({detail}); update it in Stream Workflows",
            error_type="auth_failed",
        )
    if status == 403:
        return DiscordError(
            f"the Discord bot may not post in {where} ({detail})", error_type="forbidden"
        )
    if status == 404:
        return DiscordError(f"Discord {where} was not found ({detail})", error_type="not_found")
    if status >= 500:
        return DiscordError(
            f"Discord had a server error posting to {where} (HTTP {status})",
            error_type="unavailable",
        )
    return DiscordError(f"Discord refused the message to {where} ({detail})", error_type="rejected")
