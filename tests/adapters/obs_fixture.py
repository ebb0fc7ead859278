"""Pytest fixtures for a real, headless OBS Studio (and a local RTMP server).

Import them in a test module (`from .obs_fixture import *` style, by name) or through
`tests/adapters/conftest.py`. Everything skips, with the reason shown, when `obs` or `Xvfb`
(or, for streaming, nginx with its RTMP module) is not installed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_socket  # type: ignore[import-untyped]

from custom_components.stream_workflows.adapters.obs.connection import ObsConnection
from local_peers.obs_headless import HeadlessObs, RtmpServer, missing_rtmp_tools, missing_tools

INSTALL_HINT = (
    "apt-get install -y --no-install-recommends obs-studio xvfb libgl1-mesa-dri xauth "
    "nginx libnginx-mod-rtmp"
)


def require_obs() -> None:
    """Skip the test, saying why, when OBS cannot run headless here."""
    missing = missing_tools()
    if missing:
        pytest.skip(f"real OBS tests need {' and '.join(missing)} ({INSTALL_HINT})")


def require_rtmp() -> None:
    missing = missing_rtmp_tools()
    if missing:
        pytest.skip(f"streaming tests need {' and '.join(missing)} ({INSTALL_HINT})")


@pytest.fixture(scope="session")
def rtmp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """A local RTMP server's URL, or None when nginx-rtmp is not installed."""
    if missing_tools() or missing_rtmp_tools():
        yield None
        return
    pytest_socket.enable_socket()  # session set-up runs under the first test's socket guard
    server = RtmpServer(tmp_path_factory.mktemp("rtmp"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def obs_server(
    tmp_path_factory: pytest.TempPathFactory, rtmp_url: str | None
) -> Iterator[HeadlessObs]:
    """One headless OBS shared by the session (tests leave it as they found it)."""
    require_obs()
    pytest_socket.enable_socket()
    obs = HeadlessObs(
        tmp_path_factory.mktemp("obs"), stream_server=rtmp_url or "rtmp://127.0.0.1:9/live"
    )
    obs.start()
    try:
        yield obs
    finally:
        obs.stop()


@pytest.fixture
def rtmp_server(rtmp_url: str | None) -> str:
    require_rtmp()
    assert rtmp_url is not None
    return rtmp_url


@pytest.fixture
def private_obs(tmp_path: Path, socket_enabled: None) -> Iterator[HeadlessObs]:
    """A headless OBS of the test's own (to kill and restart)."""
    require_obs()
    obs = HeadlessObs(tmp_path / "obs")
    obs.start()
    try:
        yield obs
    finally:
        obs.stop()


def connection_to(obs: HeadlessObs, password: str | None = None, **kwargs: object) -> ObsConnection:
    """An ObsConnection to `obs` (not started) that retries quickly."""
    options: dict[str, object] = {"reconnect_min": 0.1, "reconnect_max": 1.0, **kwargs}
    return ObsConnection(
        "127.0.0.1",
        obs.port,
        obs.password if password is None else password,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
async def obs_connection(
    obs_server: HeadlessObs, socket_enabled: None
) -> AsyncIterator[ObsConnection]:
    """A started ObsConnection to the shared OBS, stopped after the test."""
    connection = connection_to(obs_server)
    await connection.start()
    try:
        assert connection.connected, (
            f"cannot connect to OBS: {connection.last_error}\n{obs_server.log_tail()}"
        )
        yield connection
    finally:
        await connection.stop()


# -- helpers for tests -----------------------------------------------------------------------


class ObsEventWatcher:
    """A separate obsws-python EventClient (not our code) recording OBS's own events."""

    def __init__(self, obs: HeadlessObs) -> None:
        import asyncio

        import obsws_python

        self._loop = asyncio.get_running_loop()
        self.scenes: asyncio.Queue[str] = asyncio.Queue()
        self.records: asyncio.Queue[dict[str, object]] = asyncio.Queue()

        def on_current_program_scene_changed(data: object) -> None:
            self._loop.call_soon_threadsafe(self.scenes.put_nowait, data.scene_name)  # type: ignore[attr-defined]

        def on_record_state_changed(data: object) -> None:
            state = {"state": data.output_state, "path": data.output_path}  # type: ignore[attr-defined]
            self._loop.call_soon_threadsafe(self.records.put_nowait, state)

        self.client = obsws_python.EventClient(
            host="127.0.0.1", port=obs.port, password=obs.password, timeout=5
        )
        self.client.callback.register([on_current_program_scene_changed, on_record_state_changed])

    def close(self) -> None:
        ws = self.client.base_client.ws
        ws.abort()
        self.client.worker.join(5)
        ws.shutdown()
