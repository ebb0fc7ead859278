"""What each key does and shows: workflow, Home Assistant action, entity toggle, page, back.

A key turns the link's live states into a `KeyView`, and a press into an `Intent` the surface
carries out (a Home Assistant call, or a page change). Long presses are told apart from short
ones by `PressTracker`; a key without a long-press action acts on key-down, without waiting.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .config import DialConfig, KeyConfig
from .ha_client import EntityState
from .ha_link import HomeAssistantLink
from .render import KeyView, hex_colour

ACTIVE = ("running", "queued")
STATUS_ICONS = {
    "running": "play",
    "queued": "clock",
    "paused": "pause",
    "succeeded": "check",
    "failed": "cross",
    "cancelled": "stop",
    "unavailable": "warning",
}


@dataclass(frozen=True, slots=True)
class Intent:
    """What a press asks for: a Home Assistant call, a page change, or nothing."""

    kind: str  # "call", "page", "back", "none"
    domain: str = ""
    service: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    target: dict[str, Any] = field(default_factory=dict)
    page: str = ""

    @property
    def needs_home_assistant(self) -> bool:
        return self.kind == "call"


NOTHING = Intent("none")


def _title(workflow_id: str) -> str:
    return workflow_id.replace("_", " ").title()


def _parse_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def _countdown(seconds: float) -> str:
    seconds = max(0, math.ceil(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds}s"


def workflow_status(state: EntityState | None) -> str:
    if state is None or state.state in ("unavailable", "unknown"):
        return "unavailable"
    status = state.attributes.get("status")
    return str(status) if status else state.state


class Key:
    """Base class: a key of a page."""

    def __init__(self, config: KeyConfig) -> None:
        self.config = config

    @property
    def index(self) -> int:
        return self.config.index

    def entities(self) -> set[str]:
        return set()

    def has_long_press(self) -> bool:
        return False

    def view(self, link: HomeAssistantLink, now: float) -> KeyView:
        raise NotImplementedError

    def press(self, link: HomeAssistantLink) -> Intent:
        return NOTHING

    def long_press(self, link: HomeAssistantLink) -> Intent:
        return NOTHING

    def animated(self, link: HomeAssistantLink) -> bool:
        """True while the view changes with time alone (a countdown)."""
        return False


class WorkflowKey(Key):
    """Runs, pauses, resumes or cancels a workflow; shows its state, colour and progress."""

    @property
    def workflow_id(self) -> str:
        assert self.config.workflow is not None
        return self.config.workflow

    def has_long_press(self) -> bool:
        return self.config.long_press != "none"

    def _intent(self, what: str, link: HomeAssistantLink) -> Intent:
        if what == "none":
            return NOTHING
        if what == "toggle":
            status = workflow_status(link.workflow_state(self.workflow_id))
            what = {"running": "pause", "queued": "cancel", "paused": "resume"}.get(status, "run")
        data: dict[str, Any] = {"workflow_id": self.workflow_id}
        if what == "run" and self.config.variables:
            data["variables"] = dict(self.config.variables)
        return Intent("call", "stream_workflows", what, data)

    def press(self, link: HomeAssistantLink) -> Intent:
        return self._intent(self.config.press, link)

    def long_press(self, link: HomeAssistantLink) -> Intent:
        return self._intent(self.config.long_press, link)

    def _wait(self, state: EntityState | None) -> tuple[float, float] | None:
        if state is None:
            return None
        ends = _parse_time(state.attributes.get("wait_ends_at"))
        if ends is None:
            return None
        total = state.attributes.get("wait_total")
        return ends, float(total) if isinstance(total, int | float) and total > 0 else 0.0

    def animated(self, link: HomeAssistantLink) -> bool:
        state = link.workflow_state(self.workflow_id)
        return workflow_status(state) in ACTIVE and self._wait(state) is not None

    def view(self, link: HomeAssistantLink, now: float) -> KeyView:
        state = link.workflow_state(self.workflow_id)
        status = workflow_status(state)
        label = self.config.label
        if label is None and state is not None:
            name = str(state.attributes.get("friendly_name", ""))
            label = name.removesuffix(" state").removesuffix(" State") or None
        label = label or _title(self.workflow_id)
        icon = self.config.icon or STATUS_ICONS.get(status)
        if state is None or status == "unavailable":
            return KeyView(label=label, detail="unavailable", status="unavailable", icon=icon)
        detail = state.state if status in ACTIVE else status
        progress: float | None = None
        countdown: str | None = None
        if status in ACTIVE or status == "paused":
            wait = self._wait(state)
            if wait is not None and status != "paused":
                ends, total = wait
                remaining = ends - now
                countdown = _countdown(remaining)
                if total:
                    progress = 1.0 - max(0.0, min(remaining / total, 1.0))
            else:
                step, steps = state.attributes.get("step"), state.attributes.get("steps")
                if isinstance(step, int | float) and isinstance(steps, int | float) and steps > 0:
                    progress = min(max(float(step) / float(steps), 0.0), 1.0)
        return KeyView(
            label=label,
            detail=detail.replace("_", " "),
            status=status,
            icon=icon,
            colour=hex_colour(self.config.colour) if status == "idle" else None,
            progress=progress,
            countdown=countdown,
        )


def _entity_view(
    config_label: str | None, icon: str | None, state: EntityState | None, entity_id: str
) -> KeyView:
    if state is None:
        return KeyView(label=config_label or entity_id, detail="unavailable", status="unavailable")
    label = config_label or str(state.attributes.get("friendly_name", entity_id))
    unit = state.attributes.get("unit_of_measurement")
    detail = f"{state.state} {unit}" if unit else state.state
    status = state.state if state.state in ("on", "off", "unavailable") else "idle"
    return KeyView(label=label, detail=detail, status=status, icon=icon)


class EntityKey(Key):
    """Shows an entity's state; a press toggles it."""

    def entities(self) -> set[str]:
        assert self.config.entity is not None
        return {self.config.entity}

    def view(self, link: HomeAssistantLink, now: float) -> KeyView:
        assert self.config.entity is not None
        icon = self.config.icon or ("bulb" if self.config.entity.startswith("light.") else None)
        return _entity_view(
            self.config.label, icon, link.state(self.config.entity), self.config.entity
        )

    def press(self, link: HomeAssistantLink) -> Intent:
        if self.config.press == "none":
            return NOTHING
        return Intent("call", "homeassistant", "toggle", target={"entity_id": self.config.entity})


