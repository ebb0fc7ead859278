"""The running product for `scripts/develop`: Home Assistant with the demo workflows and a
virtual Stream Deck, both on 127.0.0.1.

It prepares `config/` (ignored by git) on first use: a configuration, this repository's
integration linked in, the workflows of `workflows/` plus a demo that needs no connections, a user
`demo` / `demo` with onboarding done, and the integration added. When OBS Studio and Xvfb are
installed it also starts a headless OBS and adds it as a connection, so the seed workflows really
switch scenes. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
USER, PASSWORD = "demo", "demo"

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

DECK = """\
home_assistant:
  url: {url}
  token_env: STREAMDECK_BRIDGE_TOKEN
brightness: 80
hold_time: 0.6
pages:
  - name: demo
    keys:
      - workflow: demo_countdown
        label: Countdown
      - workflow: brb
        label: BRB
      - workflow: raid_workflow
        label: Raid
        variables:
          raid_target: a_friend
      - workflow: stream_start_sequence
        label: Go live
        press: run
        long_press: cancel
      - workflow: stream_end_processing
        label: End stream
        press: run
        long_press: cancel
      - workflow: going_live
        label: Going live
      - workflow: wrap_up
        label: Wrap up
      - entity: input_boolean.on_air
        label: On air
"""


def configuration(port: int) -> str:
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
frontend:
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


def prepare(config: Path, port: int) -> None:
    """Write what Home Assistant needs; keep what earlier runs stored."""
    config.mkdir(exist_ok=True)
    (config / "configuration.yaml").write_text(configuration(port))
    components = config / "custom_components"
    components.mkdir(exist_ok=True)
    link = components / "stream_workflows"
    if not link.is_symlink():
        if link.exists():
            shutil.rmtree(link)
        link.symlink_to(REPO / "custom_components" / "stream_workflows")
    folder = config / "stream_workflows"
    folder.mkdir(exist_ok=True)
    for source in sorted((REPO / "workflows").iterdir()):
        if source.suffix in (".json", ".yaml", ".yml"):
            shutil.copy(source, folder / source.name)
    (folder / "demo_countdown.yaml").write_text(DEMO_WORKFLOW)
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


async def wait_http(url: str, proc: subprocess.Popen[bytes], within: float) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit("Home Assistant exited; see config/home-assistant.log")
            try:
                async with session.get(f"{url}/manifest.json") as resp:
                    if resp.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit(f"Home Assistant did not answer on {url} within {within:g} s")


async def access_token(url: str) -> str:
    client_id = f"{url}/"
    async with aiohttp.ClientSession() as session:
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
            json={"username": USER, "password": PASSWORD, "client_id": client_id},
        ) as resp:
            result = await resp.json()
        async with session.post(
            f"{url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": result["result"],
                "client_id": client_id,
            },
        ) as resp:
            return str((await resp.json())["access_token"])


async def websocket(url: str, token: str, message: dict[str, Any]) -> Any:
    async with aiohttp.ClientSession() as session, session.ws_connect(f"{url}/api/websocket") as ws:
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        if (await ws.receive_json())["type"] != "auth_ok":
            raise SystemExit("Home Assistant refused the demo token")
        await ws.send_json({"id": 1, **message})
        reply = await ws.receive_json()
        if not reply.get("success"):
            raise SystemExit(f"{message['type']} failed: {reply.get('error')}")
        return reply["result"]


async def long_lived_token(url: str, config: Path) -> str:
    saved = config / ".demo-token"
    if saved.exists():
        token = saved.read_text().strip()
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{url}/api/", headers=headers) as resp,
        ):
            if resp.status == 200:
                return token
    token = str(
        await websocket(
            url,
            await access_token(url),
            {"type": "auth/long_lived_access_token", "client_name": "demo deck", "lifespan": 3650},
        )
    )
    saved.write_text(token)
    saved.chmod(0o600)
    return token


async def add_entry(url: str, token: str, menu_choice: str | None, data: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.post(
            f"{url}/api/config/config_entries/flow", json={"handler": "stream_workflows"}
        ) as resp:
            flow = await resp.json()
        if flow.get("type") == "menu":
            if menu_choice is None:
                await session.delete(f"{url}/api/config/config_entries/flow/{flow['flow_id']}")
                return
            async with session.post(
                f"{url}/api/config/config_entries/flow/{flow['flow_id']}",
                json={"next_step_id": menu_choice},
            ) as resp:
                flow = await resp.json()
        elif menu_choice is not None:
            raise SystemExit("the core entry must exist before a connection is added")
        async with session.post(
            f"{url}/api/config/config_entries/flow/{flow['flow_id']}", json=data
        ) as resp:
            result = await resp.json()
        if result.get("type") not in ("create_entry", "abort"):
            print(f"  could not add {menu_choice or 'Stream Workflows'}: {result}", file=sys.stderr)


async def entries(url: str, token: str) -> list[dict[str, Any]]:
    address = f"{url}/api/config/config_entries/entry?domain=stream_workflows"
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session,
        session.get(address) as resp,
    ):
        result: list[dict[str, Any]] = await resp.json()
        return result


def start_obs(config: Path) -> subprocess.Popen[bytes] | None:
    """A headless OBS on 127.0.0.1:4455 when OBS Studio and Xvfb are installed."""
    if not (shutil.which("obs") and shutil.which("Xvfb")):
        print("  OBS Studio / Xvfb not installed: the OBS steps will report not_connected.")
        return None
    return subprocess.Popen(
        [
            str(REPO / "scripts" / "obs-headless"),
            "start",
            "--port",
            "4455",
            "--password",
            "demo-obs",
            "--dir",
            str(config / "obs"),
        ],
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8123, help="Home Assistant's port")
    parser.add_argument("--deck-port", type=int, default=8765, help="the virtual deck's port")
    parser.add_argument("--model", default="original", help="virtual deck model")
    parser.add_argument("--no-obs", action="store_true", help="do not start a headless OBS")
    args = parser.parse_args()
    config = REPO / "config"
    url = f"http://127.0.0.1:{args.port}"
    prepare(config, args.port)
    obs = None if args.no_obs else start_obs(config)
    log = open(config / "home-assistant.log", "ab")  # noqa: SIM115  (closed in `finally`)
    hass = subprocess.Popen(
        [str(VENV_BIN / "hass"), "-c", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    bridge: subprocess.Popen[bytes] | None = None
    try:
        print(f"Starting Home Assistant on {url} (log: config/home-assistant.log) ...")
        await wait_http(url, hass, 180)
        token = await long_lived_token(url, config)
        if not await entries(url, token):
            await add_entry(url, token, None, {})
        has_obs = any(e.get("title", "").startswith("OBS") for e in await entries(url, token))
        if obs is not None and not has_obs and obs.wait(timeout=60) == 0:
            await add_entry(
                url, token, "obs", {"host": "127.0.0.1", "port": 4455, "password": "demo-obs"}
            )
        deck = config / "demo-deck.yaml"
        deck.write_text(DECK.format(url=url))
        env = {**os.environ, "STREAMDECK_BRIDGE_TOKEN": token}
        bridge = subprocess.Popen(
            [
                str(VENV_BIN / "streamdeck-bridge"),
                "--config",
                str(deck),
                "--virtual",
                args.model,
                "--port",
                str(args.deck_port),
                "-v",
            ],
            env=env,
        )
        print(
            f"\n  Home Assistant:  {url}  (user {USER}, password {PASSWORD})"
            f"\n  Virtual deck:    http://127.0.0.1:{args.deck_port}"
            "\n  Workflows:       config/stream_workflows/"
            " (edit, then call stream_workflows.reload)"
            "\n\nPress Ctrl-C to stop.\n"
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        while not stop.is_set() and hass.poll() is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    finally:
        for proc in (bridge, hass):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        if obs is not None:
            subprocess.run(
                [str(REPO / "scripts" / "obs-headless"), "stop", "--dir", str(config / "obs")],
                check=False,
            )
        log.close()


if __name__ == "__main__":
    asyncio.run(main())
