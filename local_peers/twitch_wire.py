"""Twitch's wire formats, as the local Twitch writes and reads them.

Helix answers `{"data": [...]}` envelopes and errors as `{"error", "status", "message"}`;
the OAuth endpoints answer errors as `{"status", "message"}`; every EventSub websocket
message has `metadata` and `payload`.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_token(length: int = 30) -> str:
    return secrets.token_hex(length // 2 + 1)[:length]


def message(message_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """An EventSub websocket message (`session_welcome`, `session_keepalive`, ...)."""
    return {
        "metadata": {
            "message_id": str(uuid.uuid4()),
            "message_type": message_type,
            "message_timestamp": now_iso(),
        },
        "payload": payload,
    }


def query(request: web.Request) -> dict[str, list[str]]:
    """The query string with every value of a repeated key (Helix's `?id=1&id=2`)."""
    found: dict[str, list[str]] = {}
    for key, value in request.query.items():
        found.setdefault(key, []).append(value)
    return found


def arg(request: web.Request, name: str) -> Any:
    """A parameter from the query string or the JSON body the middleware read."""
    if name in request.query:
        return request.query[name]
    body = request["body"]
    return body.get(name) if isinstance(body, dict) else None


def user(known: dict[str, Any]) -> dict[str, Any]:
    """A user as Helix's `GET /users` describes one."""
    return {
        "id": known["id"],
        "login": known["login"],
        "display_name": known["display_name"],
        "type": "",
        "broadcaster_type": "partner",
        "description": "",
        "profile_image_url": "",
        "offline_image_url": "",
        "view_count": 0,
        "created_at": "2016-12-14T20:32:28Z",
    }


def data(items: list[Any], *, status: int = 200, pagination: bool = False) -> web.Response:
    body: dict[str, Any] = {"data": items}
    if pagination:
        body["pagination"] = {}
    return web.json_response(body, status=status)


def oauth_error(status: int, text: str) -> web.Response:
    return web.json_response({"status": status, "message": text}, status=status)


REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    425: "Too Early",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def error(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    """A Helix error answer."""
    return web.json_response(
        {"error": REASONS.get(status, "Error"), "status": status, "message": text},
        status=status,
        headers=headers,
    )


class HelixFailure(Exception):
    """Raised by a Helix handler; the middleware answers it as `error(status, message)`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
