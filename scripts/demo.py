"""The running product for `scripts/develop`: Home Assistant, local stand-ins for Twitch and
Discord, a headless OBS (when installed) and a virtual Stream Deck, all on 127.0.0.1.

It prepares the configuration folder (`config/`, ignored by git) on first use: a configuration,
this repository's integration linked in, the example workflows of `workflows/` plus a demo
countdown (each copied only when missing: your edits are kept), a user `demo` / `demo` with
onboarding done, and the integration added with its connections, all through Home Assistant's
own flows: OBS (host, port, password), Discord (the stand-in's bot token) and Twitch (signed in
through the OAuth flow at the stand-in). The shared variables the workflows use
(`config.discord_channel_id`) are set in the integration's options. The deck is
`streamdeck_bridge/examples/demo-deck.yaml`. Ctrl-C stops everything within a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import obsws_python
import yaml  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from local_peers.discord_server import BOT_TOKEN, WEBHOOK_CHANNEL, DiscordPeer  # noqa: E402
from local_peers.hass_login import login_access_token  # noqa: E402
from local_peers.received_page import Received, ReceivedPage  # noqa: E402
from local_peers.twitch_server import CLIENT_ID, CLIENT_SECRET, TwitchPeer  # noqa: E402

VENV_BIN = Path(sys.executable).parent
USER, PASSWORD = "demo", "demo"
DECK_FILE = REPO / "streamdeck_bridge" / "examples" / "demo-deck.yaml"
OBS_PASSWORD = "demo-obs"
# The raid key's target, a channel the local Twitch knows.
RAID_FRIEND = {"id": "77777", "login": "a_friend", "display_name": "A_Friend"}
STOP_GRACE = 8.0  # seconds each process gets to stop before it is killed

DEMO_WORKFLOW = """\
# A workflow that needs no OBS, Twitch or Discord: it lights the "On air" sign, counts down
# and turns it off again. Run, pause and cancel it from the virtual deck.
id: demo_countdown
name: Demo Countdown
description: Turns the On air sign on, counts down, and turns it off.
mode: restart
inputs:
  seconds:
    description: Length of the countdown
    type: number
    default: 20
initial_state: sign_on
states:
  - name: sign_on
    action:
      service: homeassistant
      action: input_boolean.turn_on
      params:
        target: {entity_id: input_boolean.on_air}
    transitions: {success: counting}
  - name: counting
    action:
      service: internal
      action: wait
      params: {seconds: "${seconds}"}
    transitions: {success: sign_off, cancel: sign_off}
  - name: sign_off
    action:
      service: homeassistant
      action: input_boolean.turn_off
      params:
        target: {entity_id: input_boolean.on_air}
"""


def say(text: str = "") -> None:
    print(text, flush=True)


def configuration(port: int, config: Path) -> str:
    if importlib.util.find_spec("hass_frontend") is not None:
        frontend = "frontend:"
    else:
        # Without the web interface package Home Assistant still needs a frontend tree: an
        # empty one keeps the API, the websocket and the deck working.
        tree = config / "no_frontend" / "hass_frontend"
        for name in ("static", "frontend_latest", "frontend_es5"):
            (tree / name).mkdir(parents=True, exist_ok=True)
        for name in ("index.html", "authorize.html", "onboarding.html", "service_worker.js"):
            (tree / name).touch()
        frontend = f"frontend:\n  development_repo: {config / 'no_frontend'}"
    return f"""\
homeassistant:
  name: Stream Workflows demo
  latitude: 52.52
  longitude: 13.40
  elevation: 34
  unit_system: metric
  time_zone: Europe/Berlin
  currency: EUR
  country: DE
  internal_url: http://127.0.0.1:{port}
http:
  server_host: 127.0.0.1
  server_port: {port}
{frontend}
config:
api:
websocket_api:
recorder:
  purge_keep_days: 3
history:
logbook:
logger:
  default: warning
  logs:
    custom_components.stream_workflows: info
input_boolean:
  on_air:
    name: On air
    icon: mdi:broadcast
