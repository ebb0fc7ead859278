"""A real `hass` process on 127.0.0.1 for the bridge's websocket tests and the latency bench.

`HassProcess` writes a minimal configuration into a directory, starts `.venv/bin/hass -c DIR`
on a free port, waits until Home Assistant is running, and creates a user and a long-lived
access token the way a person would: `hass --script auth add`, the login flow over REST, then
`auth/long_lived_access_token` over the websocket API.

The repository's `custom_components/stream_workflows` is linked into the config directory, the
test workflows are written to `<config>/stream_workflows/` and the integration is added through
its config flow: the bridge is tested against the real integration.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import aiohttp

from local_peers.hass_login import login_access_token

REPO = Path(__file__).resolve().parents[2]
HASS = REPO / ".venv" / "bin" / "hass"
REAL_INTEGRATION = True

USER = "bridge"
PASSWORD = "bridge-test-password"
TEST_WORKFLOWS = ("bridge_test", "bridge_other")

# The workflow the real integration runs in the tests: its first action is a Home Assistant
# action (so "first action dispatched" is a `call_service` event), then it waits an hour.
TEST_WORKFLOW_YAML = """\
id: {wid}
name: {name}
steps:
  - id: first_action
    service: homeassistant
    action: input_boolean.toggle
    params:
      target:
        entity_id: input_boolean.bridge_action
  - id: wait_step
    service: internal
    action: wait
    params:
      seconds: 3600
"""


# A workflow that succeeds with a handled error: Twitch is not connected in these tests, so its
# chat message fails, and `continue_on_error` carries the run to its end.
ERRORS_WORKFLOW = "bridge_errors"
ERRORS_WORKFLOW_YAML = f"""\
id: {ERRORS_WORKFLOW}
name: Bridge errors
steps:
  - id: tell_chat
    service: twitch
    action: send_chat_message
    params:
      message: hello
    continue_on_error: true
  - id: done
    service: internal
    action: noop
"""


def _run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on a loop of its own. Unlike `asyncio.run`, this leaves the thread's
    current event loop alone: `asyncio.run` resets it to None, and pytest-asyncio 1.x
    (Home Assistant 2026.2's test plugin) then finds no loop for every later test."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class HassProcess:
    """One `hass` process and its configuration directory."""

    def __init__(self, config_dir: Path, *, real_integration: bool = REAL_INTEGRATION) -> None:
        self.config_dir = config_dir
        self.port = free_port()
        self.real_integration = real_integration
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = ""
        self._log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- configuration ---------------------------------------------------------------------

    def write_config(self) -> None:
        cfg = self.config_dir
        cfg.mkdir(parents=True, exist_ok=True)
        (cfg / "custom_components").mkdir(exist_ok=True)
        link = cfg / "custom_components" / "stream_workflows"
        if link.is_symlink() or link.exists():
            link.unlink() if link.is_symlink() else shutil.rmtree(link)
        link.symlink_to(REPO / "custom_components" / "stream_workflows")
        folder = cfg / "stream_workflows"
        folder.mkdir(exist_ok=True)
        for wid in TEST_WORKFLOWS:
            (folder / f"{wid}.yaml").write_text(
                TEST_WORKFLOW_YAML.format(wid=wid, name=wid.replace("_", " ").title())
            )
        (folder / f"{ERRORS_WORKFLOW}.yaml").write_text(ERRORS_WORKFLOW_YAML)
        # `frontend` is always set up and Home Assistant falls back to recovery mode without
        # it; the test environment has no `hass_frontend` package, so point the frontend at
        # an empty development tree (the bridge never needs the web UI).
        front = cfg / "fake_frontend" / "hass_frontend"
        for name in ("static", "frontend_latest", "frontend_es5"):
            (front / name).mkdir(parents=True, exist_ok=True)
        for name in ("index.html", "authorize.html", "onboarding.html", "service_worker.js"):
            (front / name).write_text("")
        (cfg / "configuration.yaml").write_text(
            f"""\
homeassistant:
  name: Bridge test
  latitude: 0
  longitude: 0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: DE
  internal_url: {self.url}
http:
  server_host: 127.0.0.1
  server_port: {self.port}
frontend:
  development_repo: {cfg / "fake_frontend"}
api:
auth:
config:
websocket_api:
logger:
  default: warning
input_boolean:
  bridge_action:
    name: Bridge action
  desk_lamp:
    name: Desk lamp
