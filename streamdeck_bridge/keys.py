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

from .config import DEFAULT_SHOW_RESULT_FOR, DialConfig, KeyConfig
from .ha_client import EntityState
from .ha_link import HomeAssistantLink
from .looks import ACTIVE, FINISHED, STATUS_ICONS, look
from .render import KeyView, hex_colour

REHEARSAL_BADGE = "REHEARSAL"


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


def _number(value: Any) -> float | None:
    """A finite number from an attribute (a number, or text holding one); else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


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

    def changes_at(self, link: HomeAssistantLink, now: float) -> float | None:
        """The wall time of the next change the view makes by time alone, if any."""
        return None


class WorkflowKey(Key):
    """Runs, pauses, resumes or cancels a workflow; shows its state, colour and progress.

    A finished run's look (succeeded, done with errors, failed, cancelled) stays for
    `show_result_for` seconds (0: until the next run); then the key looks idle again, with
    the outcome kept visible in small (a dot in its colour and a word), so the deck does not
    become a wall of old results.
    """

    def __init__(self, config: KeyConfig, show_result_for: float = DEFAULT_SHOW_RESULT_FOR) -> None:
        super().__init__(config)
        own = config.show_result_for
        self.show_result_for = own if own is not None else show_result_for
        self._seen_finish: tuple[tuple[Any, str], float] | None = None
        self._seen_state = False  # has this key shown a state of its workflow yet

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
        if what == "run":
            data["source"] = "deck"  # the run history shows the run was started from a key
            if self.config.variables:
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
        total = _number(state.attributes.get("wait_total"))
        return ends, total if total is not None and total > 0 else 0.0

    def _finished_at(self, state: EntityState, status: str, now: float) -> float:
        """When the shown run finished: its `finished_at`; else, for a result this key saw
        arrive, when it arrived; else when the sensor's state last changed."""
        at = _parse_time(state.attributes.get("finished_at"))
        if at is not None:
            return at
        mark = (state.attributes.get("run_id"), status)
        if self._seen_finish is None or self._seen_finish[0] != mark:
            # A finish seen live is dated now: a state written "succeeded" over "succeeded"
            # keeps its old last_changed. A finish found at start-up is dated by the state.
            changed = _number(state.last_changed)
            arrived = now if self._seen_state or changed is None else changed
            self._seen_finish = (mark, arrived)
        return self._seen_finish[1]

    def _result_until(self, state: EntityState, status: str, now: float) -> float | None:
        """When a finished look falls back to idle; None when it never does."""
        if status not in FINISHED or self.show_result_for <= 0:
            return None
        return self._finished_at(state, status, now) + self.show_result_for

    def animated(self, link: HomeAssistantLink) -> bool:
        state = link.workflow_state(self.workflow_id)
        return workflow_status(state) in ACTIVE and self._wait(state) is not None

    def changes_at(self, link: HomeAssistantLink, now: float) -> float | None:
        state = link.workflow_state(self.workflow_id)
        if state is None:
            return None
        until = self._result_until(state, workflow_status(state), now)
        return until if until is not None and until > now else None

    def view(self, link: HomeAssistantLink, now: float) -> KeyView:
        state = link.workflow_state(self.workflow_id)
        status = workflow_status(state)
        label = self.config.label
        if label is None and state is not None:
            name = str(state.attributes.get("friendly_name", ""))
            label = name.removesuffix(" state").removesuffix(" State") or None
        label = label or _title(self.workflow_id)
        if state is None or status == "unavailable":
            icon = self.config.icon or STATUS_ICONS.get("unavailable")
            return KeyView(label=label, detail="unavailable", status="unavailable", icon=icon)
        attributes = state.attributes
        if status in FINISHED:
            self._finished_at(state, status, now)  # note when a new result arrived
        self._seen_state = True
        rehearsal = attributes.get("rehearsal") is True
        handled = int(_number(attributes.get("handled_errors")) or 0)
        shown = "done_with_errors" if status == "succeeded" and handled > 0 else status
        word = _errors(handled) if shown == "done_with_errors" else status
        if status in FINISHED:
            until = self._result_until(state, status, now)
            if until is not None and now >= until:
                small = _errors(handled, "") if shown == "done_with_errors" else look(shown).word
                return KeyView(
                    label=label,
                    detail=f"{'rehearsal' if rehearsal else 'last'}: {small}",
                    status="idle",
                    icon=self.config.icon,
                    colour=hex_colour(self.config.colour),
                    outcome=shown,
                )
        detail = state.state if status in ACTIVE else word
        progress: float | None = None
        countdown: str | None = None
        wait = self._wait(state) if status in ACTIVE else None
        remaining = _number(attributes.get("wait_remaining")) if status == "paused" else None
        if wait is not None:
            ends, total = wait
            countdown = _countdown(ends - now)
            if total:
                progress = 1.0 - max(0.0, min((ends - now) / total, 1.0))
        elif remaining is not None:
            # A paused wait does not count down: it shows the time it will resume with.
            countdown = _countdown(remaining)
            paused_total = _number(attributes.get("wait_total"))
            if paused_total:
                progress = 1.0 - max(0.0, min(remaining / paused_total, 1.0))
        elif status in ACTIVE or status == "paused":
            # `step_index` is the sensor's count of steps done (`step` is the step's name).
            step = _number(attributes.get("step_index", attributes.get("step")))
            steps = _number(attributes.get("steps"))
            if step is not None and steps:
                progress = min(max(step / steps, 0.0), 1.0)
        return KeyView(
            label=label,
            detail=detail.replace("_", " "),
            status=shown,
            icon=self.config.icon or STATUS_ICONS.get(shown),
            colour=hex_colour(self.config.colour) if status == "idle" else None,
            progress=progress,
            countdown=countdown,
            badge=REHEARSAL_BADGE if rehearsal and status != "idle" else None,
        )


def _errors(count: int, prefix: str = "done, ") -> str:
    return f"{prefix}{count} error{'' if count == 1 else 's'}"


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


def make_key(config: KeyConfig, show_result_for: float = DEFAULT_SHOW_RESULT_FOR) -> Key:
    if config.kind == "workflow":
        return WorkflowKey(config, show_result_for)
    return KEY_CLASSES[config.kind](config)


# -- dials (Stream Deck +) ---------------------------------------------------------------------


class Dial:
    """A dial: an entity (turn adjusts, push toggles) or a workflow (push toggles)."""

    def __init__(
        self, config: DialConfig, show_result_for: float = DEFAULT_SHOW_RESULT_FOR
    ) -> None:
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
                ),
                show_result_for,
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

    def changes_at(self, link: HomeAssistantLink, now: float) -> float | None:
        return self.key.changes_at(link, now) if self.key is not None else None

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
