"""The virtual deck page's layout in headless Chromium: a phone's width, HiDPI key images.

No Home Assistant is needed to lay the page out: the keys show "HA offline", which is as
wide as any other look.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from streamdeck_bridge.app import Bridge
from streamdeck_bridge.virtual import MODELS, model_info

from .conftest import make_config, wait_for
from .test_virtual import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"headless Chromium not installed ({CHROMIUM})"
    ),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

MEASURE = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const keys = [...document.querySelectorAll('.key')];
  const strip = document.getElementById('strip');
  return {
    keys: keys.map((k) => ({...box(k), natural: k.naturalWidth, naturalH: k.naturalHeight})),
    strip: strip.hidden ? null : box(strip),
    buttons: [...document.querySelectorAll('#dials button')].map(box),
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  };
}"""


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    playwright_api = pytest.importorskip("playwright.async_api", reason="playwright not installed")
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


async def open_deck(
    browser: Any, bridge: Bridge, viewport: dict[str, int], scale: float
) -> tuple[Any, Any]:
    context = await browser.new_context(viewport=viewport, device_scale_factor=scale)
    page = await context.new_page()
    assert bridge.server is not None
    assert bridge.virtual is not None
    await page.goto(bridge.server.url)
    last = bridge.virtual.key_count - 1
    # Every key has an image of the deck's current drawing scale.
    expected = bridge.virtual.key_size[0] * max(2, round(scale))
    await page.wait_for_function(
        "([n, w]) => [...document.querySelectorAll('.key')].length === n + 1 && "
        "[...document.querySelectorAll('.key')].every((k) => k.naturalWidth === w)",
        arg=[last, expected],
        timeout=15000,
    )
    return context, page


def assert_inside(box: dict[str, float], width: int, what: str) -> None:
    assert box["w"] > 0, what
    assert box["h"] > 0, what
    assert box["x"] >= -0.5, f"{what} cut off on the left: {box}"
    assert box["x"] + box["w"] <= width + 0.5, f"{what} cut off on the right: {box}"
    assert box["y"] >= -0.5, f"{what} cut off at the top: {box}"


@pytest.mark.parametrize("model", sorted(MODELS))
async def test_phone_width_shows_every_key_whole(
    model: str, bridge_factory: Any, browser: Any
) -> None:
    bridge = await bridge_factory(
        make_config(), hardware=False, virtual_model=model, virtual_port=0
    )
    info = model_info(model)
    key_w = info["key_size"][0]

    context, page = await open_deck(browser, bridge, PHONE, 2)
    m = await page.evaluate(MEASURE)
    await context.close()
    assert m["scrollWidth"] <= m["innerWidth"], "the page scrolls sideways"
    assert len(m["keys"]) == info["keys"]
    for i, key in enumerate(m["keys"]):
        assert_inside(key, PHONE["width"], f"{model} key {i}")
        assert abs(key["w"] - key["h"]) < 1, f"{model} key {i} is not square: {key}"
        # Sharp: at least two image pixels per CSS pixel, even after scaling down.
        assert key["natural"] == key["naturalH"] == 2 * key_w
        assert key["natural"] >= 2 * key["w"] - 0.5
    # All keys share one size (a grid), and the row fits 390 px.
    widths = [k["w"] for k in m["keys"]]
    assert max(widths) - min(widths) < 1
    if info["strip_size"]:
        assert m["strip"] is not None
        assert_inside(m["strip"], PHONE["width"], f"{model} touch strip")
    for b, button in enumerate(m["buttons"]):
        assert_inside(button, PHONE["width"], f"{model} dial button {b}")


async def test_desktop_size_unchanged_and_images_follow_the_screen_density(
    bridge_factory: Any, browser: Any
) -> None:
    bridge = await bridge_factory(
        make_config(), hardware=False, virtual_model="original", virtual_port=0
    )
    assert bridge.virtual is not None
    assert bridge.virtual.render_scale == 2  # before any page asked

    context, page = await open_deck(browser, bridge, DESKTOP, 2)
    m = await page.evaluate(MEASURE)
    for key in m["keys"]:
        assert key["w"] == key["h"] == 72  # hardware size in CSS pixels, as before
        assert key["natural"] == 2 * key["w"]  # drawn for a 2x screen
    await context.close()

    # A 3x phone screen: the deck redraws every key at 3x, for every page.
    context, page = await open_deck(browser, bridge, PHONE, 3)
    assert bridge.virtual.render_scale == 3
    surface = bridge.surfaces["virtual"]
    assert surface.renderer is not None
    assert surface.renderer.size == (216, 216)
    await context.close()


async def test_touch_strip_positions_are_in_strip_pixels_when_scaled_down(
    bridge_factory: Any, browser: Any
) -> None:
    bridge = await bridge_factory(
        make_config(), hardware=False, virtual_model="plus", virtual_port=0
    )
    assert bridge.virtual is not None
    touches: list[tuple[str, dict[str, int]]] = []
    bridge.virtual.touch_event = lambda kind, value, at: touches.append((kind, value))
    context, page = await open_deck(browser, bridge, PHONE, 2)
    strip = await page.locator("#strip").bounding_box()
    assert strip["width"] < 800  # shown smaller than its 800 px
    await page.mouse.click(strip["x"] + strip["width"] * 0.75, strip["y"] + strip["height"] / 2)
    await wait_for(lambda: touches, message="the touch reaching the deck")
    await context.close()
    kind, value = touches[0]
    assert kind == "short"
    assert abs(value["x"] - 600) <= 4  # the fourth segment's side of the strip, not x=290