class ActionKey(Key):
    """Calls any Home Assistant action; may show an entity's state."""

    def entities(self) -> set[str]:
        return {self.config.entity} if self.config.entity else set()

    def view(self, link: HomeAssistantLink, now: float) -> KeyView:
        assert self.config.action is not None
        icon = self.config.icon or "bolt"
        if self.config.entity:
            return _entity_view(
                self.config.label, icon, link.state(self.config.entity), self.config.entity
            )
        return KeyView(
            label=self.config.label or self.config.action,
            icon=icon,
            colour=hex_colour(self.config.colour),
        )

    def press(self, link: HomeAssistantLink) -> Intent:
        assert self.config.action is not None
        domain, service = self.config.action.split(".", 1)
        return Intent("call", domain, service, dict(self.config.data), dict(self.config.target))


class PageKey(Key):
    def view(self, link: HomeAssistantLink, now: float) -> KeyView:
        return KeyView(
            label=self.config.label or str(self.config.page),
            icon=self.config.icon or "folder",
            colour=hex_colour(self.config.colour) or (30, 30, 30),
        )

    def press(self, link: HomeAssistantLink) -> Intent:
        return Intent("page", page=str(self.config.page))


class BackKey(Key):
    def view(self, link: HomeAssistantLink, now: float) -> KeyView:
        return KeyView(
            label=self.config.label or "Back",
            icon=self.config.icon or "back",
            colour=hex_colour(self.config.colour) or (30, 30, 30),
        )

    def press(self, link: HomeAssistantLink) -> Intent:
        return Intent("back")


KEY_CLASSES: dict[str, type[Key]] = {
    "workflow": WorkflowKey,
    "entity": EntityKey,
    "action": ActionKey,
    "page": PageKey,
    "back": BackKey,
}