"""


def install_workflows(folder: Path) -> None:
    """Copy the example workflows that are missing; never touch one that is there."""
    folder.mkdir(parents=True, exist_ok=True)
    examples = {
        source.name: source.read_text()
        for source in sorted((REPO / "workflows").iterdir())
        if source.suffix in (".json", ".yaml", ".yml")
    }
    examples["demo_countdown.yaml"] = DEMO_WORKFLOW
    copied, kept = [], []
    for name, text in examples.items():
        target = folder / name
        if target.exists():
            kept.append(name)
        else:
            target.write_text(text)
            copied.append(name)
    if copied:
        say(f"  Copied example workflows into {folder}: {', '.join(copied)}")
    if kept:
        say(f"  Kept the workflows already in {folder} as they are: {', '.join(kept)}")


def prepare(config: Path, port: int) -> None:
    """Write what Home Assistant needs; keep what earlier runs stored."""
    config.mkdir(parents=True, exist_ok=True)
    (config / "configuration.yaml").write_text(configuration(port, config))
    components = config / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / "stream_workflows"
    if not link.is_symlink():
        if link.exists():
            shutil.rmtree(link)
        link.symlink_to(REPO / "custom_components" / "stream_workflows")
    install_workflows(config / "stream_workflows")
    storage = config / ".storage"
    storage.mkdir(exist_ok=True)
    onboarding = storage / "onboarding"
    if not onboarding.exists():
        onboarding.write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["user", "core_config", "analytics", "integration"]},
                }
            )
        )
    if not (storage / "auth_provider.homeassistant").exists():
        subprocess.run(
            [str(VENV_BIN / "hass"), "--script", "auth", "-c", str(config), "add", USER, PASSWORD],
            check=True,
            capture_output=True,
        )


class HomeAssistant:
    """Talks to the demo's Home Assistant the way its web interface does (REST, websocket)."""

    def __init__(self, url: str, token: str = "") -> None:
        self.url = url
        self.token = token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def wait_running(self, proc: subprocess.Popen[bytes], within: float) -> None:
        """Until the HTTP server answers; with a token, until Home Assistant is RUNNING."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit("Home Assistant exited; see its log (hass-console.log)")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                if not self.token:
                    async with (
                        aiohttp.ClientSession() as session,
                        session.get(f"{self.url}/manifest.json") as resp,
                    ):
                        if resp.status < 500:
                            return
                elif (await self.command({"type": "get_config"}))["state"] == "RUNNING":
                    return
            await asyncio.sleep(0.3)
        raise SystemExit(f"Home Assistant did not start on {self.url} within {within:g} s")

    async def access_token(self) -> str:
        async with aiohttp.ClientSession() as session:
            return await login_access_token(session, self.url, USER, PASSWORD)

    async def command(self, message: dict[str, Any], token: str | None = None) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{self.url}/api/websocket") as ws,
        ):
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": token or self.token})
            if (await ws.receive_json())["type"] != "auth_ok":
                raise SystemExit("Home Assistant refused the demo token")
            await ws.send_json({"id": 1, **message})
            reply = await ws.receive_json()
            if not reply.get("success"):
                raise SystemExit(f"{message['type']} failed: {reply.get('error')}")
            return reply["result"]

    async def long_lived_token(self, config: Path) -> str:
        saved = config / ".demo-token"
        if saved.exists():
            self.token = saved.read_text().strip()
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{self.url}/api/", headers=self.headers) as resp,
            ):
                if resp.status == 200:
                    return self.token
        self.token = str(
            await self.command(
                {
                    "type": "auth/long_lived_access_token",
                    "client_name": "demo deck",
                    "lifespan": 3650,
                },
                token=await self.access_token(),
            )
        )
        saved.write_text(self.token)
        saved.chmod(0o600)
        return self.token

    async def post(self, path: str, data: dict[str, Any]) -> dict[str, Any]:
        # The web interface names its own address; the OAuth flow builds its callback from it.
        headers = {**self.headers, "HA-Frontend-Base": self.url}
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.post(f"{self.url}{path}", json=data) as resp,
        ):
            result: dict[str, Any] = await resp.json()
            return result

    async def delete(self, path: str) -> None:
        async with (
            aiohttp.ClientSession(headers=self.headers) as session,
            session.delete(f"{self.url}{path}") as resp,
        ):
            resp.raise_for_status()

    async def entries(self) -> list[dict[str, Any]]:
        address = f"{self.url}/api/config/config_entries/entry?domain=stream_workflows"
        async with (
            aiohttp.ClientSession(headers=self.headers) as session,
            session.get(address) as resp,
        ):
            result: list[dict[str, Any]] = await resp.json()
            return result

    async def start_flow(self, menu_choice: str | None) -> dict[str, Any]:
        """The integration's add dialog; `menu_choice` picks a connection once it exists."""
        flow = await self.post("/api/config/config_entries/flow", {"handler": "stream_workflows"})
        if menu_choice is not None:
            if flow.get("type") != "menu":
                raise SystemExit("the core entry must exist before a connection is added")
            flow = await self.post(
                f"/api/config/config_entries/flow/{flow['flow_id']}",
                {"next_step_id": menu_choice},
            )
        return flow

    async def finish_flow(self, flow: dict[str, Any], data: dict[str, Any], what: str) -> bool:
        result = await self.post(f"/api/config/config_entries/flow/{flow['flow_id']}", data)
        if result.get("type") not in ("create_entry", "abort"):
            say(f"  Could not add {what}: {result.get('errors') or result}")
            return False
        return True

    async def follow_sign_in(self, authorize_url: str) -> bool:
        """Sign in with Twitch as a person would: the consent page, then Home Assistant's
        OAuth callback; the flow then checks the token and creates the entry."""
        async with aiohttp.ClientSession() as browser:
            async with browser.get(authorize_url, allow_redirects=False) as page:
                callback = page.headers.get("Location", "")
            async with browser.get(callback) as back:
                if back.status != 200:
                    return False
        return True

    async def set_shared_variables(self, entry_id: str, wanted: dict[str, Any]) -> None:
        """Add the variables the workflows share to the integration's options (the options
        dialog); variables the user set already are kept."""
        flow = await self.post("/api/config/config_entries/options/flow", {"handler": entry_id})
        current: dict[str, Any] = {}
        for field in flow.get("data_schema", []):
            if field.get("name") == "variables":
                current = dict((field.get("description") or {}).get("suggested_value") or {})
        merged = {**current}
        for key, value in wanted.items():
            if isinstance(value, dict):
                merged[key] = {**value, **(current.get(key) or {})}
            else:
                merged.setdefault(key, value)
        if merged == current:
            await self.delete(f"/api/config/config_entries/options/flow/{flow['flow_id']}")
            return
        await self.post(
            f"/api/config/config_entries/options/flow/{flow['flow_id']}", {"variables": merged}
        )
        say("  Set config.discord_channel_id in the integration's options (shared variables)")


