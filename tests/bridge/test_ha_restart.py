"""A Home Assistant restart in the middle of a session (its own `hass` process)."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import pytest

from streamdeck_bridge.ha_link import LinkStatus

from .conftest import make_config, wait_for
from .fake_decks import FakeBus
from .hass_process import HassProcess

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def test_restart_mid_session(
    ha_server: HassProcess, bus: FakeBus, bridge_factory: Any
) -> None:
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    actions: list[Any] = []
    bridge = await bridge_factory(
        make_config(ha_server.url),
        token=ha_server.token,
        enumerate_decks=bus.enumerate,
        on_action=lambda *a: actions.append(a),
    )
    link = bridge.link
    await link.wait_online(30)
    surface = await wait_for(lambda: bridge.surfaces.get("V2-1"))
    fake.tap(1)  # bridge_other: press = run
    await wait_for(lambda: surface.drawn[1].status == "running", message="running before restart")

    await asyncio.to_thread(ha_server.stop)
    await wait_for(lambda: link.status is LinkStatus.OFFLINE, message="link offline")
    await wait_for(lambda: all(surface.drawn[i].offline for i in (0, 1, 3)), message="keys offline")
    count = len(actions)
    fake.tap(1)
    await wait_for(lambda: surface.drawn[1].flash == "offline", message="offline feedback")
    assert len(actions) == count  # not queued

    await asyncio.to_thread(ha_server.start)
    await wait_for(lambda: link.online and link.connections == 2, within=60, message="reconnect")
    await wait_for(lambda: not surface.drawn[1].offline, message="keys back online")

    # Full resynchronisation: what the bridge holds is what Home Assistant now reports.
    sensor = link.workflow_sensor["bridge_other"]  # found in the entity registry
    states = {s["entity_id"]: s for s in await ha_server.command({"type": "get_states"})}
    for entity_id in (sensor, "input_boolean.desk_lamp"):
        held = await wait_for(
            lambda e=entity_id: link.state(e),  # type: ignore[misc]
            message=entity_id,
        )
        assert held.state == states[entity_id]["state"]
        assert held.attributes.get("status") == states[entity_id]["attributes"].get("status")
    assert surface.drawn[1].status == (
        states[sensor]["attributes"].get("status") or states[sensor]["state"]
    )
    # And the keys work again.
    fake.tap(0)
    await wait_for(lambda: len(actions) > count, message="a press dispatched after restart")
    await wait_for(lambda: surface.drawn[0].status == "running", message="running after restart")
    await ha_server.command(
        {
            "type": "call_service",
            "domain": "stream_workflows",
            "service": "cancel",
            "service_data": {"workflow_id": "bridge_test"},
        }
    )


async def test_heartbeat_notices_a_frozen_home_assistant(
    ha_server: HassProcess, bus: FakeBus, bridge_factory: Any
) -> None:
    """SIGSTOP freezes hass with its sockets open: only the heartbeat can tell."""
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    config = make_config(ha_server.url, home_assistant={"url": ha_server.url, "heartbeat": 0.3})
    bridge = await bridge_factory(config, token=ha_server.token, enumerate_decks=bus.enumerate)
    link = bridge.link
    await link.wait_online(30)
    surface = await wait_for(lambda: bridge.surfaces.get("V2-1"))
    await wait_for(lambda: link.client is not None and link.client.pongs >= 2, message="pongs")
    assert link.connections == 1
    assert ha_server.proc is not None
    ha_server.proc.send_signal(signal.SIGSTOP)
    try:
        await wait_for(lambda: link.status is LinkStatus.OFFLINE, message="heartbeat timeout")
        await wait_for(lambda: surface.drawn[0].offline, message="keys show it")
        fake.tap(1)
        await wait_for(lambda: surface.drawn[1].flash == "offline", message="press feedback")
    finally:
        ha_server.proc.send_signal(signal.SIGCONT)
    await wait_for(lambda: link.online and link.connections == 2, within=60, message="back")
    await wait_for(lambda: not surface.drawn[0].offline, message="keys back")
