"""The Home Assistant side against a real `hass` process on 127.0.0.1 (one per module).

By default the process runs a stand-in for the Stream Workflows integration that implements the
bridge's contract; BRIDGE_REAL_INTEGRATION=1 runs the real integration (see hass_process.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from streamdeck_bridge.ha_client import (
    HomeAssistantAuthenticationError,
    HomeAssistantClient,
    HomeAssistantCommandError,
    HomeAssistantConnectionError,
)
from streamdeck_bridge.ha_link import LinkStatus

from .conftest import make_config, wait_for
from .fake_decks import FakeBus
from .hass_process import REAL_INTEGRATION, TEST_WORKFLOW_YAML, HassProcess, free_port

pytestmark = pytest.mark.usefixtures("socket_enabled")


def ws_url(ha_server: HassProcess) -> str:
    return f"ws://127.0.0.1:{ha_server.port}/api/websocket"


async def test_client_commands_and_errors(ha_server: HassProcess) -> None:
    async with HomeAssistantClient(ws_url(ha_server), ha_server.token) as client:
        assert client.connected
        assert client.ha_version
        entries = await client.entity_registry()
        ours = {e.unique_id: e.entity_id for e in entries if e.platform == "stream_workflows"}
        assert {"bridge_test_state", "bridge_test_running"} <= ours.keys()
        with pytest.raises(HomeAssistantCommandError) as err:
            await client.call_service("no_such_domain", "nothing")
        assert err.value.code
        # call_service results are checked: a bad argument is an error, not a silent success
        with pytest.raises(HomeAssistantCommandError):
            await client.call_service("stream_workflows", "run", {"no_such_field": 1})
    assert not client.connected


async def test_subscribe_entities_follows_diffs(ha_server: HassProcess) -> None:
    seen: list[dict[str, Any]] = []
    async with HomeAssistantClient(ws_url(ha_server), ha_server.token) as client:
        await client.subscribe_entities(["input_boolean.desk_lamp"], seen.append)
        await wait_for(lambda: seen, message="initial states")
        first = seen[0]["input_boolean.desk_lamp"]
        assert first is not None
        assert first.attributes["friendly_name"] == "Desk lamp"
        await client.call_service(
            "input_boolean", "toggle", target={"entity_id": "input_boolean.desk_lamp"}
        )
        await wait_for(lambda: len(seen) >= 2, message="a diff")
        second = seen[-1]["input_boolean.desk_lamp"]
        assert second is not None
        assert second.state != first.state
        assert second.attributes["friendly_name"] == "Desk lamp"  # kept across the diff


async def test_invalid_token(ha_server: HassProcess, bus: FakeBus, bridge_factory: Any) -> None:
    with pytest.raises(HomeAssistantAuthenticationError):
        async with HomeAssistantClient(ws_url(ha_server), "not-a-token"):
            pass
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    bridge = await bridge_factory(
        make_config(ha_server.url), token="not-a-token", enumerate_decks=bus.enumerate
    )
    await wait_for(lambda: bridge.link.status is LinkStatus.AUTH_FAILED, message="auth failed")
    surface = await wait_for(lambda: bridge.surfaces.get("V2-1"))
    await wait_for(lambda: surface.drawn.get(0) and surface.drawn[0].detail == "auth failed")
    fake.tap(1)
    await wait_for(lambda: surface.drawn[1].flash == "offline", message="press feedback")


async def test_unreachable() -> None:
    with pytest.raises(HomeAssistantConnectionError):
        async with HomeAssistantClient(f"ws://127.0.0.1:{free_port()}/api/websocket", "x"):
            pass


@pytest.mark.usefixtures("ha_server_reset")
async def test_press_runs_workflow_and_key_follows_state(
    ha_server: HassProcess, bus: FakeBus, bridge_factory: Any
) -> None:
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    dispatched: list[Any] = []
    async with HomeAssistantClient(ws_url(ha_server), ha_server.token) as watcher:
        await watcher.subscribe_events("call_service", lambda e: dispatched.append(e["data"]))
        bridge = await bridge_factory(
            make_config(ha_server.url), token=ha_server.token, enumerate_decks=bus.enumerate
        )
        await bridge.link.wait_online(30)
        surface = await wait_for(lambda: bridge.surfaces.get("V2-1"))
        await wait_for(
            lambda: surface.drawn.get(0)
            and surface.drawn[0].status in ("idle", "succeeded", "failed", "cancelled"),
            message="the workflow key shows a finished or idle workflow",
        )
        # A workflow whose entity does not exist shows as unavailable; the others still work.
        assert surface.drawn[2].status == "unavailable"
        assert surface.drawn[3].status in ("on", "off")

        before = fake.image_count(0)
        fake.tap(0)  # press = toggle: idle -> run
        await wait_for(
            lambda: any(
                e["domain"] == "input_boolean"
                and e["service_data"].get("entity_id")
                in ("input_boolean.bridge_action", ["input_boolean.bridge_action"])
                for e in dispatched
            )
            or any(e["domain"] == "input_boolean" and e["service"] == "toggle" for e in dispatched),
            message="the workflow's first action dispatched in Home Assistant",
        )
        assert any(e["domain"] == "stream_workflows" and e["service"] == "run" for e in dispatched)
        await wait_for(lambda: surface.drawn[0].status == "running", message="key shows running")
        assert surface.drawn[0].countdown is not None  # waiting: a countdown
        await wait_for(lambda: fake.image_count(0) > before, message="new image written")

        fake.tap(0)  # running -> pause
        await wait_for(lambda: surface.drawn[0].status == "paused", message="key shows paused")
        fake.key(0, True)  # long press -> cancel
        await wait_for(lambda: surface.drawn[0].status == "cancelled", message="cancelled")
        fake.key(0, False)


async def test_entity_toggle_and_action_keys(
    ha_server: HassProcess, bus: FakeBus, bridge_factory: Any
) -> None:
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    bridge = await bridge_factory(
        make_config(ha_server.url), token=ha_server.token, enumerate_decks=bus.enumerate
    )
    await bridge.link.wait_online(30)
    surface = await wait_for(lambda: bridge.surfaces.get("V2-1"))
    start = await wait_for(lambda: bridge.link.state("input_boolean.desk_lamp"))
    fake.tap(3)  # entity key: toggle
    await wait_for(
        lambda: (s := bridge.link.state("input_boolean.desk_lamp")) and s.state != start.state,
        message="entity toggled",
    )
    await wait_for(lambda: surface.drawn[3].status != start.state, message="entity key redrawn")
    fake.tap(5)  # action key: input_boolean.toggle
    await wait_for(
        lambda: (s := bridge.link.state("input_boolean.desk_lamp")) and s.state == start.state,
        message="toggled back by the action key",
    )


async def test_failed_call_gives_feedback(
    ha_server: HassProcess, bus: FakeBus, bridge_factory: Any
) -> None:
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    config = make_config(
        ha_server.url,
        pages=[{"name": "p", "keys": [{"action": "no_such.service"}]}],
    )
    bridge = await bridge_factory(config, token=ha_server.token, enumerate_decks=bus.enumerate)
    await bridge.link.wait_online(30)
    surface = await wait_for(lambda: bridge.surfaces.get("V2-1"))
    fake.tap(0)
    await wait_for(lambda: surface.drawn[0].flash == "failed", message="failure shown")
    await asyncio.sleep(0)


@pytest.mark.skipif(not REAL_INTEGRATION, reason="needs the real integration's reload service")
async def test_workflow_added_later_is_picked_up(
    ha_server: HassProcess, bus: FakeBus, bridge_factory: Any
) -> None:
    """A registry change (a workflow file added, then reloaded) re-resolves the keys."""
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    config = make_config(
        ha_server.url,
        pages=[{"name": "p", "keys": [{"workflow": "late_workflow", "press": "run"}]}],
    )
    bridge = await bridge_factory(config, token=ha_server.token, enumerate_decks=bus.enumerate)
    await bridge.link.wait_online(30)
    surface = await wait_for(lambda: bridge.surfaces.get("V2-1"))
    await wait_for(lambda: surface.drawn.get(0) and surface.drawn[0].status == "unavailable")
    (ha_server.config_dir / "stream_workflows" / "late_workflow.yaml").write_text(
        TEST_WORKFLOW_YAML.format(wid="late_workflow", name="Late workflow")
    )
    await ha_server.command(
        {"type": "call_service", "domain": "stream_workflows", "service": "reload"}
    )
    await wait_for(lambda: "late_workflow" in bridge.link.workflow_sensor, message="resolved")
    await wait_for(lambda: surface.drawn[0].status != "unavailable", message="key available")
    fake.tap(0)
    await wait_for(lambda: surface.drawn[0].status == "running", message="runs")
    await ha_server.command(
        {
            "type": "call_service",
            "domain": "stream_workflows",
            "service": "cancel",
            "service_data": {"workflow_id": "late_workflow"},
        }
    )
