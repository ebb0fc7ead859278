"""Every `obs` action, declared once beside the code that does it (the catalog is `TABLE`).

Adding an action is one decorated function here: its name, description, parameter schema,
result fields and rehearsal result, bound to its handler. Handlers use OBS through `ObsClient`
(what `connection.ObsConnection` offers), so this module imports nothing heavy: the command
line loads it for `validate` and `simulate`.
"""

from __future__ import annotations

import asyncio
import difflib
import os
from collections.abc import Callable, Mapping
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from typing import Any, Protocol

import voluptuous as vol

from ...engine.adapter import ActionContext
from ..table import ActionTable, Params
from .errors import ObsError, ObsRequestError, replay_disabled
from .events import PAUSED, RESUMED, STARTED, STOPPED, Waiter, output_state

NAME = vol.All(str, vol.Length(min=1))
_OUTPUT_WORDS = {
    "StreamStateChanged": "stream",
    "RecordStateChanged": "recording",
    "ReplayBufferStateChanged": "replay buffer",
}
# Where OBS lists each kind of thing a name can refer to: request, list key, name field.
_LISTINGS = {
    "scene": ("GetSceneList", "scenes", "sceneName"),
    "input": ("GetInputList", "inputs", "inputName"),
    "hotkey": ("GetHotkeyList", "hotkeys", "__name__"),
}
_STATUS_REQUESTS = {
    "StreamStateChanged": "GetStreamStatus",
    "RecordStateChanged": "GetRecordStatus",
    "ReplayBufferStateChanged": "GetReplayBufferStatus",
}


