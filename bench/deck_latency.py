"""Stream Deck bridge latency over a real `hass` process and a dummy deck.

    .venv/bin/python bench/deck_latency.py --json [--presses 200] [--real-integration]

Measures, over N presses of a workflow key (each followed by a cancel):
- press_to_action: a key press (a HID report handed to the deck's own reader thread) to the
  workflow's first action dispatched in Home Assistant (the `call_service` event of its first
  step, `input_boolean.toggle`, as Home Assistant timestamps it);
- state_to_key: a workflow state change in Home Assistant (the `state_changed` event of the
  workflow's sensor, as Home Assistant timestamps it) to the new key image written to the deck
  (two samples per press: running, then cancelled).

Both processes run on this machine, so their wall clocks agree. Goal: p99 under 15 ms and
under 30 ms. Prints one JSON object with --json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from streamdeck_bridge.app import Bridge  # noqa: E402
from streamdeck_bridge.config import validate  # noqa: E402
from streamdeck_bridge.ha_client import HomeAssistantClient  # noqa: E402
from tests.bridge.fake_decks import FakeBus  # noqa: E402
from tests.bridge.hass_process import REAL_INTEGRATION, HassProcess  # noqa: E402

GOALS = {"press_to_action_p99_ms": 15.0, "state_to_key_p99_ms": 30.0}
WORKFLOW = "bridge_test"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def fired(event: dict[str, Any]) -> float:
    return datetime.fromisoformat(str(event["time_fired"])).timestamp()


async def wait_until(condition: Any, within: float = 10.0) -> Any:
    deadline = time.monotonic() + within
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError("timed out")
        await asyncio.sleep(0.001)
    return value


async def measure(hass: HassProcess, presses: int) -> dict[str, Any]:
    config = validate(
        {
            "home_assistant": {"url": hass.url},
            "pages": [
                {
                    "name": "bench",
                    "keys": [{"workflow": WORKFLOW, "press": "run", "long_press": "none"}],
                }
            ],
        }
    )
    bus = FakeBus()
    fake = bus.plug("StreamDeckOriginalV2", "BENCH-1")
    writes: list[tuple[int, float]] = []
    fake.on_image = lambda key, _at: writes.append((key, time.time()))
    bridge = Bridge(
        config, token=lambda: hass.token, enumerate_decks=bus.enumerate, poll_interval=0.2
    )
    service_events: list[dict[str, Any]] = []
    state_events: list[dict[str, Any]] = []
    press_ms: list[float] = []
    state_ms: list[float] = []
    url = f"ws://127.0.0.1:{hass.port}/api/websocket"
    try:
        async with HomeAssistantClient(url, hass.token) as watcher:
            await watcher.subscribe_events("call_service", service_events.append)
            await watcher.subscribe_events("state_changed", state_events.append)
            await bridge.start()
            await bridge.link.wait_online(30)
            surface = await wait_until(lambda: bridge.surfaces.get("BENCH-1"))
            sensor = await wait_until(lambda: bridge.link.workflow_sensor.get(WORKFLOW))
            await wait_until(lambda: fake.image_count(0) > 0)

            def first_action_after(since: float) -> dict[str, Any] | None:
                for event in service_events:
                    data = event["data"]
                    if data["domain"] == "input_boolean" and fired(event) >= since:
                        return event
                return None

            def state_change(status: str, since: float) -> dict[str, Any] | None:
                for event in state_events:
                    data = event["data"]
                    new = data.get("new_state") or {}
                    if (
                        data.get("entity_id") == sensor
                        and new.get("attributes", {}).get("status") == status
                        and fired(event) >= since
                    ):
                        return event
                return None

            def image_after(since: float) -> float | None:
                for key, at in writes:
                    if key == 0 and at >= since:
                        return at
                return None

            async def sample_state(status: str, since: float) -> None:
                event = await wait_until(lambda: state_change(status, since))
                changed = fired(event)
                written = await wait_until(lambda: image_after(changed))
                await wait_until(lambda: surface.drawn[0].status == status)
                state_ms.append((written - changed) * 1000)

            for _ in range(presses):
                service_events.clear()
                state_events.clear()
                t0 = time.time()
                fake.tap(0)
                event = await wait_until(lambda t=t0: first_action_after(t))
                press_ms.append((fired(event) - t0) * 1000)
                await sample_state("running", t0)
                t1 = time.time()
                await watcher.call_service("stream_workflows", "cancel", {"workflow_id": WORKFLOW})
                await sample_state("cancelled", t1)
                writes.clear()
    finally:
        await bridge.stop()
        bus.close_all()
    result = {
        "press_to_action_p99_ms": round(p(press_ms, 99), 2),
        "press_to_action_p50_ms": round(p(press_ms, 50), 2),
        "state_to_key_p99_ms": round(p(state_ms, 99), 2),
        "state_to_key_p50_ms": round(p(state_ms, 50), 2),
        "press_to_action_max_ms": round(max(press_ms), 2),
        "state_to_key_max_ms": round(max(state_ms), 2),
        "presses": len(press_ms),
        "state_samples": len(state_ms),
        "mean_press_to_action_ms": round(statistics.fmean(press_ms), 2),
    }
    result["goal_met"] = all(result[name] < goal for name, goal in GOALS.items())
    return result


def main() -> int:
    logging.getLogger("StreamDeck").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument(
        "--real-integration",
        action="store_true",
        default=REAL_INTEGRATION,
        help="run the repository's integration in hass (default: the test stand-in, "
        "or BRIDGE_REAL_INTEGRATION=1)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deck-latency-") as tmp:
        hass = HassProcess(Path(tmp) / "config", real_integration=args.real_integration)
        try:
            hass.start()
            result = asyncio.run(measure(hass, max(1, args.presses)))
        finally:
            hass.stop()
    result["integration"] = "real" if args.real_integration else "stand-in"
    result["goals"] = GOALS
    if args.json:
        print(json.dumps(result))
    else:
        for name, value in result.items():
            print(f"{name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