def make_key(config: KeyConfig) -> Key:
    return KEY_CLASSES[config.kind](config)


# -- dials (Stream Deck +) ---------------------------------------------------------------------


class Dial:
    """A dial: an entity (turn adjusts, push toggles) or a workflow (push toggles)."""

    def __init__(self, config: DialConfig) -> None:
        self.config = config
        self.key = (
            WorkflowKey(
                KeyConfig(
                    kind="workflow",
                    index=config.index,
                    label=config.label,
                    workflow=config.workflow,
                    press="toggle",
                    long_press="none",
                )
            )
            if config.workflow
            else None
        )

    def entities(self) -> set[str]:
        return {self.config.entity} if self.config.entity else set()

    def view(self, link: HomeAssistantLink, now: float) -> KeyView:
        if self.key is not None:
            return self.key.view(link, now)
        assert self.config.entity is not None
        state = link.state(self.config.entity)
        view = _entity_view(self.config.label, None, state, self.config.entity)
        if state is not None and self.config.entity.startswith("light."):
            brightness = state.attributes.get("brightness")
            pct = round(float(brightness) * 100 / 255) if isinstance(brightness, int | float) else 0
            view = KeyView(
                label=view.label, detail=f"{pct}%", status=view.status, progress=pct / 100
            )
        return view

    def push(self, link: HomeAssistantLink) -> Intent:
        if self.key is not None:
            return self.key.press(link)
        return Intent("call", "homeassistant", "toggle", target={"entity_id": self.config.entity})

    def turn(self, ticks: int) -> Intent:
        entity = self.config.entity
        if entity is None or ticks == 0:
            return NOTHING
        domain = entity.split(".", 1)[0]
        if domain == "light":
            return Intent(
                "call",
                "light",
                "turn_on",
                {"brightness_step_pct": self.config.step * ticks},
                {"entity_id": entity},
            )
        if domain in ("input_number", "number", "counter"):
            service = "increment" if ticks > 0 else "decrement"
            return Intent("call", domain, service, target={"entity_id": entity})
        if domain == "media_player":
            service = "volume_up" if ticks > 0 else "volume_down"
            return Intent("call", domain, service, target={"entity_id": entity})
        return NOTHING


# -- long press ------------------------------------------------------------------------------


@dataclass
class _Held:
    key: Key
    down_at: float
    long_fired: bool = False
    timer: Any = None


class PressTracker:
    """Turns key down/up into press or long-press intents.

    A key without a long-press action fires on key-down (lowest latency). A key with one
    fires its long action as soon as it has been held for `hold_time`, and its short action
    on release before that.
    """

    def __init__(
        self,
        hold_time: float,
        fire: Callable[[Key, str, float], None],
        call_later: Callable[[float, Callable[[], None]], Any],
    ) -> None:
        self.hold_time = hold_time
        self._fire = fire
        self._call_later = call_later
        self._held: dict[int, _Held] = {}

    def down(self, key: Key, at: float | None = None) -> None:
        at = time.monotonic() if at is None else at
        self.cancel(key.index)
        if not key.has_long_press():
            self._fire(key, "press", at)
            self._held[key.index] = _Held(key, at, long_fired=True)
            return
        held = _Held(key, at)

        def long() -> None:
            if self._held.get(key.index) is held and not held.long_fired:
                held.long_fired = True
                self._fire(key, "long_press", time.monotonic())

        held.timer = self._call_later(max(0.0, self.hold_time - (time.monotonic() - at)), long)
        self._held[key.index] = held

    def up(self, index: int, at: float | None = None) -> None:
        held = self._held.pop(index, None)
        if held is None:
            return
        if held.timer is not None:
            held.timer.cancel()
        if held.long_fired:
            return
        at = time.monotonic() if at is None else at
        if at - held.down_at >= self.hold_time:
            self._fire(held.key, "long_press", at)
        else:
            self._fire(held.key, "press", at)

    def cancel(self, index: int | None = None) -> None:
        for i in [index] if index is not None else list(self._held):
            held = self._held.pop(i, None) if i is not None else None
            if held is not None and held.timer is not None:
                held.timer.cancel()
