"""The `obs` service: OBS Studio over obs-websocket 5 (catalog; the connection lives in obs_client)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import voluptuous as vol

from ..engine.adapter import ActionSpec
from .base import ConnectedAdapter


def _replay_result(params: Mapping[str, Any]) -> dict[str, Any]:
    name = params.get("filename") or "Replay.mkv"
    return {"path": f"/simulated/recordings/{name}"}


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            name="set_current_scene",
            description="Switch the program scene.",
            params=vol.Schema({vol.Required("scene_name"): vol.All(str, vol.Length(min=1))}),
            result={"scene_name": "the scene now on program"},
            rehearsal=lambda params: {"scene_name": params["scene_name"]},
        ),
        ActionSpec(
            name="stop_streaming",
            description="Stop the stream output.",
            params=vol.Schema({}),
            result={"stopped": "true once OBS accepted the request"},
            rehearsal=lambda _params: {"stopped": True},
        ),
        ActionSpec(
            name="save_replay_buffer",
            description="Save the replay buffer; `filename` renames the saved file.",
            params=vol.Schema({vol.Optional("filename"): vol.All(str, vol.Length(min=1))}),
            result={"path": "the saved file"},
            rehearsal=_replay_result,
        ),
    )
}


class ObsAdapter(ConnectedAdapter):
    """OBS Studio actions."""

    service = "obs"
    catalog = ACTIONS
    setup_hint = "add an OBS connection (host, port, password) in Stream Workflows"
