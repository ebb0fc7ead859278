"""Hardware behaviour with the streamdeck package's dummy transport (several models at once).

Home Assistant is unreachable in these tests (a closed port), which is also what they check:
every key shows it, and a press gives immediate feedback without being queued.
"""

from __future__ import annotations

from typing import Any

import pytest

from streamdeck_bridge.config import validate

from .conftest import make_config, wait_for
from .fake_decks import FakeBus

pytestmark = pytest.mark.usefixtures("socket_enabled")


def two_layouts() -> Any:
    return validate(
        {
            "home_assistant": {"url": "http://127.0.0.1:9"},
            "hold_time": 0.3,
            "decks": [
                {
                    "serial": "XL-1",
                    "brightness": 70,
                    "pages": [
                        {
                            "name": "xl",
                            "keys": [{"page": "sub", "label": "Sub"}, {"workflow": "brb"}],
                        },
                        {"name": "sub", "keys": [{"back": True}]},
                    ],
                },
                {
                    "serial": "MINI-1",
                    "brightness": 30,
                    "sleep_after": 0.3,
                    "pages": [
                        {"name": "mini", "keys": [{"page": "two"}, {"workflow": "brb"}]},
                        {"name": "two", "keys": [{"back": True}]},
                    ],
                },
                {"pages": [{"name": "default", "keys": [{"workflow": "raid_workflow"}]}]},
            ],
        }
    )


async def test_several_decks_each_with_its_layout(bus: FakeBus, bridge_factory: Any) -> None:
    xl = bus.plug("StreamDeckXL", "XL-1")
    mini = bus.plug("StreamDeckMini", "MINI-1")
    v2 = bus.plug("StreamDeckOriginalV2", "V2-1")
    plus = bus.plug("StreamDeckPlus", "PLUS-1")
    bridge = await bridge_factory(two_layouts(), enumerate_decks=bus.enumerate)
    await wait_for(lambda: len(bridge.surfaces) == 4, message="four decks attached")
    assert bridge.surfaces["XL-1"].page.name == "xl"
    assert bridge.surfaces["MINI-1"].page.name == "mini"
    assert bridge.surfaces["V2-1"].page.name == "default"  # no layout of its own
    assert bridge.surfaces["PLUS-1"].page.name == "default"
    # Every key of every deck is drawn, with the deck's own brightness.
    for fake in (xl, mini, v2, plus):
        count = fake.deck.key_count()
        await wait_for(
            lambda f=fake, n=count: f.image_count() >= n,  # type: ignore[misc]
            message=f"{fake.serial} drawn",
        )
    await wait_for(lambda: 70 in xl.brightness and 30 in mini.brightness)
    # The XL's key 0 is a page key: pressing it on the hardware changes only the XL's page.
    xl.tap(0)
    await wait_for(lambda: bridge.surfaces["XL-1"].page.name == "sub", message="XL on page sub")
    assert bridge.surfaces["MINI-1"].page.name == "mini"
    xl.tap(0)  # back
    await wait_for(lambda: bridge.surfaces["XL-1"].page.name == "xl", message="XL back")


async def test_offline_keys_show_it_and_a_press_is_not_queued(
    bus: FakeBus, bridge_factory: Any
) -> None:
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    calls: list[Any] = []
    bridge = await bridge_factory(
        make_config(), enumerate_decks=bus.enumerate, on_action=lambda *a: calls.append(a)
    )
    surface = await wait_for(lambda: bridge.surfaces.get("V2-1"), message="deck attached")
    await wait_for(lambda: not bridge.link.online and bridge.link.last_error)
    await wait_for(lambda: surface.drawn.get(1) is not None and surface.drawn[1].offline)
    assert all(surface.drawn[i].offline for i in range(6))  # every key, page keys too
    before = fake.image_count(1)
    fake.tap(1)  # a workflow key that acts on key-down
    await wait_for(lambda: surface.drawn[1].flash == "offline", message="offline flash")
    await wait_for(lambda: fake.image_count(1) > before, message="flash written to the deck")
    assert calls == []  # nothing dispatched, nothing queued


async def test_unplug_and_replug_by_serial(bus: FakeBus, bridge_factory: Any) -> None:
    first = bus.plug("StreamDeckOriginalV2", "V2-1")
    bus.plug("StreamDeckMini", "MINI-9")
    bridge = await bridge_factory(make_config(), enumerate_decks=bus.enumerate)
    await wait_for(lambda: len(bridge.surfaces) == 2)
    first.tap(4)  # page key -> "lights"
    await wait_for(lambda: bridge.surfaces["V2-1"].page.name == "lights")

    bus.unplug(first)
    assert bridge.decks is not None
    await wait_for(lambda: "V2-1" not in bridge.decks.decks, message="unplug noticed")
    await wait_for(lambda: not first.reader_alive, message="old reader thread ended")
    assert "MINI-9" in bridge.decks.decks  # the other deck is untouched

    again = bus.plug("StreamDeckOriginalV2", "V2-1")  # same serial, new HID path
    assert again.deck.id() != first.deck.id()
    await wait_for(lambda: "V2-1" in bridge.decks.decks, message="replug noticed")
    surface = bridge.surfaces["V2-1"]
    assert surface.output.deck is again.deck
    assert surface.page.name == "lights"  # it comes back where it was
    await wait_for(lambda: again.image_count() >= 15, message="re-plugged deck redrawn")
    again.tap(0)  # back key on "lights"
    await wait_for(lambda: surface.page.name == "main", message="input works after replug")


