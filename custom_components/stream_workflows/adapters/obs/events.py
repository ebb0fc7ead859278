"""OBS's events, mapped to the stream events and state the integration shows.

`map_event` is pure: from the last snapshot and one obs-websocket event it gives the next
snapshot and the stream event to pass on (`scene_changed`, `stream_started`...), if any.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"
PAUSED = "OBS_WEBSOCKET_OUTPUT_PAUSED"
RESUMED = "OBS_WEBSOCKET_OUTPUT_RESUMED"
RECONNECTING = "OBS_WEBSOCKET_OUTPUT_RECONNECTING"
RECONNECTED = "OBS_WEBSOCKET_OUTPUT_RECONNECTED"

# The OBS events we act on; others are dropped on the event thread, never waking the loop.
WATCHED_EVENTS = frozenset(
    {
        "CurrentProgramSceneChanged",
        "StreamStateChanged",
        "RecordStateChanged",
        "ReplayBufferStateChanged",
        "ReplayBufferSaved",
        "InputMuteStateChanged",
        "SceneItemEnableStateChanged",
        "ExitStarted",
    }
)

_STREAM_EVENTS = {
    STARTED: "stream_started",
    STOPPED: "stream_stopped",
    RECONNECTING: "stream_reconnecting",
    RECONNECTED: "stream_reconnected",
}
_RECORD_EVENTS = {
    STARTED: "recording_started",
    STOPPED: "recording_stopped",
    PAUSED: "recording_paused",
    RESUMED: "recording_resumed",
}
_REPLAY_EVENTS = {STARTED: "replay_buffer_started", STOPPED: "replay_buffer_stopped"}


@dataclass(frozen=True, slots=True)
class ObsSnapshot:
    """The last known state of OBS, kept up to date by its events (for entities)."""

    connected: bool = False
    scene_name: str | None = None
    streaming: bool = False
    stream_reconnecting: bool = False
    recording: bool = False
    recording_paused: bool = False
    replay_buffer_active: bool = False
    last_recording: str | None = None
    last_replay: str | None = None
    obs_version: str | None = None
    websocket_version: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


type StreamEvent = tuple[str, dict[str, Any]] | None


def map_event(
    state: ObsSnapshot, event: str, data: dict[str, Any]
) -> tuple[ObsSnapshot, StreamEvent]:
    """The snapshot after OBS event `event`, and the stream event it means (or None)."""
    output = str(data.get("outputState"))
    if event == "CurrentProgramSceneChanged":
        scene = data.get("sceneName")
        if scene == state.scene_name:  # OBS 29 reports one switch twice
            return state, None
        return replace(state, scene_name=scene), ("scene_changed", {"scene_name": scene})
    if event == "StreamStateChanged":
        state = replace(
            state,
            streaming=bool(data.get("outputActive")),
            stream_reconnecting=output == RECONNECTING,
        )
        return state, _named(_STREAM_EVENTS.get(output), {})
    if event == "RecordStateChanged":
        name = _RECORD_EVENTS.get(output)
        path = data.get("outputPath")
        payload = {"path": path} if output in (STARTED, STOPPED) else {}
        state = replace(
            state,
            recording=bool(data.get("outputActive")),
            recording_paused=output == PAUSED,
            last_recording=path if output == STOPPED and path else state.last_recording,
        )
        return state, _named(name, payload)
    if event == "ReplayBufferStateChanged":
        state = replace(state, replay_buffer_active=bool(data.get("outputActive")))
        return state, _named(_REPLAY_EVENTS.get(output), {})
    if event == "ReplayBufferSaved":
        path = data.get("savedReplayPath")
        return replace(state, last_replay=path), ("replay_buffer_saved", {"path": path})
    if event == "InputMuteStateChanged":
        payload = {"input_name": data.get("inputName"), "muted": data.get("inputMuted")}
        return state, ("input_mute_changed", payload)
    if event == "SceneItemEnableStateChanged":
        payload = {
            "scene_name": data.get("sceneName"),
            "item_id": data.get("sceneItemId"),
            "visible": data.get("sceneItemEnabled"),
        }
        return state, ("source_visibility_changed", payload)
    if event == "ExitStarted":
        return state, ("obs_exiting", {})
    return state, None


def _named(name: str | None, payload: dict[str, Any]) -> StreamEvent:
    return None if name is None else (name, payload)


class Waiter:
    """A future for the first OBS event of a type whose data matches."""

    __slots__ = ("event", "future", "match")

    def __init__(
        self, event: str, match: Callable[[dict[str, Any]], bool], future: asyncio.Future[Any]
    ) -> None:
        self.event = event
        self.match = match
        self.future = future


def output_state(*states: str) -> Callable[[dict[str, Any]], bool]:
    """Matches an output event whose `outputState` is one of `states`."""
    wanted = frozenset(states)
    return lambda data: data.get("outputState") in wanted
