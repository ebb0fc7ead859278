"""The Studio panel in headless Chromium against a real `hass` process with the integration.

Logged in through Home Assistant's login page, the panel lists the workflows; the raid
workflow's flowchart is drawn; a watched rehearsal (real time) moves the highlight state by
state; pause and resume; cancel takes the raid's cancel route to `end_stream`; the finished run
in the history draws its path. A desktop page (1280 x 800) and a phone page (390 x 844, the
`narrow` layout) follow the same run; every step is kept as screenshots in light and dark themes
in tests/studio/artefacts/ (git-ignored).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from .panel_hass import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RAID,
    PanelHass,
    log_in,
    set_dark,
)

ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
RAID_STATES = ["prepare_raid", "announce_raid", "wait_for_raid", "execute_raid", "end_stream"]

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]

CHART = "sw-workflow-view sw-flowchart"


@pytest.fixture(scope="module")
def panel_hass(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PanelHass]:
    import pytest_socket  # type: ignore[import-untyped]

    pytest_socket.enable_socket()
    proc = PanelHass(tmp_path_factory.mktemp("panel") / "config", steps=3)
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def pages(panel_hass: PanelHass) -> AsyncIterator[dict[str, Any]]:
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            made: dict[str, Any] = {}
            for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                context = await browser.new_context(viewport=viewport)
                page = await context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda err, errors=errors: ours(err, errors))
                await log_in(page, panel_hass.url)
                page.errors = errors
                made[name] = page
            yield made
        finally:
            await browser.close()


def ours(err: Any, errors: list[str]) -> None:
    """Keep the page's uncaught errors raised in the Studio's own files."""
    if "stream_workflows_static" in f"{getattr(err, 'stack', '')}":
        errors.append(f"{err}")


async def shoot(pages: dict[str, Any], step: str) -> None:
    """Screenshots of every page in the light and the dark theme."""
    ARTEFACTS.mkdir(exist_ok=True)
    for name, page in pages.items():
        for dark in (False, True):
            await set_dark(page, dark)
            await page.wait_for_timeout(250)  # the flowchart re-reads the theme's colours
            theme = "dark" if dark else "light"
            await page.screenshot(path=str(ARTEFACTS / f"panel-{step}-{name}-{theme}.png"))
        await set_dark(page, False)


async def chart_state(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = await page.locator(CHART).evaluate(
        """el => ({
            nodes: el.cy ? el.cy.nodes().map(n => n.data('step')).filter(Boolean) : [],
            current: el.cy ? el.cy.nodes('.current').map(n => n.data('step')) : [],
            visited: el.cy ? el.cy.nodes('.visited').map(n => n.data('step')) : [],
            taken: el.cy ? el.cy.edges('.taken').map(e =>
                [e.source().data('step'), e.target().data('step'), e.data('label')]) : [],
        })"""
    )
    return result


async def wait_status(page: Any, status: str, within: float = 20_000) -> None:
    await page.locator(f"sw-workflow-view [data-sw='state'][data-status='{status}']").wait_for(
        timeout=within
    )


async def wait_current(page: Any, step: str, within: float = 20_000) -> None:
    await page.wait_for_function(
        """(step) => (window.__swFlowchart?.getAttribute('data-current') || '')
            .split(',').includes(step)""",
        arg=step,
        timeout=within,
    )


async def disabled_look(page: Any, selector: str) -> dict[str, Any]:
    """A button's computed fill and text colour, and the theme's primary and disabled colours."""
    look: dict[str, Any] = await page.locator(selector).evaluate(
        """el => {
            const probe = document.createElement('span');
            el.parentNode.appendChild(probe);
            probe.style.color = 'var(--primary-color)';
            const primary = getComputedStyle(probe).color;
            probe.style.color = 'var(--disabled-text-color, #9e9e9e)';
            const disabledColour = getComputedStyle(probe).color;
            probe.remove();
            const style = getComputedStyle(el);
            return {disabled: el.disabled, background: style.backgroundColor, color: style.color,
                    primary, disabled_colour: disabledColour};
        }"""
    )
    return look


async def record_highlights(page: Any) -> None:
    """Keep every value the flowchart's `data-current` takes, in order."""
    await page.locator(CHART).evaluate(
        """el => {
            window.__swSeen = [];
            new MutationObserver(() => window.__swSeen.push(el.getAttribute('data-current')))
                .observe(el, {attributes: true, attributeFilter: ['data-current']});
        }"""
    )