async def test_deck_appearing_after_start(bus: FakeBus, bridge_factory: Any) -> None:
    bridge = await bridge_factory(make_config(), enumerate_decks=bus.enumerate)
    await wait_for(lambda: bridge.link.last_error)
    assert bridge.surfaces == {}
    late = bus.plug("StreamDeckNeo", "NEO-1")
    await wait_for(lambda: "NEO-1" in bridge.surfaces, message="late deck attached")
    await wait_for(lambda: late.image_count() >= 8)


async def test_a_handler_that_raises_does_not_kill_input(
    bus: FakeBus, bridge_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    bridge = await bridge_factory(make_config(), enumerate_decks=bus.enumerate)
    surface = await wait_for(lambda: bridge.surfaces.get("V2-1"))
    real = surface.key_event
    boom = {"left": 1}

    def flaky(index: int, pressed: bool, at: float | None = None) -> None:
        if boom["left"]:
            boom["left"] -= 1
            raise RuntimeError("a bug in a key handler")
        real(index, pressed, at)

    surface.key_event = flaky
    fake.tap(4)  # the down raises on the loop; the up is handled
    await wait_for(lambda: "a bug in a key handler" in caplog.text, message="error logged")
    assert fake.reader_alive  # the deck's reader thread survived
    fake.tap(4)
    await wait_for(lambda: surface.page.name == "lights", message="input still works")


async def test_sleep_and_wake_without_firing(bus: FakeBus, bridge_factory: Any) -> None:
    fake = bus.plug("StreamDeckMini", "MINI-1")
    bridge = await bridge_factory(two_layouts(), enumerate_decks=bus.enumerate)
    surface = await wait_for(lambda: bridge.surfaces.get("MINI-1"))
    await wait_for(
        lambda: surface.sleeping and fake.brightness[-1:] == [0], message="asleep after inactivity"
    )
    fake.tap(0)  # a page key: this press only wakes the deck
    await wait_for(lambda: not surface.sleeping and fake.brightness[-1] == 30, message="awake")
    assert surface.page.name == "mini"
    fake.tap(0)
    await wait_for(lambda: surface.page.name == "two", message="the next press acts")


async def test_long_press_and_dials(bus: FakeBus, bridge_factory: Any) -> None:
    plus = bus.plug("StreamDeckPlus", "PLUS-1")
    intents: list[Any] = []
    bridge = await bridge_factory(make_config(), enumerate_decks=bus.enumerate)
    surface = await wait_for(lambda: bridge.surfaces.get("PLUS-1"))
    # The strip shows the dial's entity; turning or pushing it offline is not queued.
    assert surface.strip_drawn is not None
    surface.dial_event(0, "turn", 2)
    surface.dial_event(0, "push", 1)
    # Long press on a workflow key (long press = cancel) fires after hold_time, offline -> flash
    surface.on_action = lambda *a: intents.append(a)
    plus.key(0, True)
    await wait_for(lambda: surface.drawn[0].flash == "offline", message="long press feedback")
    plus.key(0, False)
    assert intents == []


async def test_stop_blanks_and_closes(bus: FakeBus, bridge_factory: Any) -> None:
    fake = bus.plug("StreamDeckOriginalV2", "V2-1")
    bridge = await bridge_factory(make_config(), enumerate_decks=bus.enumerate)
    await wait_for(lambda: "V2-1" in bridge.surfaces)
    resets = fake.resets
    await bridge.stop()
    assert fake.resets == resets + 1  # blanked
    assert not fake.deck.is_open()
    assert not fake.reader_alive


async def test_hardware_keys_are_drawn_at_their_native_size(
    bus: FakeBus, bridge_factory: Any
) -> None:
    """Only the virtual deck draws at 2x or more; a deck gets images of its own key size."""
    bus.plug("StreamDeckXL", "XL-1")
    bus.plug("StreamDeckMini", "MINI-1")
    bridge = await bridge_factory(two_layouts(), enumerate_decks=bus.enumerate)
    await wait_for(lambda: len(bridge.surfaces) == 2, message="two decks attached")
    for serial, size in (("XL-1", (96, 96)), ("MINI-1", (80, 80))):
        surface = bridge.surfaces[serial]
        assert surface.output.render_scale == 1
        assert surface.renderer is not None
        assert surface.renderer.size == size
