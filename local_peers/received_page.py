"""A small page on 127.0.0.1 listing what the local Twitch and Discord received, newest first:
chat messages, raids, clips, channel updates, Discord posts. `/received.json` is the same list
as JSON (the demo's test reads it)."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from aiohttp import web

from .discord_server import DiscordPeer
from .discord_server import Received as DiscordRequest
from .twitch_server import Received as TwitchRequest
from .twitch_server import TwitchPeer


@dataclass(frozen=True)
class Item:
    """One thing a stand-in received, as a person would describe it."""

    seq: int
    at: str
    service: str
    kind: str
    text: str
    status: int | None


Describe = Callable[[TwitchRequest, TwitchPeer], str]


def _arg(name: str, template: str = "{}") -> Describe:
    return lambda request, _twitch: template.format(request.arg(name))


def _user(name: str, template: str = "{}") -> Describe:
    """A user id argument, shown as the login the local Twitch knows it by."""

    def describe(request: TwitchRequest, twitch: TwitchPeer) -> str:
        user_id = request.arg(name)
        login = next((u["login"] for u in twitch.users.values() if u["id"] == user_id), user_id)
        return template.format(login)

    return describe


# Twitch requests worth showing: (method, path) -> (what it is, how to describe it).
TWITCH_KINDS: dict[tuple[str, str], tuple[str, Describe]] = {
    ("POST", "/helix/chat/messages"): ("chat message", _arg("message")),
    ("POST", "/helix/raids"): ("raid", _user("to_broadcaster_id", "to {}")),
    ("DELETE", "/helix/raids"): ("raid cancelled", _user("broadcaster_id", "by {}")),
    ("POST", "/helix/clips"): ("clip", _user("broadcaster_id", "of {}'s stream")),
    ("POST", "/helix/streams/markers"): ("stream marker", _arg("description")),
    ("PATCH", "/helix/channels"): ("channel update", lambda r, _twitch: _fields(r.body)),
    ("POST", "/helix/chat/announcements"): ("announcement", _arg("message")),
    ("POST", "/helix/chat/shoutouts"): ("shoutout", _user("to_broadcaster_id", "to {}")),
    ("POST", "/helix/channels/commercial"): ("commercial", _arg("length", "{} s")),
    ("POST", "/helix/polls"): ("poll", _arg("title")),
    ("POST", "/helix/predictions"): ("prediction", _arg("title")),
}


def _fields(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    return ", ".join(f"{key}={value}" for key, value in body.items())


class Received:
    """Collects the stand-ins' requests into `Item`s, in the order they arrived."""

    def __init__(self, twitch: TwitchPeer, discord: DiscordPeer) -> None:
        self.twitch = twitch
        self.discord = discord
        self._seen: dict[int, Item] = {}
        self._seq = 0

    def items(self) -> list[Item]:
        """Everything so far, newest first."""
        for twitch in self.twitch.received:
            self._note(id(twitch), twitch.status, "Twitch", partial(self._twitch, twitch))
        for discord in self.discord.received:
            self._note(id(discord), discord.status, "Discord", partial(self._discord, discord))
        return sorted(self._seen.values(), key=lambda item: item.seq, reverse=True)

    def _note(
        self,
        key: int,
        status: int | None,
        service: str,
        describe: Callable[[], tuple[str, str] | None],
    ) -> None:
        seen = self._seen.get(key)
        if seen is not None:
            if seen.status != status:  # answered since it was first listed
                self._seen[key] = replace(seen, status=status)
            return
        described = describe()
        if described is None:
            return
        self._seq += 1
        kind, text = described
        now = datetime.now().strftime("%H:%M:%S")
        self._seen[key] = Item(self._seq, now, service, kind, text, status)

    def _twitch(self, request: TwitchRequest) -> tuple[str, str] | None:
        found = TWITCH_KINDS.get((request.method, request.path))
        if found is None:
            return None
        kind, describe = found
        return kind, describe(request, self.twitch)

    def _discord(self, request: DiscordRequest) -> tuple[str, str] | None:
        if request.method != "POST" or not isinstance(request.body, dict):
            return None
        content = str(request.body.get("content", ""))
        parts = request.path.split("/")
        if "channels" in parts:
            channel_id = parts[parts.index("channels") + 1]
            channel = self.discord.channels.get(channel_id)
            where = f"#{channel.name}" if channel else channel_id
            return "Discord post", f"{where}: {content}"
        if "webhooks" in parts:
            return "Discord webhook post", content
        return None


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Received by the local Twitch and Discord</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1rem; background: #111; color: #eee; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ padding: .3rem .6rem; border-bottom: 1px solid #333; text-align: left; }}
.Twitch {{ color: #bf94ff; }} .Discord {{ color: #8ea1e1; }} .failed {{ color: #f66; }}
</style></head><body>
<h1>Received by the local Twitch and Discord</h1>
<p>Newest first; refreshes every 2 s. {count} items.</p>
<table><tr><th>time</th><th>service</th><th>what</th><th>text</th><th>answer</th></tr>
{rows}
</table></body></html>
"""


def _rows(items: Iterable[Item]) -> str:
    rows = []
    for item in items:
        failed = item.status is not None and item.status >= 400
        rows.append(
            f'<tr class="{"failed" if failed else ""}"><td>{item.at}</td>'
            f'<td class="{item.service}">{item.service}</td><td>{html.escape(item.kind)}</td>'
            f"<td>{html.escape(item.text)}</td><td>{item.status or ''}</td></tr>"
        )
    return "\n".join(rows)


class ReceivedPage:
    """The page's aiohttp site."""

    def __init__(self, received: Received, host: str = "127.0.0.1", port: int = 0) -> None:
        self.received = received
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._page)
        app.router.add_get("/received.json", self._json)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _page(self, request: web.Request) -> web.Response:
        items = self.received.items()
        return web.Response(
            text=PAGE.format(count=len(items), rows=_rows(items)), content_type="text/html"
        )

    async def _json(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(item) for item in self.received.items()])
