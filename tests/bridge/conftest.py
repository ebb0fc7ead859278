"""Fixtures for the Stream Deck bridge tests."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from streamdeck_bridge.app import Bridge
from streamdeck_bridge.config import BridgeConfig, validate

from .fake_decks import FakeBus
from .hass_process import HassProcess

pytestmark = pytest.mark.usefixtures("socket_enabled")

# The dummy transport logs every HID write (hex dumps) at INFO: keep test output readable.
logging.getLogger("StreamDeck").setLevel(logging.WARNING)


async def wait_for(
    condition: Callable[[], Any], within: float = 15.0, message: str = "condition"
) -> Any:
    """Bounded polling (no timed assertions): wait until `condition()` is truthy."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.01)


@pytest.fixture
def bus() -> Iterator[FakeBus]:
    fake_bus = FakeBus()
    yield fake_bus
    fake_bus.close_all()


def make_config(url: str = "http://127.0.0.1:9", **extra: Any) -> BridgeConfig:
    raw: dict[str, Any] = {
        "home_assistant": {"url": url, "heartbeat": 5},
        "hold_time": 0.3,
        "pages": [
            {
                "name": "main",
                "keys": [
                    {"workflow": "bridge_test", "long_press": "cancel"},
                    {"workflow": "bridge_other", "press": "run", "long_press": "none"},
                    {"workflow": "not_loaded", "press": "run", "long_press": "none"},
                    {"entity": "input_boolean.desk_lamp"},
                    {"page": "lights", "label": "Lights"},
                    {
                        "action": "input_boolean.toggle",
                        "target": {"entity_id": "input_boolean.desk_lamp"},
                    },
                ],
                "dials": [{"entity": "input_boolean.desk_lamp"}],
            },
            {"name": "lights", "keys": [{"back": True}, {"entity": "input_boolean.desk_lamp"}]},
        ],
    }
    raw.update(extra)
    return validate(raw)


@pytest.fixture
async def bridge_factory() -> AsyncIterator[Callable[..., Any]]:
    """Build bridges that are always stopped (decks blanked and closed) at teardown."""
    made: list[Bridge] = []

    async def make(config: BridgeConfig, token: str = "x", **kwargs: Any) -> Bridge:
        kwargs.setdefault("poll_interval", 0.05)
        kwargs.setdefault("backoff", (0.05, 0.1, 0.2))
        bridge = Bridge(config, token=lambda: token, **kwargs)
        made.append(bridge)
        await bridge.start()
        return bridge

    yield make
    for bridge in made:
        await bridge.stop()


@pytest.fixture(scope="module")
def ha_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HassProcess]:
    """One real `hass` process per test module."""
    import pytest_socket  # type: ignore[import-untyped]

    pytest_socket.enable_socket()
    proc = HassProcess(tmp_path_factory.mktemp("hass") / "config")
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def ha_server_reset(ha_server: HassProcess) -> AsyncIterator[HassProcess]:
    """Cancel the test workflows' runs before and after a test."""

    async def cancel_all() -> None:
        for wid in ("bridge_test", "bridge_other"):
            try:
                await ha_server.command(
                    {
                        "type": "call_service",
                        "domain": "stream_workflows",
                        "service": "cancel",
                        "service_data": {"workflow_id": wid},
                    }
                )
            except Exception:
                continue

    await cancel_all()
    yield ha_server
    await cancel_all()


def tmp_yaml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