class StandIns:
    """The local Twitch and Discord, and the page listing what they received."""

    def __init__(self, config: Path, page_port: int) -> None:
        self.tokens_file = config / ".local-peers" / "twitch-tokens.json"
        self.discord = DiscordPeer()
        # A raid goes out 10 s after it is started, so the raid key can be pressed again.
        self.twitch = TwitchPeer(raid_lasts=10, send_keepalives=True)
        self.twitch.users[RAID_FRIEND["login"]] = dict(RAID_FRIEND)
        self.page = ReceivedPage(Received(self.twitch, self.discord), port=page_port)

    async def start(self) -> None:
        if self.tokens_file.exists():
            self.twitch.import_tokens(json.loads(self.tokens_file.read_text()))
        self.twitch.on_tokens = self.save_tokens
        await self.discord.__aenter__()
        await self.twitch.start()
        await self.page.start()

    def save_tokens(self) -> None:
        """Home Assistant keeps the Twitch tokens across restarts: so does the stand-in."""
        self.tokens_file.parent.mkdir(exist_ok=True)
        self.tokens_file.write_text(json.dumps(self.twitch.export_tokens()))
        self.tokens_file.chmod(0o600)

    async def stop(self) -> None:
        await self.page.stop()
        await self.twitch.close()
        await self.discord.__aexit__()


