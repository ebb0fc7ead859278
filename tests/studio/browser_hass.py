"""What the Studio's editor and card browser tests share, on top of studio-panel's
`tests/studio/panel_hass.py` (a real `hass` with the real web interface, onboarding done, and
Home Assistant's own login form): a Chromium with a light or dark colour scheme at a phone or
desktop viewport, screenshots into tests/studio/artefacts/ (git-ignored), and REST calls with
the test user's token.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.bridge.hass_process import HassProcess

from .panel_hass import CHROMIUM, CHROMIUM_ARGS, log_in, set_dark

ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# (viewport name, viewport, dark): every step is shot in each of these
LOOKS = [
    ("phone-light", PHONE, False),
    ("phone-dark", PHONE, True),
    ("desktop-light", DESKTOP, False),
    ("desktop-dark", DESKTOP, True),
]


def frontend_missing() -> str | None:
    """Why the real web interface cannot be shown here, or None."""
    try:
        import hass_frontend  # noqa: F401
    except ImportError:
        return "Home Assistant's web interface (home-assistant-frontend) is not installed"
    if not os.path.exists(CHROMIUM):
        return f"headless Chromium not installed ({CHROMIUM})"
    return None


@asynccontextmanager
async def logged_in_page(
    proc: HassProcess, *, viewport: dict[str, int], dark: bool
) -> AsyncIterator[Any]:
    """A Chromium page logged in to `proc` through the login form, in the theme mode asked."""
    playwright_api = pytest.importorskip("playwright.async_api", reason="playwright not installed")
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = await browser.new_context(
                viewport=viewport,
                color_scheme="dark" if dark else "light",
                has_touch=viewport["width"] < 600,
            )
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda err: errors.append(str(err)))
            page.sw_errors = errors
            await log_in(page, proc.url)
            # the theme settings arrive a moment after the connection
            await page.wait_for_function(
                "() => !!document.querySelector('home-assistant')?.hass?.themes", timeout=30_000
            )
            await set_dark(page, dark)
            yield page
        finally:
            await browser.close()


async def shoot(page: Any, name: str) -> Path:
    """A screenshot into tests/studio/artefacts/ (git-ignored)."""
    ARTEFACTS.mkdir(exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    await page.screenshot(path=str(path))
    return path


async def rest(proc: HassProcess, method: str, path: str, body: Any = None) -> Any:
    """One REST API call with the test token; its JSON answer."""
    headers = {"Authorization": f"Bearer {proc.token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.request(method, f"{proc.url}{path}", json=body) as resp,
    ):
        text = await resp.text()
        assert resp.status < 400, (resp.status, text)
        return await resp.json() if text else None


async def eventually[T](
    probe: Callable[[], Awaitable[T]], within: float = 30.0, what: str = "condition"
) -> T:
    """Bounded polling: `probe()` until it is truthy."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def workflow_sensor(proc: HassProcess, workflow_id: str) -> dict[str, Any] | None:
    """The workflow's state sensor from the REST API (found by its `workflow_id` attribute)."""
    for state in await rest(proc, "GET", "/api/states"):
        attributes = state.get("attributes", {})
        if (
            state["entity_id"].startswith("sensor.")
            and attributes.get("workflow_id") == workflow_id
        ):
            return dict(state)
    return None