class Requests(Protocol):
    """An OBS session on the worker thread: one blocking request at a time."""

    def call(self, request_type: str, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One request; its response data. Raises `ObsError`."""


class ObsClient(Protocol):
    """What the handlers need of a connection to OBS."""

    request_timeout: float

    async def request(
        self, request_type: str, data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One obs-websocket request; its response data. Raises `ObsError`."""

    async def run[T](self, job: Callable[[Requests], T], what: str) -> T:
        """Several requests in a row on the worker thread, nothing in between."""

    async def off_loop[T](self, job: Callable[[], T]) -> T:
        """Blocking work (files) on the worker thread."""

    def expect(self, event: str, match: Callable[[dict[str, Any]], bool]) -> Waiter:
        """Start waiting for the next OBS event `event` whose data matches."""

    def forget(self, waiter: Waiter) -> None:
        """Stop waiting."""

    async def arrival(self, waiter: Waiter) -> dict[str, Any]:
        """The data of the awaited event (it stops waiting either way)."""


TABLE: ActionTable[ObsClient] = ActionTable("obs")


# -- parameter types -------------------------------------------------------------------------


def _filename(value: Any) -> str:
    """A plain file name (no folder), as OBS's recording folder is where the file stays."""
    if not isinstance(value, str) or not value.strip():
        raise vol.Invalid("expected a file name such as 'stream_${date}.mkv'")
    name = value.strip()
    if (
        PurePosixPath(name).name != name
        or PureWindowsPath(name).name != name
        or name in (".", "..")
    ):
        raise vol.Invalid(f"'{value}' must be a file name without a folder")
    return name


def _text(value: Any) -> str:
    """Text to show: a string, or a number (formatted)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise vol.Invalid(f"expected text, got {type(value).__name__}")
    return value if isinstance(value, str) else str(value)


# -- scenes ----------------------------------------------------------------------------------


@TABLE.action(
    "set_current_scene",
    "Switch the program scene.",
    params={vol.Required("scene_name"): NAME},
    result={"scene_name": "the scene now on program"},
    rehearsal={"scene_name": ""},
    timeout=10.0,
)
async def set_current_scene(client: ObsClient, params: Params, _ctx: ActionContext) -> Any:
    scene = params["scene_name"]
    await _request_named(client, "scene", scene, "SetCurrentProgramScene", {"sceneName": scene})
    return {"scene_name": scene}


# -- streaming -------------------------------------------------------------------------------


@TABLE.action(
    "start_streaming",
    "Start streaming; succeeds once OBS reports the stream live.",
    result={"streaming": "true", "was_streaming": "true when OBS was already streaming"},
    rehearsal={"streaming": True, "was_streaming": False},
    timeout=60.0,
)
async def start_streaming(client: ObsClient, _params: Params, _ctx: ActionContext) -> Any:
    _data, changed = await _output(
        client, "StartStream", "StreamStateChanged", STARTED, STOPPED, already_code=500
    )
    return {"streaming": True, "was_streaming": not changed}


@TABLE.action(
    "stop_streaming",
    "Stop streaming; succeeds once the stream has stopped (or was not running).",
    result={
        "stopped": "true once the stream is stopped",
        "was_streaming": "false when OBS was not streaming",
    },
    rehearsal={"stopped": True, "was_streaming": True},
    timeout=60.0,
)
async def stop_streaming(client: ObsClient, _params: Params, _ctx: ActionContext) -> Any:
    _data, changed = await _output(
        client, "StopStream", "StreamStateChanged", STOPPED, None, already_code=501
    )
    return {"stopped": True, "was_streaming": changed}


@TABLE.action(
    "toggle_streaming",
    "Start streaming if stopped, stop it if live.",
    result={"streaming": "whether OBS streams now"},
    rehearsal={"streaming": True},
    timeout=60.0,
)
async def toggle_streaming(client: ObsClient, params: Params, ctx: ActionContext) -> Any:
    status = await client.request("GetStreamStatus")
    if status.get("outputActive"):
        await stop_streaming(client, params, ctx)
        return {"streaming": False}
    await start_streaming(client, params, ctx)
    return {"streaming": True}


# -- recording -------------------------------------------------------------------------------


@TABLE.action(
    "start_recording",
    "Start recording; succeeds once OBS reports the recording started.",
    result={
        "recording": "true",
        "was_recording": "true when OBS was already recording",
        "path": "the file being written (null if OBS does not say)",
    },
    rehearsal={
        "recording": True,
        "was_recording": False,
        "path": "/simulated/recordings/recording.mkv",
    },
    timeout=30.0,
)
async def start_recording(client: ObsClient, _params: Params, _ctx: ActionContext) -> Any:
    data, changed = await _output(
        client, "StartRecord", "RecordStateChanged", STARTED, STOPPED, already_code=500
    )
    return {"recording": True, "was_recording": not changed, "path": data.get("outputPath")}


@TABLE.action(
    "stop_recording",
    "Stop recording; succeeds once the file is complete.",
    result={
        "path": "the recorded file (null when OBS was not recording)",
        "was_recording": "false when OBS was not recording",
    },
    rehearsal={"path": "/simulated/recordings/recording.mkv", "was_recording": True},
    timeout=60.0,
)
async def stop_recording(client: ObsClient, _params: Params, _ctx: ActionContext) -> Any:
    data, changed = await _output(
        client, "StopRecord", "RecordStateChanged", STOPPED, None, already_code=501
    )
    return {"path": data.get("outputPath"), "was_recording": changed}


@TABLE.action(
    "pause_recording",
    "Pause the recording (no-op when already paused).",
    result={"paused": "true"},
    rehearsal={"paused": True},
    timeout=10.0,
)
async def pause_recording(client: ObsClient, _params: Params, _ctx: ActionContext) -> Any:
    await _pause(client, True)
    return {"paused": True}


@TABLE.action(
    "resume_recording",
    "Resume a paused recording (no-op when not paused).",
    result={"paused": "false"},
    rehearsal={"paused": False},
    timeout=10.0,
)
async def resume_recording(client: ObsClient, _params: Params, _ctx: ActionContext) -> Any:
    await _pause(client, False)
    return {"paused": False}


# -- replay buffer ---------------------------------------------------------------------------


@TABLE.action(
    "start_replay_buffer",
    "Start the replay buffer (it must be enabled in OBS's output settings).",
    result={"active": "true", "was_active": "true when it was already running"},
    rehearsal={"active": True, "was_active": False},
    timeout=30.0,
)
async def start_replay_buffer(client: ObsClient, _params: Params, _ctx: ActionContext) -> Any:
    try:
        _data, changed = await _output(
            client,
            "StartReplayBuffer",
            "ReplayBufferStateChanged",
            STARTED,
            STOPPED,
            already_code=500,
        )
    except ObsRequestError as err:
        if err.code == 604:
            raise replay_disabled() from None
        raise
    return {"active": True, "was_active": not changed}


@TABLE.action(
    "stop_replay_buffer",
    "Stop the replay buffer.",
    result={"active": "false", "was_active": "false when it was not running"},
    rehearsal={"active": False, "was_active": True},
    timeout=30.0,
)
async def stop_replay_buffer(client: ObsClient, _params: Params, _ctx: ActionContext) -> Any:
    try:
        _data, changed = await _output(
            client, "StopReplayBuffer", "ReplayBufferStateChanged", STOPPED, None, already_code=501
        )
    except ObsRequestError as err:
        if err.code == 604:
            raise replay_disabled() from None
        raise
    return {"active": False, "was_active": changed}


def _replay_result(params: Params) -> dict[str, Any]:
    saved = "/simulated/recordings/Replay.mkv"
    name = params.get("filename")
    if not name:
        return {"path": saved, "original_path": None}
    return {"path": f"/simulated/recordings/{name}", "original_path": saved}


@TABLE.action(
    "save_replay_buffer",
    "Save the replay buffer; `filename` renames the saved file (same folder, "
    "OBS's container kept).",
    params={vol.Optional("filename"): _filename},
    result={
        "path": "the saved file",
        "original_path": "where OBS saved it, when `filename` renamed it (else null)",
    },
    rehearsal=_replay_result,
    timeout=30.0,
)
async def save_replay_buffer(client: ObsClient, params: Params, ctx: ActionContext) -> Any:
    waiter = client.expect("ReplayBufferSaved", lambda _data: True)
    try:
        await client.request("SaveReplayBuffer")
    except ObsRequestError as err:
        client.forget(waiter)
        if err.code == 501:
            raise ObsError(
                "the replay buffer is not running: start it first "
                "(obs.start_replay_buffer, or in OBS)",
                error_type="replay_buffer_off",
            ) from None
        if err.code == 604:
            raise replay_disabled() from None
        raise
    except BaseException:
        client.forget(waiter)
        raise
    data = await client.arrival(waiter)
    path = str(data.get("savedReplayPath") or "")
    filename = params.get("filename")
    if not filename:
        return {"path": path, "original_path": None}
    renamed, note = await client.off_loop(lambda: _rename_saved(path, filename))
    if note and ctx is not None:
        ctx.log(note)
    return {"path": renamed, "original_path": path}


# -- audio, sources, text, hotkeys -----------------------------------------------------------


@TABLE.action(
    "set_input_mute",
    "Mute or unmute an audio input.",
    params={vol.Required("input_name"): NAME, vol.Required("muted"): vol.Boolean()},
    result={"input_name": "the input", "muted": "its mute state now"},
    rehearsal={"input_name": "", "muted": True},
    timeout=10.0,
)
async def set_input_mute(client: ObsClient, params: Params, _ctx: ActionContext) -> Any:
    name, muted = params["input_name"], bool(params["muted"])
    await _audio_request(client, "SetInputMute", {"inputName": name, "inputMuted": muted}, name)
    return {"input_name": name, "muted": muted}


@TABLE.action(
    "toggle_input_mute",
    "Toggle an audio input's mute.",
    params={vol.Required("input_name"): NAME},
    result={"input_name": "the input", "muted": "its mute state now"},
    rehearsal={"input_name": "", "muted": True},
    timeout=10.0,
)
async def toggle_input_mute(client: ObsClient, params: Params, _ctx: ActionContext) -> Any:
    name = params["input_name"]
    data = await _audio_request(client, "ToggleInputMute", {"inputName": name}, name)
    return {"input_name": name, "muted": bool(data.get("inputMuted"))}


@TABLE.action(
    "set_source_visibility",
    "Show or hide a source in a scene.",
    params={
        vol.Required("scene_name"): NAME,
        vol.Required("source_name"): NAME,
        vol.Required("visible"): vol.Boolean(),
    },
    result={"scene_name": "the scene", "source_name": "the source", "visible": "shown now"},
    rehearsal={"scene_name": "", "source_name": "", "visible": True},
    timeout=10.0,
)
async def set_source_visibility(client: ObsClient, params: Params, _ctx: ActionContext) -> Any:
    scene, source, visible = params["scene_name"], params["source_name"], params["visible"]

    def job(session: Requests) -> None:
        item = session.call("GetSceneItemId", {"sceneName": scene, "sourceName": source})
        session.call(
            "SetSceneItemEnabled",
            {
                "sceneName": scene,
                "sceneItemId": item["sceneItemId"],
                "sceneItemEnabled": bool(visible),
            },
        )

    try:
        await client.run(job, "SetSceneItemEnabled")
    except ObsError as err:
        if err.error_type != "not_found":
            raise
        scenes = await client.request("GetSceneList")
        if scene not in [s.get("sceneName") for s in scenes.get("scenes", [])]:
            raise await _not_found(client, "scene", scene) from None
        items = await client.request("GetSceneItemList", {"sceneName": scene})
        known = [str(item.get("sourceName")) for item in items.get("sceneItems", [])]
        raise ObsError(
            f"scene '{scene}' has no source named '{source}'"
            + (f" (its sources: {', '.join(known)})" if known else " (it is empty)"),
            error_type="not_found",
        ) from None
    return {"scene_name": scene, "source_name": source, "visible": bool(visible)}


@TABLE.action(
    "set_text",
    "Set the text of a text source (GDI+ or FreeType 2).",
    params={vol.Required("source_name"): NAME, vol.Required("text"): _text},
    result={"source_name": "the source", "text": "the text set"},
    rehearsal={"source_name": "", "text": ""},
    timeout=10.0,
)
async def set_text(client: ObsClient, params: Params, _ctx: ActionContext) -> Any:
    name, text = params["source_name"], params["text"]

    def job(session: Requests) -> str:
        current = session.call("GetInputSettings", {"inputName": name})
        kind = str(current.get("inputKind", ""))
        if "text" not in kind:
            return kind
        session.call(
            "SetInputSettings",
            {"inputName": name, "inputSettings": {"text": text}, "overlay": True},
        )
        return ""

    try:
        wrong_kind = await client.run(job, "SetInputSettings")
    except ObsError as err:
        if err.error_type != "not_found":
            raise
        raise await _not_found(client, "input", name) from None
    if wrong_kind:
        raise ObsError(
            f"'{name}' is not a text source (it is a {wrong_kind})", error_type="wrong_type"
        )
    return {"source_name": name, "text": text}


@TABLE.action(
    "trigger_hotkey",
    "Press an OBS hotkey by its name (e.g. 'OBSBasic.Screenshot').",
    params={vol.Required("hotkey_name"): NAME},
    result={"hotkey_name": "the hotkey pressed"},
    rehearsal={"hotkey_name": ""},
    timeout=10.0,
)
async def trigger_hotkey(client: ObsClient, params: Params, _ctx: ActionContext) -> Any:
    name = params["hotkey_name"]
    await _request_named(client, "hotkey", name, "TriggerHotkeyByName", {"hotkeyName": name})
    return {"hotkey_name": name}


# -- status ----------------------------------------------------------------------------------


@TABLE.action(
    "get_stream_status",
    "Read streaming and recording status.",
    result={
        "streaming": "whether OBS streams",
        "reconnecting": "whether the stream is reconnecting",
        "timecode": "stream time, HH:MM:SS.mmm",
        "duration_s": "stream duration in seconds",
        "congestion": "0..1",
        "bytes": "bytes sent",
        "skipped_frames": "frames skipped",
        "total_frames": "frames sent",
        "recording": "whether OBS records",
        "recording_paused": "whether the recording is paused",
        "recording_timecode": "recording time",
        "scene_name": "the program scene",
    },
    rehearsal={
        "streaming": True,
        "reconnecting": False,
        "timecode": "00:00:00.000",
        "duration_s": 0.0,
        "congestion": 0.0,
        "bytes": 0,
        "skipped_frames": 0,
        "total_frames": 0,
        "recording": False,
        "recording_paused": False,
        "recording_timecode": "00:00:00.000",
        "scene_name": "Main",
    },
    timeout=10.0,
)
async def get_stream_status(client: ObsClient, _params: Params, _ctx: ActionContext) -> Any:
    return await read_status(client)


async def read_status(client: ObsClient) -> dict[str, Any]:
    """Streaming and recording status, asked of OBS in one go (`get_stream_status`)."""

    def job(session: Requests) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        return (
            session.call("GetStreamStatus"),
            session.call("GetRecordStatus"),
            session.call("GetCurrentProgramScene"),
        )

    stream, record, scene = await client.run(job, "GetStreamStatus")
    return {
        "streaming": bool(stream.get("outputActive")),
        "reconnecting": bool(stream.get("outputReconnecting")),
        "timecode": stream.get("outputTimecode"),
        "duration_s": round((stream.get("outputDuration") or 0) / 1000, 3),
        "congestion": stream.get("outputCongestion"),
        "bytes": stream.get("outputBytes"),
        "skipped_frames": stream.get("outputSkippedFrames"),
        "total_frames": stream.get("outputTotalFrames"),
        "recording": bool(record.get("outputActive")),
        "recording_paused": bool(record.get("outputPaused")),
        "recording_timecode": record.get("outputTimecode"),
        "scene_name": scene.get("currentProgramSceneName"),
    }


# -- what several actions share --------------------------------------------------------------


async def _not_found(client: ObsClient, kind: str, name: str) -> ObsError:
    """`not_found`, with a "did you mean" hint and the names OBS knows."""
    request, key, field = _LISTINGS[kind]
    try:
        data = await client.request(request)
        known = [
            str(item.get(field)) if isinstance(item, dict) else str(item)
            for item in data.get(key, [])
        ]
        if request == "GetSceneList":
            known.reverse()  # OBS lists scenes bottom-up
    except ObsError:
        known = []
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    listing = f" ({kind}s: {', '.join(known)})" if known and len(known) <= 20 else ""
    return ObsError(f"OBS has no {kind} named '{name}'{hint}{listing}", error_type="not_found")


async def _request_named(
    client: ObsClient, kind: str, name: str, request: str, data: dict[str, Any]
) -> dict[str, Any]:
    """`request` about the `kind` called `name`; "not found" says what OBS has instead."""
    try:
        return await client.request(request, data)
    except ObsError as err:
        if err.error_type != "not_found":
            raise
        raise await _not_found(client, kind, name) from None


async def _audio_request(
    client: ObsClient, request: str, data: dict[str, Any], name: str
) -> dict[str, Any]:
    try:
        return await client.request(request, data)
    except ObsRequestError as err:
        if err.code == 600:
            raise await _not_found(client, "input", name) from None
        if err.code == 604:
            raise ObsError(
                f"input '{name}' has no audio, so it cannot be muted", error_type="wrong_type"
            ) from None
        raise


async def _output(
    client: ObsClient,
    request: str,
    event: str,
    done: str,
    failed: str | None,
    already_code: int,
) -> tuple[dict[str, Any], bool]:
    """Send `request` and wait for the output to reach `done` (event data, True), or find
    it already there (response, False). A `failed` state first is `output_failed`."""
    states = (done, failed) if failed else (done,)
    waiter = client.expect(event, output_state(*states))
    try:
        response = await client.request(request)
    except ObsRequestError as err:
        client.forget(waiter)
        if err.code == already_code:
            return {}, False
        raise
    except BaseException:
        client.forget(waiter)
        raise
    data = await client.arrival(waiter)
    if failed and data.get("outputState") == failed:
        what = _OUTPUT_WORDS.get(event, "output")
        raise ObsError(
            f"OBS could not start the {what}: it stopped while starting (check the "
            "server and stream key in OBS's settings, and OBS's log)",
            error_type="output_failed",
        )
    await _settle(client, event, active=done == STARTED)
    return {**response, **data}, True


async def _settle(client: ObsClient, event: str, *, active: bool, within: float = 3.0) -> None:
    """Wait (bounded) until OBS's status agrees with the event just seen: the event comes
    first, and a start, stop or toggle sent in between would otherwise be refused."""
    request = _STATUS_REQUESTS[event]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while bool((await client.request(request)).get("outputActive")) != active:
        if loop.time() >= deadline:
            return
        await asyncio.sleep(0.02)


async def _pause(client: ObsClient, pause: bool) -> None:
    """Pause or resume the recording; already in that state is fine, not recording is not.

    Done when OBS reports RECORD PAUSED/RESUMED: obs-websocket 5.1 accepts PauseRecord even
    when nothing records, and GetRecordStatus lags behind a pause or resume."""
    status = await client.request("GetRecordStatus")
    if not status.get("outputActive"):
        raise ObsError("OBS is not recording", error_type="invalid_state")
    if bool(status.get("outputPaused")) == pause:
        return
    request = "PauseRecord" if pause else "ResumeRecord"
    waiter = client.expect("RecordStateChanged", output_state(PAUSED if pause else RESUMED))
    try:
        await client.request(request)
    except ObsRequestError as err:
        client.forget(waiter)
        if err.code in (502, 503):  # it got there meanwhile
            return
        raise
    except BaseException:
        client.forget(waiter)
        raise
    try:
        async with asyncio.timeout(client.request_timeout):
            await client.arrival(waiter)
    except TimeoutError:
        raise ObsError(
            f"OBS accepted {request} but the recording did not {'pause' if pause else 'resume'}",
            error_type="invalid_state",
        ) from None


def _rename_saved(path: str, filename: str) -> tuple[str, str | None]:
    """Rename a saved replay to `filename` in the same folder (worker thread).

    The container stays what OBS wrote: a different extension in `filename` is replaced by the
    real one (`stream.mp4` for an mkv replay becomes `stream.mkv`). An existing file is never
    overwritten: ` (2)`, ` (3)`... is added. OBS must write to a folder this machine can see.
    """
    if not path or not os.path.exists(path):
        raise ObsError(
            f"OBS saved the replay to '{path}', which this machine cannot see, so it cannot be "
            f"renamed to '{filename}' (leave out 'filename' when OBS runs on another computer)",
            error_type="rename_failed",
        )
    saved = PurePath(path)
    wanted = PurePath(filename)
    note = None
    stem, suffix = wanted.stem, wanted.suffix
    if suffix.lower() != saved.suffix.lower():
        if suffix:
            note = f"kept the '{saved.suffix}' extension OBS recorded (asked for '{suffix}')"
        stem = wanted.name if not suffix else stem
        suffix = saved.suffix
    target = os.path.join(os.path.dirname(path), f"{stem}{suffix}")
    counter = 2
    while os.path.exists(target):
        target = os.path.join(os.path.dirname(path), f"{stem} ({counter}){suffix}")
        counter += 1
    try:
        os.rename(path, target)
    except OSError as err:
        raise ObsError(
            f"OBS saved the replay to '{path}' but renaming it to '{filename}' failed: "
            f"{err.strerror or err}",
            error_type="rename_failed",
        ) from None
    return target, note
