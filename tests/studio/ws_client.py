"""A short way to call the Studio's websocket commands in tests, and to read their answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from custom_components.stream_workflows.const import DOMAIN

type Client = Callable[..., Awaitable[dict[str, Any]]]


def sender(client: Any) -> Client:
    """`await send("list")` sends `stream_workflows/list` and returns the answer."""

    async def send(command: str, **data: Any) -> dict[str, Any]:
        await client.send_json_auto_id({"type": f"{DOMAIN}/{command}", **data})
        return dict(await client.receive_json())

    return send


def ok(response: dict[str, Any]) -> Any:
    assert response["success"], response
    return response["result"]


def failed(response: dict[str, Any], code: str) -> str:
    assert not response["success"], response
    assert response["error"]["code"] == code, response
    return str(response["error"]["message"])
