"""Runs at scale in a real `hass` process: memory, checkpoint size, checkpoint lag, restore.

    .venv/bin/python bench/runs.py --json [--runs 1000] [--moving-seconds 60]

1. `--runs` parked runs (each waits an hour): the process's RSS before and after (per run),
   the checkpoint on disk (per run), then a graceful restart: the time to load the checkpoint
   and to restore every run (Home Assistant's log says both).
2. `--runs` moving runs (each loops: a Home Assistant action, `input_boolean.toggle`, then a
   0.5 s wait) for `--moving-seconds`: RSS over time, the checkpoint's size, and the checkpoint
   lag — how old the file on disk is, sampled every 50 ms (its modification time against now):
   the contract says about a second at most, however busy; then a restart and its restore.

Goals: at most 10 KiB per parked run in memory and on disk; 1,000 runs restored in under 2 s.
Prints one JSON object with --json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.bridge.hass_process import HassProcess, _run  # noqa: E402

GOALS = {"parked_kib_per_run_memory": 10, "parked_kib_per_run_disk": 10, "restore_1000_s": 2}
PARKED = """\
id: parked
name: Parked
mode: parallel
max: 1000
inputs:
  who: {type: string, default: nobody}
steps:
  - id: hold
    service: internal
    action: wait
    params: {seconds: 3600}
"""
MOVING = """\
id: moving
name: Moving
mode: parallel
max: 1000
initial_state: act
states:
  - name: act
    action:
      service: homeassistant
      action: input_boolean.toggle
      params: {target: {entity_id: input_boolean.desk_lamp}}
    transitions: {success: rest, error: rest}
  - name: rest
    action: {service: internal, action: wait, params: {seconds: 0.5}}
    transitions: {success: act}
"""


class BenchHass(HassProcess):
    def write_config(self) -> None:
        super().write_config()
        folder = self.config_dir / "stream_workflows"
        (folder / "parked.yaml").write_text(PARKED)
        (folder / "moving.yaml").write_text(MOVING)
        with (self.config_dir / "configuration.yaml").open("a") as config:
            config.write(
                "logger:\n  logs:\n    custom_components.stream_workflows.coordinator: info\n"
                "    custom_components.stream_workflows.run_persistence: info\n"
            )

    def rss_kib(self) -> int:
        assert self.proc is not None
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]

    @property
    def checkpoint(self) -> Path:
        return self.config_dir / ".storage" / "stream_workflows.runs"

    def saved_count(self) -> int:
        try:
            return len(json.loads(self.checkpoint.read_text())["data"]["runs"])
        except (OSError, ValueError, KeyError):
            return -1

    def log_text(self) -> str:
        return (self.config_dir / "hass.log").read_text(errors="replace")


async def call_many(hass: HassProcess, messages: list[dict[str, Any]]) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{hass.url}/api/websocket", max_msg_size=0) as ws,
    ):
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": hass.token})
        assert (await ws.receive_json())["type"] == "auth_ok"
        for number, message in enumerate(messages, 1):
            await ws.send_json({"id": number, **message})
        done = 0
        while done < len(messages):
            reply = await ws.receive_json()
            if reply.get("type") == "result":
                if not reply["success"]:
                    raise RuntimeError(json.dumps(reply["error"]))
                done += 1


def service(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "call_service",
        "domain": "stream_workflows",
        "service": name,
        "service_data": data,
    }


def settle(seconds: float) -> None:
    time.sleep(seconds)


def wait_saved(hass: BenchHass, count: int, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while hass.saved_count() != count and time.monotonic() < deadline:
        time.sleep(0.2)


def restore_figures(hass: BenchHass, before: int) -> dict[str, float]:
    """The load and restore times the log reports after byte `before` of it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = hass.log_text()[before:]
        restored = re.findall(r"Restored (\d+) runs in ([\d.]+) s", text)
        loaded = re.findall(r"Loaded the runs' checkpoint in ([\d.]+) s", text)
        if restored and loaded:
            return {
                "runs": int(restored[-1][0]),
                "load_s": float(loaded[-1]),
                "restore_s": float(restored[-1][1]),
            }
        time.sleep(0.2)
    raise RuntimeError("no restore figures in the log")


def parked(hass: BenchHass, runs: int) -> dict[str, Any]:
    settle(3)
    base = hass.rss_kib()
    _run(
        call_many(
            hass,
            [
                service("run", {"workflow_id": "parked", "variables": {"who": f"v{n}"}})
                for n in range(runs)
            ],
        )
    )
    wait_saved(hass, runs)
    settle(3)
    after = hass.rss_kib()
    size = hass.checkpoint.stat().st_size
    before = len(hass.log_text())
    hass.restart()
    figures = restore_figures(hass, before)
    result = {
        "runs": runs,
        "rss_before_mib": round(base / 1024, 1),
        "rss_after_mib": round(after / 1024, 1),
        "kib_per_run_memory": round((after - base) / runs, 2),
        "checkpoint_kib": round(size / 1024, 1),
        "kib_per_run_disk": round(size / 1024 / runs, 2),
        "restored": figures["runs"],
        "load_s": figures["load_s"],
        "restore_s": figures["restore_s"],
        "rss_after_restore_mib": round(hass.rss_kib() / 1024, 1),
    }
    _run(hass.command(service("cancel", {"workflow_id": "parked"})))
    wait_saved(hass, 0)
    return result


def moving(hass: BenchHass, runs: int, seconds: float) -> dict[str, Any]:
    settle(2)
    base = hass.rss_kib()
    _run(call_many(hass, [service("run", {"workflow_id": "moving"})] * runs))
    began = time.monotonic()
    lag_max = 0.0
    lags: list[float] = []
    rss: list[int] = []
    sizes: list[int] = []
    next_rss = began
    while time.monotonic() - began < seconds:
        try:
            lag = time.time() - hass.checkpoint.stat().st_mtime
        except OSError:
            lag = 0.0
        lags.append(lag)
        lag_max = max(lag_max, lag)
        if time.monotonic() >= next_rss:
            rss.append(hass.rss_kib())
            sizes.append(hass.checkpoint.stat().st_size)
            next_rss += 5
        time.sleep(0.05)
    lags.sort()
    before = len(hass.log_text())
    hass.restart()
    figures = restore_figures(hass, before)
    result = {
        "runs": runs,
        "seconds": seconds,
        "rss_before_mib": round(base / 1024, 1),
        "rss_max_mib": round(max(rss) / 1024, 1),
        "rss_end_mib": round(rss[-1] / 1024, 1),
        "checkpoint_kib_max": round(max(sizes) / 1024, 1),
        "checkpoint_lag_p50_s": round(lags[len(lags) // 2], 3),
        "checkpoint_lag_p99_s": round(lags[int(len(lags) * 0.99)], 3),
        "checkpoint_lag_max_s": round(lag_max, 3),
        "restored": figures["runs"],
        "load_s": figures["load_s"],
        "restore_s": figures["restore_s"],
    }
    _run(hass.command(service("cancel", {"workflow_id": "moving"})))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--moving-seconds", type=float, default=60)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-runs-") as folder:
        hass = BenchHass(Path(folder) / "config")
        try:
            hass.start()
            hass.restart()  # once gracefully: the access token is saved
            result = {
                "benchmark": "runs",
                "parked": parked(hass, args.runs),
                "moving": moving(hass, args.runs, args.moving_seconds),
                "goals": GOALS,
            }
        finally:
            hass.stop()
    if args.json:
        print(json.dumps(result))
    else:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
