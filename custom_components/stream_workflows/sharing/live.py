"""The connected OBS's scene names, for `obs_scene` fields and the import preview's remaps.

Asked of OBS when a form or a preview opens (`GetSceneList` through the obs adapter's
connection, bounded in time), never cached: a scene added in OBS a moment ago is offered.
No OBS connected (or it does not answer): `scenes` is None and the panel falls back to a
text field. Reaches the connection through the registry only, so it imports no adapter.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ..engine.adapter import AdapterRegistry

OBS_TIMEOUT = 3.0
MAX_SCENES = 500


@dataclass(frozen=True, slots=True)
class ObsScenes:
    """What the connected OBS has: its scenes in OBS's order (None: not known)."""

    scenes: list[str] | None
    current_scene: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "connected": self.scenes is not None,
            "scenes": self.scenes,
            "current_scene": self.current_scene,
            "error": self.error,
        }


async def obs_scenes(registry: AdapterRegistry, within: float = OBS_TIMEOUT) -> ObsScenes:
    """The scene list of the OBS the `obs` adapter is connected to, or why there is none."""
    connection = getattr(registry.get("obs"), "connection", None)
    request = getattr(connection, "request", None)
    if connection is None or request is None:
        return ObsScenes(None, error="no OBS connection")
    if not getattr(connection, "connected", True):
        return ObsScenes(None, error="OBS is not connected")
    try:
        async with asyncio.timeout(within):
            answer = await request("GetSceneList")
    except Exception as err:  # any failure of OBS means "not known": the field is free text
        return ObsScenes(None, error=f"OBS did not answer: {type(err).__name__} {err}"[:300])
    return ObsScenes(
        scenes=_names(answer),
        current_scene=_text(answer.get("currentProgramSceneName")),
    )


def _names(answer: Any) -> list[str]:
    raw = answer.get("scenes") if isinstance(answer, dict) else None
    names = [
        name
        for item in (raw if isinstance(raw, list) else [])
        if isinstance(item, dict) and (name := _text(item.get("sceneName"))) is not None
    ]
    # obs-websocket lists scenes bottom-up (sceneIndex 0 is the last one in OBS's list)
    names.reverse()
    return names[:MAX_SCENES]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
