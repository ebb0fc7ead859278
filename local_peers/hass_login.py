"""Logging in to a running Home Assistant as a person does (its login flow), for the demo and
the tests that drive a real `hass` process: the short-lived access token the frontend gets."""

from __future__ import annotations

import aiohttp


async def login_access_token(
    session: aiohttp.ClientSession, url: str, username: str, password: str
) -> str:
    """An access token for `username` through `/auth/login_flow` and `/auth/token`."""
    client_id = f"{url}/"
    async with session.post(
        f"{url}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": client_id,
        },
    ) as resp:
        flow = await resp.json()
    async with session.post(
        f"{url}/auth/login_flow/{flow['flow_id']}",
        json={"username": username, "password": password, "client_id": client_id},
    ) as resp:
        result = await resp.json()
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": result["result"], "client_id": client_id},
    ) as resp:
        return str((await resp.json())["access_token"])
