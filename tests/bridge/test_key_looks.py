"""Key looks from a workflow sensor's attributes: a paused wait's time left, done with errors,
the rehearsal badge, finished keys falling back to idle, and "on" told apart from "paused".

The clock is injected everywhere (`now` of a view, the surface's wall clock): nothing waits.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from streamdeck_bridge.config import ConfigError, KeyConfig, validate
from streamdeck_bridge.ha_client import EntityState
from streamdeck_bridge.keys import EntityKey, WorkflowKey
from streamdeck_bridge.looks import BADGE_BACKGROUND, LOOKS, STATUS_COLOURS
from streamdeck_bridge.render import KeyRenderer, KeyView
from streamdeck_bridge.surface import Surface
from streamdeck_bridge.virtual import VirtualDeck

from .test_render_keys import WORKFLOW, link_with, sensor

T0 = datetime(2026, 3, 1, 20, 0, tzinfo=UTC).timestamp()
RENDERER = KeyRenderer((144, 144))


def finished(status: str, **attributes: Any) -> EntityState:
    at = datetime.fromtimestamp(T0, UTC).isoformat()
    return sensor(status, status=status, run_id="r1", finished_at=at, **attributes)


def distance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    return float(sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5)


# -- paused: the time left of its wait --------------------------------------------------------


def test_paused_key_shows_the_time_left_of_its_wait() -> None:
    key = WorkflowKey(WORKFLOW)
    link = link_with(
        {"sensor.brb_state": sensor("paused", status="paused", wait_remaining=42.2, wait_total=100)}
    )
    view = key.view(link, T0)
    assert view.status == "paused"
    assert view.icon == "pause"
    assert view.countdown == "43s"
    assert view.progress == pytest.approx(0.578)
    # A paused wait does not count down: no per-second redraws, and later is the same.
    assert not key.animated(link)
    assert key.view(link, T0 + 30) == view
    long_wait = link_with(
        {"sensor.brb_state": sensor("paused", status="paused", wait_remaining=125)}
    )
    assert key.view(long_wait, T0).countdown == "2:05"
    assert key.view(long_wait, T0).progress is None  # no total: no bar
    # The countdown is drawn: the image differs from a paused key without a wait.
    without = link_with({"sensor.brb_state": sensor("paused", status="paused")})
    plain = key.view(without, T0)
    assert plain.countdown is None
    assert RENDERER.render(view).tobytes() != RENDERER.render(plain).tobytes()


@pytest.mark.parametrize("junk", [None, "soon", True, float("nan"), [3]])
def test_paused_wait_attributes_are_read_defensively(junk: Any) -> None:
    link = link_with(
        {
            "sensor.brb_state": sensor(
                "paused", status="paused", wait_remaining=junk, step_index=1, steps=4
            )
        }
    )
    view = WorkflowKey(WORKFLOW).view(link, T0)
    assert view.countdown is None
    assert view.status == "paused"
    assert view.progress == 0.25  # the steps' progress instead


# -- done with errors ----------------------------------------------------------------------


def test_done_with_errors_has_its_own_look() -> None:
    key = WorkflowKey(WORKFLOW)
    error = {"step": "announce_raid", "type": "not_connected", "message": "twitch"}
    with_errors = key.view(
        link_with(
            {"sensor.brb_state": finished("succeeded", handled_errors=2, last_handled_error=error)}
        ),
        T0,
    )
    clean = key.view(link_with({"sensor.brb_state": finished("succeeded", handled_errors=0)}), T0)
    assert clean.status == "succeeded"
    assert clean.icon == "check"
    assert with_errors.status == "done_with_errors"
    assert with_errors.icon == "warning"
    assert with_errors.detail == "done, 2 errors"
    one = key.view(link_with({"sensor.brb_state": finished("succeeded", handled_errors=1)}), T0)
    assert one.detail == "done, 1 error"
    # A failed run stays failed, handled errors or not.
    failed = key.view(link_with({"sensor.brb_state": finished("failed", handled_errors=1)}), T0)
    assert failed.status == "failed"

    img, ok = RENDERER.render(with_errors), RENDERER.render(clean)
    done_look = LOOKS["done_with_errors"]
    assert done_look.border is not None
    assert img.getpixel((1, 1)) == done_look.border  # the warning border
    assert img.getpixel((12, 72)) == done_look.colour
    assert distance(done_look.colour, STATUS_COLOURS["succeeded"]) > 60
    assert ok.getpixel((12, 72)) == STATUS_COLOURS["succeeded"]


# -- rehearsal -----------------------------------------------------------------------------


def test_rehearsal_badge() -> None:
    key = WorkflowKey(WORKFLOW)
    for status in ("running", "paused", "succeeded", "failed"):
        rehearsal = key.view(link_with({"sensor.brb_state": finished(status, rehearsal=True)}), T0)
        real = key.view(link_with({"sensor.brb_state": finished(status, rehearsal=False)}), T0)
        assert rehearsal.badge == "REHEARSAL"
        assert real.badge is None
        img = RENDERER.render(rehearsal)
        assert img.getpixel((2, 2)) == BADGE_BACKGROUND
        assert img.getpixel((141, 2)) == BADGE_BACKGROUND  # a band across the top
        assert RENDERER.render(real).getpixel((2, 2)) != BADGE_BACKGROUND
    # Only a true boolean counts: the text "false" is no rehearsal.
    text = link_with({"sensor.brb_state": finished("running", rehearsal="false")})
    assert key.view(text, T0).badge is None


# -- finished keys fall back to idle -------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "attributes", "outcome", "word"),
    [
        ("succeeded", {}, "succeeded", "last: ok"),
        ("succeeded", {"handled_errors": 1}, "done_with_errors", "last: 1 error"),
        ("failed", {}, "failed", "last: failed"),
        ("cancelled", {}, "cancelled", "last: cancelled"),
        ("succeeded", {"rehearsal": True}, "succeeded", "rehearsal: ok"),
    ],
)
def test_finished_key_falls_back_to_idle_keeping_the_outcome(
    status: str, attributes: dict[str, Any], outcome: str, word: str
) -> None:
    key = WorkflowKey(WORKFLOW)  # the default: a minute
    link = link_with({"sensor.brb_state": finished(status, **attributes)})
    shown = key.view(link, T0 + 59.9)
    assert shown.status == outcome
    assert key.changes_at(link, T0 + 59.9) == T0 + 60
    after = key.view(link, T0 + 60)
    assert after.status == "idle"
    assert after.outcome == outcome
    assert after.detail == word
    assert after.badge is None
    assert key.changes_at(link, T0 + 60) is None
    # The small outcome dot is drawn in the outcome's colour, top right.
    img = RENDERER.render(after)
    dot = [img.getpixel((x, y)) for x in range(100, 140) for y in range(4, 40)]
    assert LOOKS[outcome].colour in dot
    assert (
        RENDERER.render(after).tobytes()
        != RENDERER.render(KeyView(label=after.label, detail=after.detail, status="idle")).tobytes()
    )
    # A press after the fallback runs the workflow again, as on any finished key.
    assert key.press(link).service == "run"


def test_fallback_time_is_configurable_and_zero_keeps_the_result() -> None:
    link = link_with({"sensor.brb_state": finished("failed")})
    short = WorkflowKey(KeyConfig(kind="workflow", index=0, workflow="brb"), show_result_for=5)
    assert short.view(link, T0 + 4).status == "failed"
    assert short.view(link, T0 + 5).status == "idle"
    own = KeyConfig(kind="workflow", index=0, workflow="brb", show_result_for=300)
    assert WorkflowKey(own, show_result_for=5).view(link, T0 + 299).status == "failed"
    forever = WorkflowKey(KeyConfig(kind="workflow", index=0, workflow="brb"), 0)
    assert forever.view(link, T0 + 86400).status == "failed"
    assert forever.changes_at(link, T0) is None


def test_finish_time_without_finished_at() -> None:
    """Found at start-up: dated by the state's last change. Seen arriving: dated then, even
    when the state was written "succeeded" over "succeeded" (last_changed stays old)."""

    def state(status: str, run_id: str, changed: float | None) -> EntityState:
        attributes = {"status": status, "run_id": run_id}
        return EntityState("sensor.brb_state", status, attributes, last_changed=changed)

    key = WorkflowKey(WORKFLOW)
    link = link_with({"sensor.brb_state": state("succeeded", "r1", T0 + 10)})
    assert key.changes_at(link, T0 + 20) == T0 + 70
    assert key.view(link, T0 + 20).status == "succeeded"
    assert key.view(link, T0 + 70).status == "idle"
    link.states["sensor.brb_state"] = state("running", "r2", T0 + 10)
    assert key.view(link, T0 + 500).status == "running"
    link.states["sensor.brb_state"] = state("succeeded", "r2", T0 + 10)  # stale
    assert key.view(link, T0 + 501).status == "succeeded"
    assert key.changes_at(link, T0 + 501) == T0 + 561
    assert key.view(link, T0 + 561).status == "idle"

    fresh = WorkflowKey(WORKFLOW)  # nothing known at all: dated when first seen
    link = link_with({"sensor.brb_state": state("failed", "r9", None)})
    assert fresh.view(link, T0 + 100).status == "failed"
    assert fresh.view(link, T0 + 159).status == "failed"
    assert fresh.view(link, T0 + 160).status == "idle"


def test_deck_yaml_option_at_every_level() -> None:
    raw: dict[str, Any] = {
        "show_result_for": 30,
        "pages": [{"name": "main", "keys": [{"workflow": "brb"}, {"workflow": "brb", "key": 1}]}],
        "decks": [
            {"serial": "A", "show_result_for": 0},
            {"serial": "B"},
            {
                "serial": "C",
                "pages": [{"name": "p", "keys": [{"workflow": "brb", "show_result_for": 5}]}],
            },
        ],
    }
    config = validate(raw)
    assert config.deck_for("A").show_result_for == 0
    assert config.deck_for("B").show_result_for == 30
    assert config.deck_for("C").pages[0].keys[0].show_result_for == 5
    assert validate({"pages": [{"name": "m"}]}).decks[0].show_result_for == 60
    with pytest.raises(ConfigError) as err:
        validate({"show_result_for": -1, "pages": [{"name": "m"}]})
    assert any(p.startswith("show_result_for: ") for p in err.value.problems)


async def test_surface_redraws_when_the_result_time_is_up() -> None:
    """The surface arms one timer for the fallback and redraws then (clock injected)."""
    now = [T0 + 1]
    config = validate(
        {"show_result_for": 45, "pages": [{"name": "main", "keys": [{"workflow": "brb"}]}]}
    )
    deck = VirtualDeck("mini")
    link = link_with({"sensor.brb_state": finished("succeeded", handled_errors=1)})
    surface = Surface(deck, config.decks[0], link, hold_time=0.5, clock=lambda: now[0])
    try:
        surface.start()
        assert surface.drawn[0].status == "done_with_errors"
        assert surface.due_at == T0 + 45
        first = deck.images[0]
        now[0] = T0 + 45
        surface._came_due()  # what the armed timer calls when it fires
        assert surface.drawn[0].status == "idle"
        assert surface.drawn[0].outcome == "done_with_errors"
        assert deck.images[0] != first
        assert surface.due_at is None
    finally:
        await surface.close()


# -- on versus paused ----------------------------------------------------------------------


def test_on_and_paused_have_distinct_colours() -> None:
    on_air = EntityKey(KeyConfig(kind="entity", index=0, entity="input_boolean.on_air"))
    link = link_with(
        {
            "input_boolean.on_air": EntityState(
                "input_boolean.on_air", "on", {"friendly_name": "On air"}
            ),
            "sensor.brb_state": sensor("paused", status="paused"),
        }
    )
    on_view = on_air.view(link, T0)
    paused_view = WorkflowKey(WORKFLOW).view(link, T0)
    assert on_view.status == "on"
    assert paused_view.status == "paused"
    on_px = RENDERER.render(on_view).getpixel((1, 1))
    paused_px = RENDERER.render(paused_view).getpixel((1, 1))
    assert on_px == STATUS_COLOURS["on"]
    assert paused_px == STATUS_COLOURS["paused"]
    assert distance(on_px, paused_px) > 120  # not two shades of amber
    # Every look a key can take has its own colour (off is idle by design).
    colours = {name: look.colour for name, look in LOOKS.items() if name != "off"}
    assert len(set(colours.values())) == len(colours)
