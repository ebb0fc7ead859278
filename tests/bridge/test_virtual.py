"""The virtual deck page in headless Chromium, against a real `hass` process.

A click on a key runs a workflow through the same key handling as hardware, and the key image
on the page changes when the workflow's state does.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from streamdeck_bridge.virtual import VirtualDeck, model_info

from .conftest import make_config, wait_for
from .hass_process import ERRORS_WORKFLOW, HassProcess

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"headless Chromium not installed ({CHROMIUM})"
    ),
]


@pytest.fixture
async def browser_page() -> AsyncIterator[Any]:
    playwright_api = pytest.importorskip("playwright.async_api", reason="playwright not installed")
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = await browser.new_page()
            yield page
        finally:
            await browser.close()


async def key_version(page: Any, key: int) -> int:
    value = await page.get_attribute(f"#key-{key}", "data-version")
    return int(value or 0)


async def key_src(page: Any, key: int) -> str:
    return str(await page.get_attribute(f"#key-{key}", "src") or "")


def test_models_come_from_the_library() -> None:
    assert model_info("xl")["keys"] == 32
    assert model_info("plus")["dials"] == 4
    with pytest.raises(ValueError, match="unknown model"):
        VirtualDeck("nonsense")


@pytest.mark.usefixtures("ha_server_reset")
async def test_click_runs_workflow_and_image_follows(
    ha_server: HassProcess, bridge_factory: Any, browser_page: Any
) -> None:
    bridge = await bridge_factory(
        make_config(ha_server.url),
        token=ha_server.token,
        hardware=False,
        virtual_model="original",
        virtual_port=0,
    )
    await bridge.link.wait_online(30)
    assert bridge.server is not None
    surface = bridge.surfaces["virtual"]
    page = browser_page
    await page.goto(bridge.server.url)
    await page.wait_for_selector("#key-14")
    assert await page.locator(".key").count() == 15
    await wait_for(
        lambda: surface.drawn.get(0) and surface.drawn[0].status in ("idle", "cancelled"),
        message="workflow key idle",
    )
    # Wait until the page shows the current image of key 1 (press=run, acts on key-down).
    await page.wait_for_function("document.getElementById('key-1').dataset.version >= 1")
    before = await key_src(page, 1)

    await page.click("#key-1")
    await wait_for(lambda: surface.drawn[1].status == "running", message="running after click")
    states = {s["entity_id"]: s for s in await ha_server.command({"type": "get_states"})}
    sensor = bridge.link.workflow_sensor["bridge_other"]  # found in the entity registry
    assert states[sensor]["attributes"]["status"] == "running"
    await page.wait_for_function(
        "src => document.getElementById('key-1').src !== src", arg=before, timeout=15000
    )

    # A state change made elsewhere (here: Home Assistant itself) reaches the page too.
    shown = await key_src(page, 1)
    await ha_server.command(
        {
            "type": "call_service",
            "domain": "stream_workflows",
            "service": "cancel",
            "service_data": {"workflow_id": "bridge_other"},
        }
    )
    await wait_for(lambda: surface.drawn[1].status == "cancelled", message="cancelled")
    await page.wait_for_function(
        "src => document.getElementById('key-1').src !== src", arg=shown, timeout=15000
    )

    # A long press on key 0 (press = toggle, long press = cancel) goes through the same
    # tracker as hardware: run with a click, then hold to cancel.
    await page.click("#key-0")
    await wait_for(lambda: surface.drawn[0].status == "running", message="key 0 running")
    box = await page.locator("#key-0").bounding_box()
    await page.mouse.move(box["x"] + 10, box["y"] + 10)
    await page.mouse.down()
    await wait_for(lambda: surface.drawn[0].status == "cancelled", message="held to cancel")
    await page.mouse.up()

    # Page keys work from the page as well.
    await page.click("#key-4")
    await wait_for(lambda: surface.page.name == "lights", message="page changed")


@pytest.mark.usefixtures("ha_server_reset")
async def test_rehearsal_badge_and_handled_errors_from_the_real_sensor(
    ha_server: HassProcess, bridge_factory: Any
) -> None:
    """The attribute names the keys read are the ones the real integration's sensor writes."""
    config = make_config(
        ha_server.url,
        pages=[
            {
                "name": "main",
                "keys": [
                    {"workflow": "bridge_other", "press": "run", "long_press": "none"},
                    {"workflow": ERRORS_WORKFLOW, "press": "run", "long_press": "none"},
                ],
            }
        ],
    )
    bridge = await bridge_factory(
        config, token=ha_server.token, hardware=False, virtual_model="original", virtual_port=0
    )
    await bridge.link.wait_online(30)
    surface = bridge.surfaces["virtual"]
    await ha_server.command(
        {
            "type": "call_service",
            "domain": "stream_workflows",
            "service": "run",
            "service_data": {"workflow_id": "bridge_other", "rehearsal": True},
        }
    )
    await wait_for(
        lambda: surface.drawn.get(0) and surface.drawn[0].badge == "REHEARSAL",
        message="the rehearsal badge on key 0",
    )

    # From the deck: a run that reaches its end past a failed step (Twitch is not connected).
    surface.key_event(1, True)
    surface.key_event(1, False)
    await wait_for(
        lambda: surface.drawn[1].status == "done_with_errors", message="done with errors on key 1"
    )
    assert surface.drawn[1].icon == "warning"
    assert surface.drawn[1].badge is None  # a real run
    state = bridge.link.workflow_state(ERRORS_WORKFLOW)
    assert state is not None
    assert state.attributes["status"] == "succeeded"
    assert state.attributes["handled_errors"] == 1
    assert state.attributes["last_handled_error"]["step"] == "tell_chat"
