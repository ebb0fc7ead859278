"""The demo as `scripts/develop` runs it (`scripts/demo.py`): a real `hass` process, the local
Twitch and Discord, a headless OBS and the virtual deck with `demo-deck.yaml`.

The test presses every key of the deck through the virtual deck's websocket, as a click on the
page does, and checks what the stand-ins received (the demo's own received page, as JSON) and how
each run ended (the workflow's sensor over Home Assistant's REST API). A second start keeps an
edited workflow file and the connections, and Ctrl-C stops the demo cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml  # type: ignore[import-untyped]
from playwright.async_api import async_playwright

from local_peers.obs_headless import STATE_FILE, free_port, missing_tools

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "scripts" / "demo.py"
# scripts/develop runs the demo with .venv's Python, as tests/bridge/hass_process.py does its
# `hass`: the newer Home Assistant of .venv-compat refuses to start on Python 3.13.0.
PYTHON = REPO / ".venv" / "bin" / "python"
DECK = REPO / "streamdeck_bridge" / "examples" / "demo-deck.yaml"
TITLE = "Building a Stream Deck bridge"
FINISHED = ("succeeded", "failed", "cancelled")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.usefixtures("socket_enabled")


@dataclass
class RunningDemo:
    """One `scripts/demo.py` process and what it printed (stdout and stderr together)."""

    proc: subprocess.Popen[str]
    config: Path
    port: int
    deck_port: int
    peers_port: int
    lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return (self.config / ".demo-token").read_text().strip()

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        """Ctrl-C, as in a terminal; the wait is only a hang guard."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"the demo did not stop:\n{self.output()[-3000:]}") from None


def start_demo(config: Path, *, obs: bool) -> RunningDemo:
    """Start the demo and wait until the virtual deck is connected to Home Assistant."""
    ports = [free_port() for _ in range(4)]
    python = PYTHON if PYTHON.exists() else Path(sys.executable)
    command = [str(python), "-u", str(DEMO), "--config", str(config), "-v"]
    command += ["--port", str(ports[0]), "--deck-port", str(ports[1])]
    command += ["--peers-port", str(ports[2]), "--obs-port", str(ports[3])]
    if not obs:
        command.append("--no-obs")
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO
    )
    demo = RunningDemo(proc, config, ports[0], ports[1], ports[2])

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            demo.lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    deadline = time.monotonic() + 300
    while "Connected to Home Assistant" not in demo.output():
        if proc.poll() is not None or time.monotonic() > deadline:
            demo.stop()
            raise AssertionError(f"the demo did not come up:\n{demo.output()[-5000:]}")
        time.sleep(0.2)
    return demo


def key_indexes(page: str) -> dict[str, int]:
    """Key label -> key number on `page` of the default layout (as the bridge numbers them)."""
    layout = yaml.safe_load(DECK.read_text())
    keys = next(p for p in layout["pages"] if p["name"] == page)["keys"]
    return {
        str(key.get("label") or key.get("workflow") or "back"): int(key.get("key", n))
        for n, key in enumerate(keys)
    }