async def test_panel_follows_a_watched_rehearsal(
    panel_hass: PanelHass, pages: dict[str, Any]
) -> None:
    desktop, phone = pages["desktop"], pages["phone"]
    for page in pages.values():
        await page.goto(f"{panel_hass.url}/stream-workflows")
        await page.locator(f"stream-workflows-panel .row[data-id='{RAID}']").wait_for(
            timeout=30_000
        )
    row = desktop.locator(f"stream-workflows-panel .row[data-id='{RAID}']")
    assert "Channel Raid Workflow" in await row.inner_text()
    assert await row.get_attribute("data-status") == "idle"
    # The phone gets the stacked layout and its own menu button, which opens HA's sidebar.
    await phone.evaluate(
        "window.__menu = 0; window.addEventListener('hass-toggle-menu', () => window.__menu++)"
    )
    await phone.locator("stream-workflows-panel #menu").click()
    assert await phone.evaluate("window.__menu") == 1
    await phone.locator("aside.mdc-drawer--open").wait_for(timeout=5_000)
    await phone.reload()  # a fresh page: the sidebar closed again
    await phone.locator(f"stream-workflows-panel .row[data-id='{RAID}']").wait_for(timeout=30_000)
    await shoot(pages, "01-list")

    # The raid workflow's page: its flowchart, every state a node.
    for page in pages.values():
        await page.locator(f"stream-workflows-panel .row[data-id='{RAID}']").click()
        await page.wait_for_function(
            "() => window.__swFlowchart?.cy?.nodes().length > 0", timeout=30_000
        )
    drawn = await chart_state(desktop)
    assert drawn["nodes"] == [s for s in drawn["nodes"] if s in RAID_STATES]
    assert set(drawn["nodes"]) == set(RAID_STATES)
    assert drawn["current"] == []
    await shoot(pages, "02-flowchart")

    # A watched rehearsal: the highlight moves state by state, then counts the wait down.
    for page in pages.values():
        await record_highlights(page)
    await desktop.locator("sw-workflow-view #rehearse").click()
    # The raid workflow uses `raid_target` without declaring it: the refusal opens the form.
    error = desktop.locator("sw-workflow-view #error")
    await error.wait_for(timeout=10_000)
    assert "raid_target" in await error.inner_text()
    await desktop.locator("sw-workflow-view textarea[name='__variables']").fill(
        '{"raid_target": "a_friend"}'
    )
    await desktop.locator("sw-workflow-view #form-go").click()
    for page in pages.values():
        await wait_current(page, "wait_for_raid")
    seen = [value for value in await desktop.evaluate("window.__swSeen") if value]
    assert seen[-1] == "wait_for_raid"
    order = [RAID_STATES.index(value) for value in seen]
    assert order == sorted(order), seen
    # The first two states take no time in a rehearsal and each subscribe event carries the
    # run as it is when sent (studio-backend's live_of), so the highlight may land on the wait
    # at once; the path shows the states it went through.
    state = await chart_state(desktop)
    assert state["current"] == ["wait_for_raid"]
    assert {"prepare_raid", "announce_raid"} <= set(state["visited"])
    # (No countdown here yet: no subscribe event carries the wait's end, see the report.)
    assert await desktop.locator("sw-workflow-view .chip").first.inner_text() == "rehearsal"
    await shoot(pages, "03-rehearsal")
    # While it runs, Run is disabled and looks it, in both themes: no primary fill.
    for page in pages.values():
        for dark in (False, True):
            await set_dark(page, dark)
            look = await disabled_look(page, "sw-workflow-view #run")
            assert look["disabled"], look
            assert look["background"] in ("rgba(0, 0, 0, 0)", "transparent"), look
            assert look["color"] == look["disabled_colour"] != look["primary"], look
        await set_dark(page, False)

    # Pause and resume.
    await desktop.locator("sw-workflow-view #pause").click()
    for page in pages.values():
        await wait_status(page, "paused")
    label = await phone.locator(CHART).evaluate(
        "el => el.cy.getElementById('wait_for_raid').data('display')"
    )
    assert "paused" in label, label
    await shoot(pages, "04-paused")
    await phone.locator("sw-workflow-view #resume").click()
    for page in pages.values():
        await wait_status(page, "running")
        await wait_current(page, "wait_for_raid")
    await shoot(pages, "05-resumed")

    # Cancel asks first, then takes the cancel route to end_stream.
    await desktop.locator("sw-workflow-view #cancel").click()
    await desktop.locator("sw-workflow-view #cancel-yes").wait_for()
    await shoot({"desktop": desktop}, "06-cancel-confirm")
    await desktop.locator("sw-workflow-view #cancel-yes").click()
    for page in pages.values():
        ended = ":not([data-status='running']):not([data-status='paused'])"
        await page.locator(f"sw-workflow-view [data-sw='state']{ended}").wait_for(timeout=20_000)
    status = await desktop.locator("sw-workflow-view [data-sw='state']").get_attribute(
        "data-status"
    )
    assert status == "cancelled", status
    state = await chart_state(desktop)
    assert state["current"] == []
    assert ["wait_for_raid", "end_stream", "cancel"] in state["taken"], state["taken"]
    assert "execute_raid" not in state["visited"]
    await shoot(pages, "07-cancelled")

    # The finished run in the history draws its path.
    for page in pages.values():
        first = page.locator("sw-workflow-view .runs li").first
        await first.wait_for(timeout=20_000)
        assert "wait_for_raid → end_stream" in await first.inner_text()
        await first.click()
        await page.locator("sw-workflow-view #detail").wait_for(timeout=20_000)
    detail = await desktop.locator("sw-workflow-view [data-sw='detail-path']").inner_text()
    assert detail.split(" → ") == ["prepare_raid", "announce_raid", "wait_for_raid", "end_stream"]
    steps = await desktop.locator("sw-workflow-view #detail [data-step]").evaluate_all(
        "rows => rows.map(r => r.dataset.step)"
    )
    assert steps[:3] == ["prepare_raid", "announce_raid", "wait_for_raid"]
    # The run's detail is readable at both widths: nothing runs off sideways and each step's
    # parameters get a real width.
    for name, page in pages.items():
        room = await page.locator("sw-workflow-view #detail").evaluate(
            """card => ({
                overflow: card.scrollWidth - card.clientWidth,
                pres: [...card.querySelectorAll('[data-step] pre')]
                    .map(p => p.getBoundingClientRect().width),
            })"""
        )
        assert room["overflow"] <= 1, (name, room)
        assert room["pres"], (name, room)
        assert min(room["pres"]) >= 250, (name, room)
    state = await chart_state(desktop)
    assert set(state["visited"]) == {"prepare_raid", "announce_raid", "wait_for_raid", "end_stream"}
    assert ["wait_for_raid", "end_stream", "cancel"] in state["taken"]
    await shoot(pages, "08-history")
    await asyncio.sleep(0)
    for name, page in pages.items():
        assert page.errors == [], f"{name}: {page.errors}"
