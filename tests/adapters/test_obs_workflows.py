"""Workflows driving a real headless OBS through the engine (WorkflowEngine + ObsAdapter)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.adapters.internal import InternalAdapter
from custom_components.stream_workflows.adapters.obs import ACTIONS, ObsAdapter
from custom_components.stream_workflows.adapters.obs.connection import ObsConnection
from custom_components.stream_workflows.engine import (
    AdapterRegistry,
    Run,
    RunStatus,
    WorkflowDefinition,
    WorkflowEngine,
    load_definition,
)
from local_peers.obs_headless import HeadlessObs

from .obs_fixture import ObsEventWatcher, connection_to

pytestmark = pytest.mark.usefixtures("socket_enabled")


def build(document: Mapping[str, Any], registry: AdapterRegistry) -> WorkflowDefinition:
    definition, problems = load_definition(dict(document), registry)
    assert definition is not None, "\n".join(p.format() for p in problems)
    return definition


def sequence(workflow_id: str, *steps: dict[str, Any]) -> dict[str, Any]:
    return {"id": workflow_id, "name": workflow_id, "steps": list(steps)}


def obs(step_id: str, action: str, **params: Any) -> dict[str, Any]:
    return {"id": step_id, "service": "obs", "action": action, "params": params}


def wait(step_id: str, seconds: float) -> dict[str, Any]:
    return {"id": step_id, "service": "internal", "action": "wait", "params": {"seconds": seconds}}


class Harness:
    """An engine whose registry holds InternalAdapter and ObsAdapter(connection)."""

    def __init__(self, connection: ObsConnection) -> None:
        self.connection = connection
        self.registry = AdapterRegistry([InternalAdapter(), ObsAdapter(connection)])
        self.engine = WorkflowEngine(self.registry)

    async def run(self, document: Mapping[str, Any], **variables: Any) -> Run:
        run = self.engine.start(build(document, self.registry), variables)
        await asyncio.wait_for(run.wait(), 120)
        return run

    def start(self, document: Mapping[str, Any]) -> Run:
        return self.engine.start(build(document, self.registry), {})


@pytest.fixture
async def harness(obs_connection: ObsConnection) -> AsyncIterator[Harness]:
    harness = Harness(obs_connection)
    yield harness
    await harness.engine.cancel_all()


@pytest.fixture
async def watcher(obs_server: HeadlessObs) -> AsyncIterator[ObsEventWatcher]:
    watcher = ObsEventWatcher(obs_server)
    yield watcher
    await asyncio.get_running_loop().run_in_executor(None, watcher.close)


def failure(run: Run) -> str:
    return f"{run.status}: {run.error}\n" + "\n".join(str(e) for e in run.history.as_dicts())


async def scenes_until(watcher: ObsEventWatcher, last: str) -> list[str]:
    """The scenes OBS reports switching to, up to `last` (bounded wait)."""
    seen: list[str] = []
    while not seen or seen[-1] != last:
        seen.append(await asyncio.wait_for(watcher.scenes.get(), 15))
    return seen


async def test_workflow_switches_scenes_confirmed_by_obs(
    harness: Harness, watcher: ObsEventWatcher
) -> None:
    run = await harness.run(
        sequence(
            "scenes",
            obs("soon", "set_current_scene", scene_name="Starting Soon"),
            wait("countdown", 0.3),
            obs("main", "set_current_scene", scene_name="Main"),
            wait("talk", 0.3),
            obs("raid", "set_current_scene", scene_name="${next_scene}"),
        ),
        next_scene="Raid Screen",
    )
    assert run.status is RunStatus.SUCCEEDED, failure(run)
    assert run.results["raid"] == {"scene_name": "Raid Screen"}
    # The switch is done when the action succeeds: OBS answers once the scene is on program.
    assert await harness.connection.current_scene() == "Raid Screen"
    # OBS itself (through a separate obsws EventClient) reports the switches, in order. (OBS
    # reports the program scene from its UI thread: switches closer together than a frame or
    # two are reported once, as the last scene; hence the waits above and the subsequence.)
    seen = await scenes_until(watcher, "Raid Screen")
    expected = ["Starting Soon", "Main", "Raid Screen"]
    assert [scene for scene in expected if scene in seen] == seen


async def test_recording_workflow_leaves_the_file_on_disk(
    harness: Harness, watcher: ObsEventWatcher, obs_server: HeadlessObs
) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    harness.connection.on_event = lambda name, data: events.append((name, data))
    run = await harness.run(
        sequence(
            "record",
            obs("rec", "start_recording"),
            wait("rolling", 1.0),
            obs("pause", "pause_recording"),
            obs("pause_again", "pause_recording"),
            wait("break", 0.5),
            obs("resume", "resume_recording"),
            obs("resume_again", "resume_recording"),
            wait("more", 0.5),
            obs("stop", "stop_recording"),
            obs("stop_again", "stop_recording"),
        )
    )
    assert run.status is RunStatus.SUCCEEDED, failure(run)
    path = Path(run.results["stop"]["path"])
    assert path.parent == obs_server.recordings
    assert path.is_file()
    assert path.stat().st_size > 0
    assert run.results["rec"]["recording"] is True
    assert run.results["rec"]["was_recording"] is False
    assert run.results["stop"]["was_recording"] is True
    assert run.results["stop_again"] == {"path": None, "was_recording": False}
    # OBS's own events agree on the file.
    states: dict[str, Any] = {}
    while "OBS_WEBSOCKET_OUTPUT_STOPPED" not in states:
        record = await asyncio.wait_for(watcher.records.get(), 15)
        states[str(record["state"])] = record["path"]
    assert states["OBS_WEBSOCKET_OUTPUT_STOPPED"] == str(path)
    names = [name for name, _ in events]
    assert names.index("recording_started") < names.index("recording_paused")
    assert names.index("recording_resumed") < names.index("recording_stopped")
    assert ("recording_stopped", {"path": str(path)}) in events
    assert harness.connection.snapshot().recording is False
    assert harness.connection.snapshot().last_recording == str(path)


async def test_streaming_start_and_stop_against_local_rtmp(
    harness: Harness, rtmp_server: str
) -> None:
    events: list[str] = []
    harness.connection.on_event = lambda name, _data: events.append(name)
    run = await harness.run(
        sequence(
            "stream",
            obs("live", "start_streaming"),
            obs("live_again", "start_streaming"),
            obs("status", "get_stream_status"),
            obs("off", "toggle_streaming"),
            obs("on", "toggle_streaming"),
            obs("end", "stop_streaming"),
            obs("end_again", "stop_streaming"),
        )
    )
    assert run.status is RunStatus.SUCCEEDED, failure(run)
    assert run.results["live"] == {"streaming": True, "was_streaming": False}
    assert run.results["live_again"] == {"streaming": True, "was_streaming": True}
    assert run.results["status"]["streaming"] is True
    assert run.results["off"] == {"streaming": False}
    assert run.results["on"] == {"streaming": True}
    assert run.results["end"] == {"stopped": True, "was_streaming": True}
    assert run.results["end_again"] == {"stopped": True, "was_streaming": False}
    assert events.count("stream_started") == 2
    assert events.count("stream_stopped") == 2
    assert harness.connection.snapshot().streaming is False


async def test_stream_that_cannot_reach_its_server_fails(
    private_obs: HeadlessObs,
) -> None:
    # private_obs streams to rtmp://127.0.0.1:1935/live, where nobody listens.
    connection = connection_to(private_obs)
    await connection.start()
    harness = Harness(connection)
    try:
        run = await harness.run(
            {
                "id": "doomed",
                "name": "doomed",
                "initial_state": "live",
                "states": [
                    {
                        "name": "live",
                        "action": {"service": "obs", "action": "start_streaming"},
                        "transitions": {"success": "done", "error": "fallback"},
                    },
                    {
                        "name": "fallback",
                        "action": {
                            "service": "obs",
                            "action": "set_current_scene",
                            "params": {"scene_name": "BRB"},
                        },
                    },
                    {"name": "done"},
                ],
            }
        )
    finally:
        await harness.engine.cancel_all()
        await connection.stop()
    assert run.status is RunStatus.SUCCEEDED, failure(run)
    assert run.path == ["live", "fallback"]
    failed = [e for e in run.history.as_dicts() if e.get("event") == "action_failed"]
    assert failed, failure(run)
    assert "could not start the stream" in str(failed[0])


async def test_every_catalog_action_through_the_engine(
    harness: Harness, rtmp_server: str, obs_server: HeadlessObs
) -> None:
    steps = [
        obs("scene", "set_current_scene", scene_name="Main"),
        obs("text", "set_text", source_name="Title", text="Raiding ${target}!"),
        obs("hide", "set_source_visibility", scene_name="Main", source_name="Title", visible=False),
        obs("hotkey", "trigger_hotkey", hotkey_name="libobs.show_scene_item.Title"),
        obs("mute", "set_input_mute", input_name="Music", muted=True),
        obs("unmute", "toggle_input_mute", input_name="Music"),
        obs("rec", "start_recording"),
        obs("pause", "pause_recording"),
        wait("paused", 0.5),
        obs("resume", "resume_recording"),
        wait("resumed", 0.5),
        obs("rec_stop", "stop_recording"),
        obs("rb", "start_replay_buffer"),
        wait("fill", 1.5),
        obs("clip", "save_replay_buffer", filename="clip_${date}_${time}.mp4"),
        obs("rb_stop", "stop_replay_buffer"),
        obs("live", "start_streaming"),
        obs("status", "get_stream_status"),
        obs("toggle_off", "toggle_streaming"),
        obs("toggle_on", "toggle_streaming"),
        obs("end", "stop_streaming"),
        obs("brb", "set_current_scene", scene_name="BRB"),
    ]
    assert {step["action"] for step in steps if step["service"] == "obs"} == set(ACTIONS)
    run = await harness.run(sequence("everything", *steps), target="a_friend")
    assert run.status is RunStatus.SUCCEEDED, failure(run)
    results = run.results
    conn = harness.connection

    settings = await conn.request("GetInputSettings", {"inputName": "Title"})
    assert settings["inputSettings"]["text"] == "Raiding a_friend!"
    assert results["text"] == {"source_name": "Title", "text": "Raiding a_friend!"}
    assert results["hide"]["visible"] is False
    item = await conn.request("GetSceneItemId", {"sceneName": "Main", "sourceName": "Title"})
    enabled = await conn.request(
        "GetSceneItemEnabled", {"sceneName": "Main", "sceneItemId": item["sceneItemId"]}
    )
    assert enabled["sceneItemEnabled"] is True  # hidden by `hide`, shown by the hotkey
    assert results["mute"] == {"input_name": "Music", "muted": True}
    assert results["unmute"] == {"input_name": "Music", "muted": False}
    assert (await conn.request("GetInputMute", {"inputName": "Music"}))["inputMuted"] is False
    assert results["pause"] == {"paused": True}
    assert results["resume"] == {"paused": False}
    assert Path(results["rec_stop"]["path"]).is_file()
    clip = Path(results["clip"]["path"])
    assert clip.is_file()
    assert clip.parent == obs_server.recordings
    assert clip.name.startswith("clip_")
    assert clip.suffix == ".mkv"  # OBS recorded mkv: the container's extension is kept
    assert not Path(results["clip"]["original_path"]).exists()
    logs = [e for e in run.history.as_dicts() if e.get("event") == "log"]
    assert any("kept the '.mkv' extension" in str(e) for e in logs), logs
    assert results["rb"] == {"active": True, "was_active": False}
    assert results["rb_stop"] == {"active": False, "was_active": True}
    assert results["status"]["streaming"] is True
    assert results["status"]["scene_name"] == "Main"
    assert results["toggle_off"] == {"streaming": False}
    assert results["toggle_on"] == {"streaming": True}
    assert results["end"]["was_streaming"] is True
    assert await conn.current_scene() == "BRB"
    snapshot = conn.snapshot()
    assert (snapshot.streaming, snapshot.recording, snapshot.replay_buffer_active) == (
        False,
        False,
        False,
    )
    assert snapshot.last_replay == results["clip"]["original_path"]


async def test_save_replay_buffer_when_it_is_off_says_so(harness: Harness) -> None:
    run = await harness.run(sequence("clip", obs("clip", "save_replay_buffer")))
    assert run.status is RunStatus.FAILED
    assert run.error is not None
    assert run.error.type == "replay_buffer_off"
    assert "start it first" in run.error.message


def _route_on_failure(second_timeout: float) -> dict[str, Any]:
    """main -> (wait for the test's go) -> brb; brb's error/timeout routes to recover."""
    return {
        "id": "failover",
        "name": "failover",
        "initial_state": "main",
        "states": [
            {
                "name": "main",
                "action": {
                    "service": "obs",
                    "action": "set_current_scene",
                    "params": {"scene_name": "Main"},
                },
                "transitions": {"success": "hold"},
            },
            {
                "name": "hold",
                "action": {
                    "service": "internal",
                    "action": "wait_for_event",
                    "params": {"event": "go", "timeout": 60},
                },
                "transitions": {"success": "brb"},
            },
            {
                "name": "brb",
                "action": {
                    "service": "obs",
                    "action": "set_current_scene",
                    "params": {"scene_name": "BRB"},
                    "timeout": second_timeout,
                },
                "transitions": {"success": "done", "error": "recover"},
            },
            {
                "name": "recover",
                "action": {
                    "service": "internal",
                    "action": "set_variables",
                    "params": {"recovered_from": "${error.type}"},
                },
            },
            {"name": "done"},
        ],
    }


async def _wait_for_state(run: Run, state: str) -> None:
    for _ in range(600):
        if state in run.current:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"run never reached {state}: {run.path}")


async def test_obs_killed_mid_run_routes_to_error_then_reconnects(
    private_obs: HeadlessObs,
) -> None:
    states: list[bool] = []
    connection = connection_to(private_obs, on_state=states.append)
    await connection.start()
    assert connection.connected
    harness = Harness(connection)
    try:
        run = harness.start(_route_on_failure(second_timeout=5))
        await _wait_for_state(run, "hold")
        private_obs.kill()  # a crash, mid-run
        harness.engine.events.fire("go", {})
        await asyncio.wait_for(run.wait(), 30)
        assert run.status is RunStatus.SUCCEEDED, failure(run)
        assert run.path == ["main", "hold", "brb", "recover"]
        assert run.variables["recovered_from"] in ("not_connected", "timeout")
        assert states[:2] == [True, False]
        assert not connection.snapshot().connected

        # OBS comes back: the same connection reconnects by itself; nothing is restarted.
        # (Started from this thread: OBS is tied to the thread that starts it, see
        # obs_headless._die_with_parent; blocking the loop for it is fine here.)
        private_obs.start()
        assert await connection.wait_connected(within=60), connection.last_error
        assert states[-1] is True
        run = await harness.run(
            sequence("again", obs("brb", "set_current_scene", scene_name="BRB"))
        )
        assert run.status is RunStatus.SUCCEEDED, failure(run)
        assert await connection.current_scene() == "BRB"
    finally:
        await harness.engine.cancel_all()
        await connection.stop()


async def test_hung_obs_times_out_routes_to_error_and_late_answer_is_skipped(
    private_obs: HeadlessObs,
) -> None:
    connection = connection_to(private_obs, request_timeout=1.0)
    await connection.start()
    assert connection.connected
    harness = Harness(connection)
    assert private_obs.process is not None
    pid = private_obs.process.pid
    try:
        run = harness.start(_route_on_failure(second_timeout=0.5))
        await _wait_for_state(run, "hold")
        os.kill(pid, signal.SIGSTOP)  # OBS hangs: the socket stays open, nothing answers
        try:
            harness.engine.events.fire("go", {})
            await asyncio.wait_for(run.wait(), 30)
            assert run.status is RunStatus.SUCCEEDED, failure(run)
            assert run.path == ["main", "hold", "brb", "recover"]
            assert run.variables["recovered_from"] == "timeout"
            # Our worker gives up on the request too (request_timeout), without OBS's answer.
            with pytest.raises(Exception, match="did not answer"):
                await connection.request("GetVersion")
        finally:
            os.kill(pid, signal.SIGCONT)
        # OBS now answers the abandoned requests (SetCurrentProgramScene, GetVersion) late;
        # those answers are skipped, not taken for the answers to the next requests. (OBS may
        # carry out the late switch to BRB before or after the next request.)
        assert await connection.current_scene() in ("BRB", "Main")
        scene = await connection.perform("set_current_scene", {"scene_name": "Main"}, None)  # type: ignore[arg-type]
        assert scene == {"scene_name": "Main"}
        assert await connection.current_scene() == "Main"
        version = await connection.request("GetVersion")
        assert "obsVersion" in version
        assert connection.connected
    finally:
        await harness.engine.cancel_all()
        await connection.stop()