class Deck:
    """The virtual deck's page, driven over its websocket: a press or a hold of a key."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def press(self, key: int, *, hold: bool = False) -> None:
        await self.ws.send_json({"type": "key", "key": key, "pressed": True})
        await asyncio.sleep(1.2 if hold else 0.05)  # the deck's hold_time is 0.6 s
        await self.ws.send_json({"type": "key", "key": key, "pressed": False})


class Observer:
    """Home Assistant's states (REST) and the stand-ins' received list (the demo's page)."""

    def __init__(self, demo: RunningDemo, session: aiohttp.ClientSession) -> None:
        self.demo = demo
        self.session = session
        self.headers = {"Authorization": f"Bearer {demo.token}"}

    async def states(self) -> dict[str, dict[str, Any]]:
        async with self.session.get(f"{self.demo.url}/api/states", headers=self.headers) as resp:
            assert resp.status == 200
            return {state["entity_id"]: state for state in await resp.json()}

    async def sensor(self, workflow_id: str) -> dict[str, Any]:
        for state in (await self.states()).values():
            if state["attributes"].get("workflow_id") == workflow_id and state[
                "entity_id"
            ].startswith("sensor."):
                return state
        raise AssertionError(f"no sensor for {workflow_id}")

    async def received(self) -> list[dict[str, Any]]:
        address = f"http://127.0.0.1:{self.demo.peers_port}/received.json"
        async with self.session.get(address) as resp:
            items: list[dict[str, Any]] = await resp.json()
            return items

    async def texts(self, kind: str) -> list[str]:
        return [item["text"] for item in await self.received() if item["kind"] == kind]

    async def until(
        self, check: Callable[[], Awaitable[Any]], what: str, within: float = 60
    ) -> Any:
        """Poll (bounded: a hang guard, not a timing assertion) until `check()` is truthy."""
        deadline = time.monotonic() + within
        while True:
            value = await check()
            if value:
                return value
            if time.monotonic() > deadline or self.demo.proc.poll() is not None:
                tail = self.demo.output()[-3000:]
                raise AssertionError(
                    f"timed out waiting for {what}; received: {await self.received()}\n{tail}"
                )
            await asyncio.sleep(0.25)

    async def finished(self, workflow_id: str, after: str | None) -> dict[str, Any]:
        """The workflow's sensor once a run other than `after` has ended."""

        async def done() -> dict[str, Any] | None:
            state = await self.sensor(workflow_id)
            attributes = state["attributes"]
            if attributes["run_id"] not in (None, after) and attributes["status"] in FINISHED:
                return state
            return None

        result: dict[str, Any] = await self.until(done, f"{workflow_id} to finish", 120)
        return result

    async def run_id(self, workflow_id: str) -> str | None:
        run_id: str | None = (await self.sensor(workflow_id))["attributes"]["run_id"]
        return run_id

    async def step(self, workflow_id: str, step: str) -> bool:
        state = await self.sensor(workflow_id)
        return bool(state["attributes"]["step"] == step and state["state"] == step)


def succeeded(state: dict[str, Any]) -> None:
    attributes = state["attributes"]
    assert attributes["status"] == "succeeded", state
    assert attributes["last_error"] is None, state
    assert attributes.get("handled_errors", 0) == 0, state


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One configuration folder for the module: the second test starts the demo again on it."""
    return tmp_path_factory.mktemp("demo") / "config"


@pytest.fixture
def demo(demo_home: Path) -> Iterator[RunningDemo]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"headless Chromium not installed ({CHROMIUM})")
    if missing_tools():
        pytest.skip(
            f"the demo's keys drive OBS: {' and '.join(missing_tools())} not installed "
            "(apt-get install obs-studio xvfb)"
        )
    running = start_demo(demo_home, obs=True)
    try:
        yield running
    finally:
        running.stop()


async def test_every_key_of_the_demo_deck_does_what_it_says(demo: RunningDemo) -> None:
    live, more = key_indexes("live"), key_indexes("more")
    assert set(live) == {
        "Go live",
        "Going live",
        "BRB",
        "Raid",
        "End stream",
        "Wrap up",
        "Countdown",
        "On air",
        "Sign off",
        "More",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"http://127.0.0.1:{demo.deck_port}/ws") as ws,
    ):
        layout = await ws.receive_json()
        assert layout["type"] == "layout"
        deck = Deck(ws)
        ha = Observer(demo, session)
        states = await ha.states()
        scene = next(
            e for e in states if e.startswith("sensor.obs_studio") and e.endswith("_scene")
        )
        before = {
            wid: await ha.run_id(wid)
            for wid in (
                "stream_start_sequence",
                "going_live",
                "brb",
                "raid_workflow",
                "stream_end_processing",
                "wrap_up",
                "demo_countdown",
            )
        }

        # "BRB": the BRB scene, chat and Discord told, a 15 s break, then back to Main.
        chat = "chat message"
        await deck.press(live["BRB"])
        await ha.until(lambda: ha.step("brb", "break_time"), "the break")
        await ha.until(lambda: _state_is(ha, scene, "BRB"), "OBS on the BRB scene")
        assert "Be right back: a coffee break!" in await ha.texts(chat)
        assert await ha.texts("Discord post") == [
            "#stream-announcements: Taking a coffee break, back in 15 seconds."
        ]
        succeeded(await ha.finished("brb", before["brb"]))
        assert "We're back! Thanks for waiting." in await ha.texts(chat)
        await ha.until(lambda: _state_is(ha, scene, "Main"), "OBS back on Main")

        # "Go live": Starting Soon, Discord told, then the seed's own 5-minute countdown;
        # holding the key cancels it.
        await deck.press(live["Go live"])
        await ha.until(lambda: ha.step("stream_start_sequence", "start_countdown"), "countdown")
        await ha.until(lambda: _state_is(ha, scene, "Starting Soon"), "OBS on Starting Soon")
        posts = await ha.texts("Discord post")
        assert posts[0] == "#stream-announcements: Stream starting soon!"
        await deck.press(live["Go live"], hold=True)
        start = await ha.finished("stream_start_sequence", before["stream_start_sequence"])
        assert start["attributes"]["status"] == "cancelled", start

        # The raid waits its 30 s while the other keys run.
        await deck.press(live["Raid"])
        await deck.press(live["Going live"])
        await deck.press(live["Countdown"])
        await ha.until(lambda: _state_is(ha, "input_boolean.on_air", "on"), "the sign on")

        going_live = await ha.finished("going_live", before["going_live"])
        succeeded(going_live)
        assert {f"We're live: {TITLE}", "Say hi in chat!"} <= set(await ha.texts(chat))
        assert f"#stream-announcements: Live now: {TITLE}" in await ha.texts("Discord post")

        countdown = await ha.finished("demo_countdown", before["demo_countdown"])
        succeeded(countdown)
        assert (await ha.states())["input_boolean.on_air"]["state"] == "off"

        # "End stream", then "Wrap up" (both save OBS's replay buffer: one after the other).
        await deck.press(live["End stream"])
        end = await ha.finished("stream_end_processing", before["stream_end_processing"])
        succeeded(end)
        posts = await ha.texts("Discord post")
        assert "#stream-announcements: Stream ended! VOD processing." in posts
        assert any(
            p.startswith("#stream-announcements: Check out this highlight: https://clips")
            for p in posts
        )
        await deck.press(live["Wrap up"])
        wrap = await ha.finished("wrap_up", before["wrap_up"])
        succeeded(wrap)
        assert "Thanks for watching, see you on Friday!" in await ha.texts(chat)
        assert any(
            p.startswith("#stream-announcements: Today's highlight: https://clips")
            for p in await ha.texts("Discord post")
        )
        assert len(await ha.texts("clip")) == 2

        raid = await ha.finished("raid_workflow", before["raid_workflow"])
        succeeded(raid)
        assert "We're raiding a_friend in 30 seconds! Get ready!" in await ha.texts(chat)
        assert await ha.texts("raid") == ["to a_friend"]

        # The entity and action keys, and the second page's keys.
        await deck.press(live["On air"])
        await ha.until(
            lambda: _state_is(ha, "input_boolean.on_air", "on"), "On air to turn the sign on"
        )
        await deck.press(live["Sign off"])
        await ha.until(
            lambda: _state_is(ha, "input_boolean.on_air", "off"), "Sign off to turn it off"
        )
        async with watch_calls(demo) as calls:
            await deck.press(live["More"])
            await asyncio.sleep(0.5)  # the page change is local to the bridge
            await deck.press(more["Reload"])
            await ha.until(lambda: _called(calls, "stream_workflows", "reload"), "the Reload key")
        await deck.press(more["back"])
        await asyncio.sleep(0.5)
        await deck.press(live["On air"])  # back on the first page: this key is "On air" again
        await ha.until(lambda: _state_is(ha, "input_boolean.on_air", "on"), "back to page one")

        # Everything the workflows sent was accepted by the stand-ins.
        received = await ha.received()
        refused = [item for item in received if (item["status"] or 0) >= 400]
        assert not refused

    # The received page, as a browser shows it: every item, newest first.
    rows = await _page_rows(f"http://127.0.0.1:{demo.peers_port}/")
    assert len(rows) == len(received)
    assert [row[2:4] for row in rows] == [[item["kind"], item["text"]] for item in received]
    # The first key pressed was BRB: its chat message and Discord post (sent side by side)
    # are the oldest rows.
    assert {tuple(row[2:4]) for row in rows[-2:]} == {
        ("chat message", "Be right back: a coffee break!"),
        ("Discord post", "#stream-announcements: Taking a coffee break, back in 15 seconds."),
    }


async def _page_rows(address: str) -> list[list[str]]:
    """The cells of the received page's table rows, read by headless Chromium."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            page = await browser.new_page()
            await page.goto(address)
            rows: list[list[str]] = await page.eval_on_selector_all(
                "table tr:not(:first-child)",
                "rows => rows.map(r => [...r.cells].map(c => c.textContent))",
            )
            return rows
        finally:
            await browser.close()


async def _state_is(ha: Observer, entity_id: str, state: str) -> bool:
    return bool((await ha.states())[entity_id]["state"] == state)


async def _called(calls: list[dict[str, Any]], domain: str, service: str) -> bool:
    await asyncio.sleep(0)
    return any(c["domain"] == domain and c["service"] == service for c in calls)


@contextlib.asynccontextmanager
async def watch_calls(demo: RunningDemo) -> AsyncIterator[list[dict[str, Any]]]:
    """Home Assistant's `call_service` events, collected in the background meanwhile."""
    calls: list[dict[str, Any]] = []
    subscribed = asyncio.Event()

    async def watch() -> None:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{demo.url}/api/websocket") as ws,
        ):
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": demo.token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "call_service"})
            assert (await ws.receive_json())["success"]
            subscribed.set()
            async for message in ws:
                event = message.json().get("event")
                if event:
                    calls.append(event["data"])

    task = asyncio.get_running_loop().create_task(watch())
    try:
        await asyncio.wait_for(subscribed.wait(), 10)
        yield calls
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def test_a_second_start_keeps_edited_workflows_and_stops_cleanly(demo_home: Path) -> None:
    obs = not missing_tools()
    if not (demo_home / ".demo-token").exists():  # the first test did not run: start once here
        first = start_demo(demo_home, obs=obs)
        assert first.stop() == 0, first.output()
    folder = demo_home / "stream_workflows"
    edited = folder / "brb.yaml"
    edited.write_text(edited.read_text() + "# my own edit\n")
    mine = edited.read_text()
    (folder / "wrap_up.yaml").unlink()

    demo = start_demo(demo_home, obs=obs)
    try:
        output = demo.output()
        assert f"Copied example workflows into {folder}: wrap_up.yaml" in output
        assert "Kept the workflows already in" in output
        assert "brb.yaml" in output.split("Kept the workflows already in", 1)[1].splitlines()[0]
        assert edited.read_text() == mine
        assert (folder / "wrap_up.yaml").read_text() == (
            REPO / "workflows" / "wrap_up.yaml"
        ).read_text()
        # The connections made on the first start are still there and connected.
        entries = _entries(demo)
        titles = {entry["title"]: entry["state"] for entry in entries}
        assert titles["Discord"] == "loaded", titles
        assert titles["Twitch (twitchdev)"] == "loaded", titles
        assert sum(title.startswith("Twitch") for title in titles) == 1
    finally:
        code = demo.stop()
    output = demo.output()
    assert code == 0, output[-3000:]
    assert "Stopped." in output
    assert "Traceback" not in output, output[-5000:]
    assert "Error" not in output.split("Stopping ...", 1)[1], output[-3000:]
    if obs:  # the headless OBS was stopped too (its state file goes with it)
        assert not (demo_home / "obs" / STATE_FILE).exists()


def _entries(demo: RunningDemo) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{demo.url}/api/config/config_entries/entry?domain=stream_workflows",
        headers={"Authorization": f"Bearer {demo.token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        entries: list[dict[str, Any]] = json.load(answer)
        return entries
