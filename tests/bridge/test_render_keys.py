"""Key views and images: status colours, countdown and progress, the press/long-press rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from streamdeck_bridge.config import KeyConfig
from streamdeck_bridge.ha_client import EntityState
from streamdeck_bridge.ha_link import HomeAssistantLink, LinkStatus
from streamdeck_bridge.keys import Intent, Key, PressTracker, WorkflowKey
from streamdeck_bridge.render import STATUS_COLOURS, KeyRenderer, KeyView, bundled_icons
from streamdeck_bridge.virtual import MODELS, model_info


def link_with(states: dict[str, EntityState]) -> HomeAssistantLink:
    link = HomeAssistantLink(
        "ws://unused", lambda: "x", workflows={"brb"}, entities=set(), on_change=lambda _c: None
    )
    link.status = LinkStatus.CONNECTED
    link.workflow_sensor = {"brb": "sensor.brb_state"}
    link.states = dict(states)
    return link


def sensor(state: str, **attributes: Any) -> EntityState:
    return EntityState("sensor.brb_state", state, {"friendly_name": "BRB", **attributes})


WORKFLOW = KeyConfig(kind="workflow", index=0, workflow="brb", press="toggle", long_press="cancel")


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_status_renders_at_every_key_size(model: str) -> None:
    size = model_info(model)["key_size"]
    renderer = KeyRenderer(size)
    colours = set()
    statuses = ("idle", "running", "paused", "succeeded", "done_with_errors", "failed", "cancelled")
    for status in statuses:
        img = renderer.render(KeyView(label="Raid workflow", detail=status, status=status))
        assert img.size == size
        colours.add(img.getpixel((1, 1)))
    assert len(colours) == len(statuses)  # one colour per status
    assert {"play", "pause", "back", "offline"} <= set(bundled_icons())


def test_wait_shows_countdown_and_progress() -> None:
    now = datetime.now(UTC)
    link = link_with(
        {
            "sensor.brb_state": sensor(
                "wait_for_raid",
                status="running",
                wait_ends_at=(now + timedelta(seconds=75)).isoformat(),
                wait_total=100,
            )
        }
    )
    key = WorkflowKey(WORKFLOW)
    view = key.view(link, now.timestamp())
    assert view.status == "running"
    assert view.colour is None
    assert STATUS_COLOURS["running"] != STATUS_COLOURS["idle"]
    assert view.countdown == "1:15"
    assert view.progress == pytest.approx(0.25)
    assert key.animated(link)
    assert key.press(link) == Intent("call", "stream_workflows", "pause", {"workflow_id": "brb"})
    assert key.long_press(link).service == "cancel"


def test_steps_progress_and_toggle_rules() -> None:
    key = WorkflowKey(WORKFLOW)
    running = link_with(
        {
            "sensor.brb_state": sensor(
                "step_two", status="running", step="step_two", step_index=2, steps=4
            )
        }
    )
    view = key.view(running, 0)
    assert (view.detail, view.progress, view.countdown) == ("step two", 0.5, None)
    paused = link_with({"sensor.brb_state": sensor("paused", status="paused")})
    assert key.press(paused).service == "resume"
    for done in ("idle", "succeeded", "failed", "cancelled"):
        finished = link_with({"sensor.brb_state": sensor(done, status=done)})
        assert key.press(finished).service == "run"
        assert key.view(finished, 0).status == done
    missing = link_with({})
    assert key.view(missing, 0).status == "unavailable"


def test_press_tracker() -> None:
    fired: list[tuple[int, str]] = []
    timers: list[Any] = []

    class Timer:
        def __init__(self, delay: float, func: Any) -> None:
            self.func = func
            self.cancelled = False

        def cancel(self) -> None:
            self.cancelled = True

    def call_later(delay: float, func: Any) -> Timer:
        timer = Timer(delay, func)
        timers.append(timer)
        return timer

    tracker = PressTracker(0.5, lambda key, what, at: fired.append((key.index, what)), call_later)
    with_long = Key(WORKFLOW)
    with_long.has_long_press = lambda: True  # type: ignore[method-assign]
    without = Key(KeyConfig(kind="page", index=1, page="x"))

    tracker.down(without, 10.0)
    assert fired == [(1, "press")]  # acts on key-down
    tracker.up(1, 10.1)
    assert fired == [(1, "press")]

    tracker.down(with_long, 20.0)
    tracker.up(0, 20.2)
    assert fired[-1] == (0, "press")  # short: on release
    assert timers[-1].cancelled

    tracker.down(with_long, 30.0)
    timers[-1].func()  # held long enough
    assert fired[-1] == (0, "long_press")
    tracker.up(0, 31.0)
    assert fired[-1] == (0, "long_press")  # the release does nothing more
