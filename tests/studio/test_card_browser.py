"""The dashboard card in headless Chromium against a real `hass` with its real web interface.

A Lovelace dashboard in storage mode (made over the websocket API as the dashboard editor makes
one) holds `custom:stream-workflow-card`s; the card is loaded by the integration itself (no
resource added). On a 390 x 844 phone (and a 1280 x 800 desktop), light and dark: run a
workflow, see its state change and its wait count down, cancel it after confirming.
Screenshots of each step go to tests/studio/artefacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser_hass import (
    LOOKS,
    eventually,
    frontend_missing,
    logged_in_page,
    shoot,
    workflow_sensor,
)
from .panel_hass import RAID, PanelHass

WORKFLOW = "bridge_test"  # its first action, then an hour's wait (tests/bridge/hass_process.py)
DASHBOARD = "stream-live"

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(frontend_missing() is not None, reason=str(frontend_missing())),
]


@pytest.fixture(scope="module")
def hass_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PanelHass]:
    import pytest_socket  # type: ignore[import-untyped]

    pytest_socket.enable_socket()
    proc = PanelHass(tmp_path_factory.mktemp("card") / "config", steps=3, step_seconds=1.0)
    try:
        proc.start()
        yield proc
    finally:
        proc.stop()


async def make_dashboard(proc: PanelHass) -> None:
    dashboards = await proc.command({"type": "lovelace/dashboards/list"})
    if not any(d["url_path"] == DASHBOARD for d in dashboards):
        await proc.command(
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD,
                "title": "Going live",
                "icon": "mdi:broadcast",
                "mode": "storage",
                "show_in_sidebar": True,
                "require_admin": False,
            }
        )
    await proc.command(
        {
            "type": "lovelace/config/save",
            "url_path": DASHBOARD,
            "config": {
                "title": "Going live",
                "views": [
                    {
                        "title": "Live",
                        "path": "live",
                        "cards": [
                            {"type": "custom:stream-workflow-card", "workflow_id": WORKFLOW},
                            {
                                "type": "custom:stream-workflow-card",
                                "workflow_id": RAID,
                                "show_flowchart": True,
                            },
                        ],
                    }
                ],
            },
        }
    )


async def cancel_runs(proc: PanelHass) -> None:
    """Cancel the test workflow's run left by a previous test, if there is one."""
    sensor = await workflow_sensor(proc, WORKFLOW)
    if sensor is None or sensor["attributes"].get("status") not in ("running", "paused"):
        return
    await proc.command(
        {
            "type": "call_service",
            "domain": "stream_workflows",
            "service": "cancel",
            "service_data": {"workflow_id": WORKFLOW},
        }
    )


def card(page: Any, workflow_id: str) -> Any:
    """The card showing `workflow_id` (Playwright's CSS goes through shadow roots)."""
    return page.locator("stream-workflow-card").filter(
        has=page.locator(f"[data-wid='{workflow_id}']")
    )


@pytest.mark.parametrize(("look", "viewport", "dark"), LOOKS, ids=[look[0] for look in LOOKS])
async def test_card_runs_and_cancels(
    hass_web: PanelHass, look: str, viewport: dict[str, int], dark: bool
) -> None:
    await make_dashboard(hass_web)
    await cancel_runs(hass_web)
    async with logged_in_page(hass_web, viewport=viewport, dark=dark) as page:
        await page.goto(f"{hass_web.url}/{DASHBOARD}/live", wait_until="domcontentloaded")
        ours = card(page, WORKFLOW)
        await ours.locator(".name").wait_for(timeout=30_000)
        assert await ours.locator(".name").inner_text() == "Bridge Test"
        raid = card(page, RAID)
        # the optional flowchart: studio-panel's <sw-flowchart compact>, imported on demand
        await raid.locator("sw-flowchart[compact]").wait_for(timeout=30_000)
        await page.wait_for_timeout(500)  # let the layout settle for the screenshot
        await shoot(page, f"card-{look}-1-idle")

        await ours.locator("button[data-action=run]").click()
        state = ours.locator("[data-testid=state]")
        await state.filter(has_text="wait_step").wait_for(timeout=30_000)
        assert (await ours.locator("[data-testid=status]").inner_text()) == "Running"
        countdown = ours.locator("[data-testid=countdown]")
        await countdown.filter(has_text=":").wait_for(timeout=10_000)  # "Waiting 59:58"
        sensor = await workflow_sensor(hass_web, WORKFLOW)
        assert sensor is not None
        assert sensor["state"] == "wait_step"
        await shoot(page, f"card-{look}-2-running")

        await ours.locator("button[data-action=cancel]").click()
        confirm = ours.locator("[role=alertdialog]")
        await confirm.wait_for(timeout=5_000)
        assert "Cancel this run?" in await confirm.inner_text()
        await shoot(page, f"card-{look}-3-confirm")
        await ours.locator("button[data-action=confirm-cancel]").click()
        await (
            ours.locator("[data-testid=status]")
            .filter(has_text="Cancelled")
            .wait_for(timeout=30_000)
        )

        async def cancelled() -> bool:
            sensor = await workflow_sensor(hass_web, WORKFLOW)
            return sensor is not None and sensor["state"] == "cancelled"

        await eventually(cancelled, what="the sensor to say cancelled")
        assert await ours.locator("button[data-action=run]").is_visible()
        await shoot(page, f"card-{look}-4-cancelled")
        assert not page.sw_errors, page.sw_errors


async def test_card_editor_and_stub(hass_web: PanelHass) -> None:
    """The card's stub config picks a workflow; its visual editor fires `config-changed`."""
    async with logged_in_page(hass_web, viewport={"width": 390, "height": 844}, dark=False) as page:
        await page.goto(f"{hass_web.url}/{DASHBOARD}/live", wait_until="domcontentloaded")
        await page.wait_for_function(
            "() => !!customElements.get('stream-workflow-card')", timeout=30_000
        )
        # The stub reads the states the frontend has: wait until they reached it (a card
        # picker opens on a loaded dashboard; right after `goto` they may still be coming).
        await page.wait_for_function(
            """() => Object.values(document.querySelector('home-assistant')?.hass?.states || {})
                .some((s) => s.entity_id.startsWith('sensor.')
                    && typeof s.attributes?.workflow_id === 'string')""",
            timeout=30_000,
        )
        result = await page.evaluate(
            """async () => {
                const Card = customElements.get('stream-workflow-card');
                const hass = document.querySelector('home-assistant').hass;
                const stub = Card.getStubConfig(hass);
                const editor = await Card.getConfigElement();
                editor.hass = hass;
                editor.setConfig(stub);
                document.body.append(editor);
                const changed = new Promise((resolve) =>
                    editor.addEventListener('config-changed', (ev) => resolve(ev.detail.config)));
                await new Promise((r) => setTimeout(r, 500));
                const select = editor.shadowRoot.getElementById('workflow_id');
                const ids = [...select.options].map((o) => o.value).filter(Boolean);
                editor.shadowRoot.getElementById('show_flowchart').click();
                const config = await changed;
                const cards = (window.customCards || [])
                    .filter((c) => c.type === 'stream-workflow-card');
                const preview = cards[0] && cards[0].preview;
                return {stub, ids, config, cards: cards.length, preview};
            }"""
        )
    assert result["stub"]["workflow_id"] in result["ids"]
    assert {WORKFLOW, RAID} <= set(result["ids"])
    assert result["config"] == {
        "workflow_id": result["stub"]["workflow_id"],
        "show_flowchart": True,
    }
    assert result["cards"] == 1
    assert result["preview"] is True
