"""The Describe box in headless Chromium, on a real Home Assistant 2026.2 `hass` (AI Task) with
the real Ollama integration on the local scripted server: a sentence → the draft's flowchart,
nothing saved; "Open in editor" opens it in the editor; "Save" saves it; the box is absent
where there is no AI Task (Home Assistant 2025.4: the environment decides, see below)."""

from __future__ import annotations

import pytest

from custom_components.stream_workflows.studio.panel import STATIC_URL
from tests.studio.browser_hass import DESKTOP, frontend_missing, logged_in_page, rest, shoot

from .describe_screens import GO_LIVE, SENTENCE, SUMMARY, compat_hass_with_ollama, describe
from .ollama_agent import has_subentries

pytestmark = [
    pytest.mark.usefixtures("socket_enabled"),
    pytest.mark.skipif(
        not has_subentries(), reason="AI Task needs Home Assistant 2025.8+: run on .venv-compat"
    ),
    pytest.mark.skipif(frontend_missing() is not None, reason=str(frontend_missing())),
]


async def test_describe_open_in_editor_and_save() -> None:
    async with (
        compat_hass_with_ollama() as (proc, server),
        logged_in_page(proc, viewport=DESKTOP, dark=True) as page,
    ):
        ours: list[str] = []  # errors thrown by our files (the frontend has its own noise)
        page.on(
            "pageerror",
            lambda err: ours.append(err.stack or err.message)
            if STATIC_URL in (err.stack or "")
            else None,
        )
        await page.goto(f"{proc.url}/stream-workflows", wait_until="networkidle")
        box = await describe(page, server, SENTENCE, [{"definition": GO_LIVE, "summary": SUMMARY}])
        assert await box.locator(".title .name").text_content() == "Go live"
        assert await box.locator(".chip.valid").count() == 1
        chart = box.locator("sw-flowchart")
        await chart.wait_for()
        steps = await chart.evaluate("el => el.cy.nodes().map(n => n.data('step'))")
        assert {"starting_soon", "tell_discord", "countdown", "main"} <= set(steps)
        await shoot(page, "describe-desktop-dark")
        states = await rest(proc, "GET", "/api/states")
        assert not any(s["entity_id"].startswith("switch.go_live") for s in states)

        await box.locator("[data-act=open]").click()
        editor = page.locator("sw-editor")
        await editor.locator("h1").wait_for(timeout=30_000)
        assert await editor.locator("h1").text_content() == "Go live"
        assert page.url.endswith("/stream-workflows/new")

        await page.go_back()
        box = page.locator("sw-describe[ready]")
        await box.locator("[data-act=save]").click()
        await box.locator("[data-act=goto]").wait_for(timeout=30_000)
        assert "Saved as go_live" in (await box.locator(".note").text_content() or "")
        await page.locator("sw-describe + main .row[data-id=go_live]").wait_for(timeout=30_000)
        assert ours == []
