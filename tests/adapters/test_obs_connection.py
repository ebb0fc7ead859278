"""ObsConnection against a real headless OBS: connecting, auth, state, events, errors."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from custom_components.stream_workflows.adapters.obs.connection import (
    ObsConnection,
    validate_obs,
)
from custom_components.stream_workflows.engine.errors import ActionError, NotConnectedError
from local_peers.obs_headless import SCENES, HeadlessObs, free_port

from .obs_fixture import connection_to

pytestmark = pytest.mark.usefixtures("socket_enabled")


class _Ctx:
    """The bits of ActionContext the OBS connection uses."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.workflow_id = "test"
        self.run_id = "run"
        self.step_id = "step"
        self.rehearsal = False

    def log(self, message: str) -> None:
        self.lines.append(message)


async def test_connects_and_knows_obs_state(obs_connection: ObsConnection) -> None:
    snapshot = obs_connection.snapshot()
    assert snapshot.connected
    assert snapshot.scene_name in SCENES
    assert snapshot.obs_version
    assert snapshot.obs_version.startswith(("29.", "3"))
    assert snapshot.error is None
    assert await obs_connection.current_scene() == snapshot.scene_name
    status = await obs_connection.status()
    assert status["scene_name"] == snapshot.scene_name
    assert status["streaming"] is False


async def test_validate_obs(obs_server: HeadlessObs) -> None:
    assert await validate_obs("127.0.0.1", obs_server.port, obs_server.password) is None
    assert await validate_obs("127.0.0.1", obs_server.port, "wrong") == "invalid_auth"
    assert await validate_obs("127.0.0.1", obs_server.port, "") == "invalid_auth"
    assert await validate_obs("127.0.0.1", free_port(), "x") == "cannot_connect"


async def test_wrong_password_is_invalid_auth_and_not_connected(
    obs_server: HeadlessObs, caplog: pytest.LogCaptureFixture
) -> None:
    states: list[bool] = []
    connection = connection_to(obs_server, password="wrong-secret", on_state=states.append)
    await connection.start()
    try:
        assert not connection.connected
        assert connection.last_error == "invalid_auth"
        with pytest.raises(NotConnectedError, match="refused the password"):
            await connection.perform("set_current_scene", {"scene_name": "Main"}, _Ctx())  # type: ignore[arg-type]
    finally:
        await connection.stop()
    assert states == []
    assert "wrong-secret" not in caplog.text
    assert "Traceback" not in caplog.text


async def test_nobody_listening_is_cannot_connect(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="obsws_python")
    connection = ObsConnection("127.0.0.1", free_port(), "x", reconnect_min=0.05)
    await connection.start()
    try:
        assert not connection.connected
        assert connection.last_error == "cannot_connect"
        with pytest.raises(NotConnectedError) as caught:
            await connection.perform("stop_streaming", {}, _Ctx())  # type: ignore[arg-type]
        assert caught.value.error_type == "not_connected"
        assert "not reachable" in str(caught.value)
    finally:
        await connection.stop()
    # obsws-python logs refused connections with a traceback: demoted, without it.
    assert not [r for r in caplog.records if r.exc_info]
    assert "password='x'" not in caplog.text


async def test_request_errors_are_readable(
    obs_connection: ObsConnection, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = _Ctx()
    with pytest.raises(ActionError) as caught:
        await obs_connection.perform("set_current_scene", {"scene_name": "Mian"}, ctx)  # type: ignore[arg-type]
    assert caught.value.error_type == "not_found"
    assert "OBS has no scene named 'Mian'; did you mean 'Main'?" in str(caught.value)
    assert "Starting Soon, Main, BRB, Raid Screen" in str(caught.value)

    with pytest.raises(ActionError, match="'Music' is not a text source") as caught:
        await obs_connection.perform("set_text", {"source_name": "Music", "text": "x"}, ctx)  # type: ignore[arg-type]
    assert caught.value.error_type == "wrong_type"

    with pytest.raises(ActionError, match="has no audio") as caught:
        await obs_connection.perform(
            "set_input_mute",
            {"input_name": "Title", "muted": True},
            ctx,  # type: ignore[arg-type]
        )
    with pytest.raises(ActionError, match="no input named 'Musik'; did you mean 'Music'"):
        await obs_connection.perform("toggle_input_mute", {"input_name": "Musik"}, ctx)  # type: ignore[arg-type]
    with pytest.raises(ActionError, match="scene 'Main' has no source named 'Logo'"):
        await obs_connection.perform(
            "set_source_visibility",
            {"scene_name": "Main", "source_name": "Logo", "visible": True},
            ctx,  # type: ignore[arg-type]
        )
    with pytest.raises(ActionError, match="no hotkey named 'OBSBasic.Screenshoot'"):
        await obs_connection.perform(
            "trigger_hotkey",
            {"hotkey_name": "OBSBasic.Screenshoot"},
            ctx,  # type: ignore[arg-type]
        )
    with pytest.raises(ActionError, match="not recording"):
        await obs_connection.perform("pause_recording", {}, ctx)  # type: ignore[arg-type]
    # Still connected and working after errors; nothing logged a traceback.
    assert obs_connection.connected
    await obs_connection.perform("set_current_scene", {"scene_name": "Main"}, ctx)  # type: ignore[arg-type]
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]


async def test_stop_leaves_no_threads(obs_server: HeadlessObs) -> None:
    before = set(threading.enumerate())
    connection = connection_to(obs_server)
    await connection.start()
    assert connection.connected
    ours = [t for t in threading.enumerate() if t not in before]
    assert {t.name.split("_")[0] for t in ours} == {"stream"}
    await connection.stop()
    assert not connection.snapshot().connected
    assert [t for t in threading.enumerate() if t not in before] == []
    # stop() twice, and start() again, are fine.
    await connection.stop()
    await connection.start()
    assert connection.connected
    await connection.stop()


async def test_stop_while_connecting_leaves_no_threads(obs_server: HeadlessObs) -> None:
    before = set(threading.enumerate())
    for _ in range(3):
        connection = connection_to(obs_server)
        starting = asyncio.get_running_loop().create_task(connection.start())
        await asyncio.sleep(0)  # the first attempt is under way on the worker thread
        await connection.stop()
        await starting
        assert not connection.snapshot().connected
    assert [t for t in threading.enumerate() if t not in before] == []


async def test_events_and_snapshot_follow_obs(obs_connection: ObsConnection) -> None:
    events: asyncio.Queue[tuple[str, dict[str, object]]] = asyncio.Queue()
    obs_connection.on_event = lambda name, data: events.put_nowait((name, data))
    ctx = _Ctx()
    target = "BRB" if obs_connection.snapshot().scene_name != "BRB" else "Main"
    await obs_connection.perform("set_current_scene", {"scene_name": target}, ctx)  # type: ignore[arg-type]
    name, data = await asyncio.wait_for(events.get(), 10)
    assert (name, data) == ("scene_changed", {"scene_name": target})
    assert obs_connection.snapshot().scene_name == target

    result = await obs_connection.perform("toggle_input_mute", {"input_name": "Music"}, ctx)  # type: ignore[arg-type]
    name, data = await asyncio.wait_for(events.get(), 10)
    assert name == "input_mute_changed"
    assert data == {"input_name": "Music", "muted": result["muted"]}
    await obs_connection.perform(
        "set_input_mute",
        {"input_name": "Music", "muted": False},
        ctx,  # type: ignore[arg-type]
    )
