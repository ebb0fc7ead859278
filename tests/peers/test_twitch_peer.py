"""The local Twitch on its own, over HTTP: what the adapter tests do not reach.

Tokens carried over a restart (`export_tokens` / `import_tokens`, as `scripts/develop` does),
the EventSub session's own rules (keepalives on request, inbound text closes it with 4001),
and the failure controls every test relies on (`fail`, `rate_limit`, the statuses recorded).
Each part of it (local_peers/twitch_*.py) stays small: no class over 400 lines.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import aiohttp
import pytest
from aiohttp import WSMsgType

from local_peers.twitch_server import BROADCASTER, CLIENT_ID, CLIENT_SECRET, TwitchPeer

pytestmark = pytest.mark.usefixtures("socket_enabled")


def helix_headers(access: str) -> dict[str, str]:
    return {"Client-Id": CLIENT_ID, "Authorization": f"Bearer {access}"}


async def test_tokens_exported_before_a_restart_are_accepted_after_it() -> None:
    async with TwitchPeer() as first:
        access, refresh = first.issue_tokens(["user:write:chat"])
        saved = json.loads(json.dumps(first.export_tokens()))
    issued: list[str] = []
    async with TwitchPeer() as second, aiohttp.ClientSession() as http:
        second.import_tokens(saved)
        second.on_tokens = lambda: issued.append("issued")
        async with http.get(
            f"{second.auth_base}validate", headers={"Authorization": f"OAuth {access}"}
        ) as answer:
            assert answer.status == 200
            assert await answer.json() == {
                "client_id": CLIENT_ID,
                "login": BROADCASTER["login"],
                "scopes": ["user:write:chat"],
                "user_id": BROADCASTER["id"],
                "expires_in": 5520838,
            }
        form = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "grant_type": "refresh_token",
            "refresh_token": refresh,
        }
        async with http.post(f"{second.auth_base}token", data=form) as answer:
            assert answer.status == 200
            pair = await answer.json()
        assert issued == ["issued"]
        assert pair["scope"] == ["user:write:chat"]
        async with http.post(f"{second.auth_base}token", data=form) as answer:
            assert answer.status == 400  # a refresh token is used once
        async with http.get(
            f"{second.api_base}users", headers=helix_headers(pair["access_token"])
        ) as answer:
            assert (await answer.json())["data"][0]["id"] == BROADCASTER["id"]


async def test_an_eventsub_session_welcomes_keeps_alive_and_closes_on_inbound_text() -> None:
    async with TwitchPeer() as peer, aiohttp.ClientSession() as http:
        access, _refresh = peer.issue_tokens()
        async with http.ws_connect(peer.eventsub_url) as ws:
            welcome = json.loads((await ws.receive()).data)
            assert welcome["metadata"]["message_type"] == "session_welcome"
            session_id = welcome["payload"]["session"]["id"]
            assert (await peer.wait_sessions()).id == session_id
            body = {
                "type": "stream.online",
                "version": "1",
                "condition": {"broadcaster_user_id": BROADCASTER["id"]},
                "transport": {"method": "websocket", "session_id": session_id},
            }
            subscription = f"{peer.api_base}eventsub/subscriptions"
            async with http.post(subscription, json=body, headers=helix_headers(access)) as sub:
                assert sub.status == 202
            async with http.post(subscription, json=body, headers=helix_headers(access)) as sub:
                assert sub.status == 409
            await peer.keepalive_now()
            keepalive = json.loads((await ws.receive()).data)
            assert keepalive["metadata"]["message_type"] == "session_keepalive"
            assert keepalive["payload"] == {}
            await ws.send_str("hello")
            closing = await ws.receive()
            assert closing.type == WSMsgType.CLOSE
            assert closing.data == 4001
        await peer.sessions[session_id].closed.wait()
        assert peer.sessions[session_id].status == "disconnected"
        assert peer.enabled("stream.online") == []
        assert [sub["status"] for sub in peer.subscriptions.values()] == ["websocket_disconnected"]
        assert [sent["metadata"]["message_type"] for sent in peer.sent] == [
            "session_welcome",
            "session_keepalive",
        ]


async def test_a_long_running_peer_sends_keepalives_on_its_own() -> None:
    async with (
        TwitchPeer(keepalive=0.05, send_keepalives=True) as peer,
        aiohttp.ClientSession() as http,
        http.ws_connect(peer.eventsub_url) as ws,
    ):
        welcome = json.loads((await ws.receive()).data)
        assert welcome["payload"]["session"]["keepalive_timeout_seconds"] == 0.05
        keepalive = json.loads((await ws.receive()).data)
        assert keepalive["metadata"]["message_type"] == "session_keepalive"


async def test_failures_are_answered_in_order_and_every_status_is_recorded() -> None:
    async with TwitchPeer() as peer, aiohttp.ClientSession() as http:
        access, _refresh = peer.issue_tokens()
        peer.fail("GET", "/helix/games", 500, "Internal Server Error")
        peer.rate_limit("GET", "/helix/games", reset_in=30)
        url = f"{peer.api_base}games?name=Minecraft"
        async with http.get(url, headers=helix_headers(access)) as answer:
            assert answer.status == 500
            assert await answer.json() == {
                "error": "Internal Server Error",
                "status": 500,
                "message": "Internal Server Error",
            }
        async with http.get(url, headers=helix_headers(access)) as answer:
            assert answer.status == 429
            assert answer.headers["Ratelimit-Remaining"] == "0"
            assert int(answer.headers["Ratelimit-Reset"]) > 0
        async with http.get(url, headers=helix_headers(access)) as answer:
            assert answer.status == 200
            assert [game["name"] for game in (await answer.json())["data"]] == ["Minecraft"]
        async with http.get(url, headers={"Client-Id": CLIENT_ID}) as answer:
            assert answer.status == 401
            assert (await answer.json())["message"] == "OAuth token is missing"
        seen = peer.requests("GET", "/helix/games")
        assert [request.status for request in seen] == [500, 429, 200, 401]
        assert seen[0].arg("name") == "Minecraft"
        assert seen[0].token == access


@pytest.mark.parametrize(
    "path",
    sorted((Path(__file__).parents[2] / "local_peers").glob("twitch_*.py")),
    ids=lambda path: path.name,
)
def test_no_class_of_the_local_twitch_is_over_400_lines(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    sizes = {
        node.name: (node.end_lineno or node.lineno) - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    assert {name: size for name, size in sizes.items() if size > 400} == {}