"""
        )

    def create_user(self) -> None:
        if (self.config_dir / ".storage" / "auth_provider.homeassistant").exists():
            return
        subprocess.run(
            [str(HASS), "--script", "auth", "-c", str(self.config_dir), "add", USER, PASSWORD],
            check=True,
            capture_output=True,
            timeout=120,
        )

    # -- process ---------------------------------------------------------------------------

    def start(self, timeout: float = 120.0) -> None:
        """Start (or restart) `hass` and wait until it runs; get a token the first time."""
        if not (self.config_dir / "configuration.yaml").exists():
            self.write_config()
            self.create_user()
        self._log = open(self.config_dir / "hass.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(HASS), "-c", str(self.config_dir), "--skip-pip"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # The repository is on sys.path through its editable install, so its
            # custom_components would shadow the config directory's: put the config
            # directory first so that the stand-in (or the linked integration) wins.
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(self.config_dir)},
        )
        self._wait_http(timeout)
        if not self.token:
            self.token = _run(self._create_token())
        _run(self._wait_running(timeout))
        if self.real_integration:
            _run(self._add_integration())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        path = self.config_dir / "hass.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _wait_http(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"hass exited early:\n{self.log_tail()}")
            try:
                urllib.request.urlopen(f"{self.url}/api/", timeout=2)
            except urllib.error.HTTPError:
                return  # 401: the HTTP server is up
            except OSError:
                time.sleep(0.2)
                continue
            return
        raise RuntimeError(f"hass did not answer within {timeout} s:\n{self.log_tail()}")

    # -- websocket helpers (each runs in its own short-lived event loop) ------------------

    async def _create_token(self) -> str:
        async with aiohttp.ClientSession() as session:
            access = await login_access_token(session, self.url, USER, PASSWORD)
            async with session.ws_connect(f"{self.url}/api/websocket") as ws:
                await ws.receive_json()
                await ws.send_json({"type": "auth", "access_token": access})
                assert (await ws.receive_json())["type"] == "auth_ok"
                await ws.send_json(
                    {
                        "id": 1,
                        "type": "auth/long_lived_access_token",
                        "client_name": "bridge tests",
                        "lifespan": 365,
                    }
                )
                reply = await ws.receive_json()
                assert reply["success"], reply
                return str(reply["result"])

    async def command(self, message: dict[str, Any]) -> Any:
        """Send one websocket command with the test token; return its result."""
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{self.url}/api/websocket") as ws,
        ):
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": self.token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json({"id": 1, **message})
            while True:
                reply = await ws.receive_json()
                if reply.get("id") == 1 and reply["type"] == "result":
                    if not reply["success"]:
                        raise RuntimeError(json.dumps(reply["error"]))
                    return reply["result"]

    async def _wait_running(self, within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                config = await self.command({"type": "get_config"})
                if config["state"] == "RUNNING":
                    return
            except (aiohttp.ClientError, OSError, AssertionError):
                pass
            await asyncio.sleep(0.2)
        raise RuntimeError(f"hass did not reach RUNNING:\n{self.log_tail()}")

    async def _add_integration(self) -> None:
        entries = await self.command({"type": "config_entries/get", "domain": "stream_workflows"})
        if not entries:
            headers = {"Authorization": f"Bearer {self.token}"}
            async with aiohttp.ClientSession(headers=headers) as session:
                async with session.post(
                    f"{self.url}/api/config/config_entries/flow",
                    json={"handler": "stream_workflows"},
                ) as resp:
                    flow = await resp.json()
                    assert resp.status == 200, flow
                if flow.get("type") == "form":
                    async with session.post(
                        f"{self.url}/api/config/config_entries/flow/{flow['flow_id']}", json={}
                    ) as resp:
                        done = await resp.json()
                        assert done.get("type") == "create_entry", done
        # Wait until every test workflow's sensor is in the entity registry.
        deadline = time.monotonic() + 60
        wanted = {f"{wid}_state" for wid in (*TEST_WORKFLOWS, ERRORS_WORKFLOW)}
        while time.monotonic() < deadline:
            entries = await self.command({"type": "config/entity_registry/list"})
            have = {e["unique_id"] for e in entries if e["platform"] == "stream_workflows"}
            if wanted <= have:
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"the integration's entities did not appear:\n{self.log_tail()}")


def main() -> None:
    """Run a test instance by hand: `python tests/bridge/hass_process.py DIR`."""
    proc = HassProcess(Path(sys.argv[1]))
    proc.start()
    print(json.dumps({"url": proc.url, "token": proc.token}))
    try:
        proc.proc.wait()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        proc.stop()


if __name__ == "__main__":
    main()