def start_obs(config: Path, port: int) -> subprocess.Popen[bytes] | None:
    """A headless OBS when OBS Studio and Xvfb are installed."""
    if not (shutil.which("obs") and shutil.which("Xvfb")):
        say("  OBS Studio / Xvfb not installed: the OBS steps will report not_connected.")
        return None
    return subprocess.Popen(
        [
            str(REPO / "scripts" / "obs-headless"),
            "start",
            "--port",
            str(port),
            "--password",
            OBS_PASSWORD,
            "--dir",
            str(config / "obs"),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def start_replay_buffer(port: int) -> None:
    """OBS's replay buffer runs, so that "End stream" and "Wrap up" can save it."""
    client = obsws_python.ReqClient(host="127.0.0.1", port=port, password=OBS_PASSWORD)
    try:
        if not client.get_replay_buffer_status().output_active:
            client.start_replay_buffer()
    finally:
        client.disconnect()


def obs_answers(port: int, within: float) -> bool:
    """Whether OBS's websocket answers a request within `within` seconds: its process can be
    up a moment before the websocket server is, most on a busy machine."""
    deadline = time.monotonic() + within
    while True:
        try:
            client = obsws_python.ReqClient(
                host="127.0.0.1", port=port, password=OBS_PASSWORD, timeout=5
            )
        except Exception:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)
            continue
        try:
            client.get_version()
            return True
        finally:
            client.disconnect()


def deck_file(config: Path, url: str) -> Path:
    """The example deck, pointed at this Home Assistant."""
    layout = yaml.safe_load(DECK_FILE.read_text())
    layout["home_assistant"]["url"] = url
    deck = config / "demo-deck.yaml"
    deck.write_text(
        f"# Written by scripts/develop from {DECK_FILE.relative_to(REPO)}; edit that file.\n"
        + yaml.safe_dump(layout, sort_keys=False)
    )
    return deck


class Demo:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.config = Path(args.config).resolve()
        self.url = f"http://127.0.0.1:{args.port}"
        self.ha = HomeAssistant(self.url)
        self.peers = StandIns(self.config, args.peers_port)
        self.obs: subprocess.Popen[bytes] | None = None
        self.hass: subprocess.Popen[bytes] | None = None
        self.bridge: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    async def run(self) -> None:
        say(f"Preparing {self.config} ...")
        prepare(self.config, self.args.port)
        await self.peers.start()
        if not self.args.no_obs:
            self.obs = start_obs(self.config, self.args.obs_port)
        self._log = open(self.config / "hass-console.log", "ab")  # noqa: SIM115  (closed in stop)
        self.hass = subprocess.Popen(
            [sys.executable, "-m", "local_peers.run_hass", "-c", str(self.config)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={
                **os.environ,
                # The config folder first: the integration is the one linked in there.
                "PYTHONPATH": os.pathsep.join([str(self.config), str(REPO)]),
                "LOCAL_PEERS_DISCORD_API": self.peers.discord.api_base,
                "LOCAL_PEERS_TWITCH": self.peers.twitch.url,
            },
            start_new_session=True,  # Ctrl-C reaches only this script, which stops it
        )
        say(f"Starting Home Assistant on {self.url} (log: {self.config}/home-assistant.log) ...")
        await self.ha.wait_running(self.hass, 300)
        await self.ha.long_lived_token(self.config)
        await self.ha.wait_running(self.hass, 300)  # now with the token: until RUNNING
        await self.connect()
        deck = deck_file(self.config, self.url)
        self.bridge = subprocess.Popen(
            [
                str(VENV_BIN / "streamdeck-bridge"),
                "--config",
                str(deck),
                "--virtual",
                self.args.model,
                "--port",
                str(self.args.deck_port),
                *(["-v"] if self.args.verbose else []),
            ],
            env={**os.environ, "STREAMDECK_BRIDGE_TOKEN": self.ha.token},
            start_new_session=True,
        )
        say(
            f"\n  Home Assistant:  {self.url}  (user {USER}, password {PASSWORD})"
            f"\n  Virtual deck:    http://127.0.0.1:{self.args.deck_port}"
            f"\n  Received:        {self.peers.page.url}  (what the local Twitch and Discord got)"
            f"\n  Local Twitch:    {self.peers.twitch.url}"
            f"\n  Local Discord:   {self.peers.discord.url}"
            f"\n  Workflows:       {self.config / 'stream_workflows'}"
            " (edit, then call stream_workflows.reload)"
            "\n\nPress Ctrl-C to stop.\n"
        )
        await asyncio.to_thread(self.hass.wait)
        say("Home Assistant exited.")

    async def connect(self) -> None:
        """The integration and its connections, each added once through its own flow."""
        if not await self.ha.entries():
            flow = await self.ha.start_flow(None)
            await self.ha.finish_flow(flow, {}, "Stream Workflows")
        titles = [entry.get("title", "") for entry in await self.ha.entries()]
        core = next(e for e in await self.ha.entries() if e.get("title") == "Stream Workflows")
        await self.ha.set_shared_variables(
            core["entry_id"], {"config": {"discord_channel_id": WEBHOOK_CHANNEL}}
        )
        if self.obs is not None:
            if await asyncio.to_thread(_exit_code, self.obs, 90) != 0 or not (
                await asyncio.to_thread(obs_answers, self.args.obs_port, 30)
            ):
                say("  The headless OBS did not start (see config/obs/); OBS steps will fail.")
                self.obs = None
            else:
                if not any(t.startswith("OBS") for t in titles):
                    flow = await self.ha.start_flow("obs")
                    data = {
                        "host": "127.0.0.1",
                        "port": self.args.obs_port,
                        "password": OBS_PASSWORD,
                    }
                    if await self.ha.finish_flow(flow, data, "OBS"):
                        say("  Added the OBS connection (the headless OBS)")
                await asyncio.to_thread(start_replay_buffer, self.args.obs_port)
        if "Discord" not in titles:
            flow = await self.ha.start_flow("discord")
            data = {"bot_token": BOT_TOKEN, "webhook_url": ""}
            if await self.ha.finish_flow(flow, data, "Discord"):
                say("  Added the Discord connection (the local Discord's bot)")
        twitch = [e for e in await self.ha.entries() if e.get("title", "").startswith("Twitch")]
        for entry in twitch:
            if entry.get("state") == "setup_error":
                # The local Twitch forgot the tokens (its saved ones were deleted): sign in again.
                await self.ha.delete(f"/api/config/config_entries/entry/{entry['entry_id']}")
                say("  The local Twitch did not know the stored tokens: signing in again")
        if not twitch or all(entry.get("state") == "setup_error" for entry in twitch):
            await self.add_twitch()

    async def add_twitch(self) -> None:
        credentials = await self.ha.command({"type": "application_credentials/list"})
        if not any(c.get("client_id") == CLIENT_ID for c in credentials):
            await self.ha.command(
                {
                    "type": "application_credentials/create",
                    "domain": "stream_workflows",
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "name": "Local Twitch",
                }
            )
        flow = await self.ha.start_flow("twitch")
        if flow.get("type") != "external" or not await self.ha.follow_sign_in(flow["url"]):
            say(f"  Could not sign in with the local Twitch: {flow}")
            return
        if await self.ha.finish_flow(flow, {}, "Twitch"):
            say("  Added the Twitch connection (signed in at the local Twitch)")

    async def stop(self) -> None:
        """Stop everything at once; whatever has not stopped after a few seconds is killed."""
        say("\nStopping ...")
        stops = [asyncio.to_thread(_stop, proc) for proc in (self.bridge, self.hass)]
        if self.obs is not None or (self.config / "obs").exists():
            stops.append(asyncio.to_thread(self._stop_obs))
        await asyncio.gather(*stops)
        await self.peers.stop()
        if self._log is not None:
            self._log.close()
        say("Stopped.")

    def _stop_obs(self) -> None:
        if self.obs is not None and self.obs.poll() is None:
            _stop(self.obs)
        subprocess.run(
            [str(REPO / "scripts" / "obs-headless"), "stop", "--dir", str(self.config / "obs")],
            check=False,
            stdout=subprocess.DEVNULL,
        )


def _exit_code(proc: subprocess.Popen[bytes], within: float) -> int | None:
    try:
        return proc.wait(timeout=within)
    except subprocess.TimeoutExpired:
        return None


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(REPO / "config"), help="configuration folder")
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's port")
    parser.add_argument("--deck-port", type=int, default=8765, help="the virtual deck's port")
    parser.add_argument(
        "--peers-port", type=int, default=8766, help="the page of what the stand-ins received"
    )
    parser.add_argument("--obs-port", type=int, default=4455, help="the headless OBS's port")
    parser.add_argument("--model", default="original", help="virtual deck model")
    parser.add_argument("--no-obs", action="store_true", help="do not start a headless OBS")
    parser.add_argument("-v", "--verbose", action="store_true", help="the bridge logs more")
    args = parser.parse_args()
    demo = Demo(args)
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def interrupt() -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: say("Still stopping ..."))
        task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupt)
    try:
        await demo.run()
    except asyncio.CancelledError:
        pass
    finally:
        await demo.stop()


if __name__ == "__main__":
    asyncio.run(main())
