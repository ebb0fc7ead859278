"""The `obs` service: OBS Studio over obs-websocket 5 (catalog; the connection lives in obs_client).

This module imports nothing heavy (the command line loads it for `validate` and `simulate`);
`obs_client.ObsConnection` performs the actions against a real OBS.

Behaviour worth knowing when writing workflows:
- start/stop actions wait until OBS reports the output really started or stopped (events), so
  `start_streaming` fails (`output_failed`) when the stream cannot reach its server, and
  `stop_recording` returns once the file is complete. They are idempotent: starting what
  already runs, or stopping what is already stopped, succeeds with `was_streaming` /
  `was_recording` telling what was found.
- `save_replay_buffer` with `filename` renames the saved file in OBS's recording folder
  (`${date}`-style templates welcome). The container OBS recorded is kept: a different
  extension in `filename` is replaced by the real one, and an existing file is never
  overwritten (" (2)" is added). This needs OBS's recording folder to be visible on the Home
  Assistant machine; when it is not (OBS on another computer) the action fails with
  `rename_failed` and says where OBS saved the file: leave `filename` out in that setup.
- Errors carry an `error_type` a workflow can inspect: `not_connected`, `not_found` (with
  "did you mean" hints), `invalid_state`, `wrong_type`, `output_failed`, `replay_buffer_off`,
  `rename_failed`, `obs_timeout`, `obs_error`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import voluptuous as vol

from ..engine.adapter import ActionSpec
from .base import ConnectedAdapter

NAME = vol.All(str, vol.Length(min=1))


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


def _replay_result(params: Mapping[str, Any]) -> dict[str, Any]:
    saved = "/simulated/recordings/Replay.mkv"
    name = params.get("filename")
    if not name:
        return {"path": saved, "original_path": None}
    return {"path": f"/simulated/recordings/{name}", "original_path": saved}


def _spec(
    name: str,
    description: str,
    params: dict[Any, Any],
    result: dict[str, str],
    rehearsal: dict[str, Any] | Any,
    timeout: float = 10.0,
) -> ActionSpec:
    if callable(rehearsal):
        simulate = rehearsal
    else:
        fixed = dict(rehearsal)

        def simulate(params: Mapping[str, Any]) -> dict[str, Any]:
            return {key: params.get(key, value) for key, value in fixed.items()}

    return ActionSpec(
        name=name,
        description=description,
        params=vol.Schema(params),
        result=result,
        rehearsal=simulate,
        timeout=timeout,
    )


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "set_current_scene",
            "Switch the program scene.",
            {vol.Required("scene_name"): NAME},
            {"scene_name": "the scene now on program"},
            {"scene_name": ""},
        ),
        _spec(
            "start_streaming",
            "Start streaming; succeeds once OBS reports the stream live.",
            {},
            {
                "streaming": "true",
                "was_streaming": "true when OBS was already streaming",
            },
            {"streaming": True, "was_streaming": False},
            timeout=60.0,
        ),
        _spec(
            "stop_streaming",
            "Stop streaming; succeeds once the stream has stopped (or was not running).",
            {},
            {
                "stopped": "true once the stream is stopped",
                "was_streaming": "false when OBS was not streaming",
            },
            {"stopped": True, "was_streaming": True},
            timeout=60.0,
        ),
        _spec(
            "toggle_streaming",
            "Start streaming if stopped, stop it if live.",
            {},
            {"streaming": "whether OBS streams now"},
            {"streaming": True},
            timeout=60.0,
        ),
        _spec(
            "start_recording",
            "Start recording; succeeds once OBS reports the recording started.",
            {},
            {
                "recording": "true",
                "was_recording": "true when OBS was already recording",
                "path": "the file being written (null if OBS does not say)",
            },
            {
                "recording": True,
                "was_recording": False,
                "path": "/simulated/recordings/recording.mkv",
            },
            timeout=30.0,
        ),
        _spec(
            "stop_recording",
            "Stop recording; succeeds once the file is complete.",
            {},
            {
                "path": "the recorded file (null when OBS was not recording)",
                "was_recording": "false when OBS was not recording",
            },
            {"path": "/simulated/recordings/recording.mkv", "was_recording": True},
            timeout=60.0,
        ),
        _spec(
            "pause_recording",
            "Pause the recording (no-op when already paused).",
            {},
            {"paused": "true"},
            {"paused": True},
        ),
        _spec(
            "resume_recording",
            "Resume a paused recording (no-op when not paused).",
            {},
            {"paused": "false"},
            {"paused": False},
        ),
        _spec(
            "start_replay_buffer",
            "Start the replay buffer (it must be enabled in OBS's output settings).",
            {},
            {"active": "true", "was_active": "true when it was already running"},
            {"active": True, "was_active": False},
            timeout=30.0,
        ),
        _spec(
            "stop_replay_buffer",
            "Stop the replay buffer.",
            {},
            {"active": "false", "was_active": "false when it was not running"},
            {"active": False, "was_active": True},
            timeout=30.0,
        ),
        _spec(
            "save_replay_buffer",
            "Save the replay buffer; `filename` renames the saved file (same folder, "
            "OBS's container kept).",
            {vol.Optional("filename"): _filename},
            {
                "path": "the saved file",
                "original_path": "where OBS saved it, when `filename` renamed it (else null)",
            },
            _replay_result,
            timeout=30.0,
        ),
        _spec(
            "set_input_mute",
            "Mute or unmute an audio input.",
            {vol.Required("input_name"): NAME, vol.Required("muted"): vol.Boolean()},
            {"input_name": "the input", "muted": "its mute state now"},
            {"input_name": "", "muted": True},
        ),
        _spec(
            "toggle_input_mute",
            "Toggle an audio input's mute.",
            {vol.Required("input_name"): NAME},
            {"input_name": "the input", "muted": "its mute state now"},
            {"input_name": "", "muted": True},
        ),
        _spec(
            "set_source_visibility",
            "Show or hide a source in a scene.",
            {
                vol.Required("scene_name"): NAME,
                vol.Required("source_name"): NAME,
                vol.Required("visible"): vol.Boolean(),
            },
            {"scene_name": "the scene", "source_name": "the source", "visible": "shown now"},
            {"scene_name": "", "source_name": "", "visible": True},
        ),
        _spec(
            "set_text",
            "Set the text of a text source (GDI+ or FreeType 2).",
            {vol.Required("source_name"): NAME, vol.Required("text"): _text},
            {"source_name": "the source", "text": "the text set"},
            {"source_name": "", "text": ""},
        ),
        _spec(
            "trigger_hotkey",
            "Press an OBS hotkey by its name (e.g. 'OBSBasic.Screenshot').",
            {vol.Required("hotkey_name"): NAME},
            {"hotkey_name": "the hotkey pressed"},
            {"hotkey_name": ""},
        ),
        _spec(
            "get_stream_status",
            "Read streaming and recording status.",
            {},
            {
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
            {
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
        ),
    )
}


class ObsAdapter(ConnectedAdapter):
    """OBS Studio actions."""

    service = "obs"
    catalog = ACTIONS
    setup_hint = "add an OBS connection (host, port, password) in Stream Workflows"
