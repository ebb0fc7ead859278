"""The README's screenshots of the Studio panel, taken from the running demo (`scripts/develop`).

Logs in as the demo user through Home Assistant's login page in headless Chromium and saves, in
the light theme unless named dark: the list of workflows, the raid workflow's flowchart, the demo
countdown during a watched rehearsal (highlight and countdown), the same on a phone (390 x 844)
and in the dark theme, and the finished run's detail from the history.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.studio.panel_hass import CHROMIUM, CHROMIUM_ARGS, set_dark  # noqa: E402

USER, PASSWORD = "demo", "demo"
DESKTOP: Any = {"width": 1280, "height": 800}
PHONE: Any = {"width": 390, "height": 844}
WATCHED = "demo_countdown"


async def log_in(page: Any, url: str) -> None:
    await page.goto(f"{url}/", wait_until="domcontentloaded")
    await page.wait_for_url("**/auth/authorize**", timeout=30_000)
    await page.locator("input[name='username']").first.fill(USER)
    password = page.locator("input[name='password'], input[type='password']").first
    await password.fill(PASSWORD)
    await password.press("Enter")
    await page.wait_for_function(
        "() => document.querySelector('home-assistant')?.hass?.connected === true",
        timeout=60_000,
    )


async def open_workflow(page: Any, url: str, workflow_id: str) -> None:
    await page.goto(f"{url}/stream-workflows/{workflow_id}")
    await page.wait_for_function(
        "() => window.__swFlowchart?.cy?.nodes().length > 0", timeout=30_000
    )
    await page.wait_for_timeout(500)


async def take(url: str, out: Path) -> list[Path]:
    from playwright.async_api import async_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    async def shot(page: Any, name: str) -> None:
        path = out / f"panel-{name}.png"
        await page.screenshot(path=str(path))
        saved.append(path)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            desk = await (await browser.new_context(viewport=DESKTOP)).new_page()
            phone = await (await browser.new_context(viewport=PHONE)).new_page()
            for page in (desk, phone):
                await log_in(page, url)
            await desk.goto(f"{url}/stream-workflows")
            await desk.locator("stream-workflows-panel .row[data-id]").first.wait_for()
            await desk.wait_for_timeout(500)
            await shot(desk, "list")
            await open_workflow(desk, url, "raid_workflow")
            await shot(desk, "flowchart")
            await open_workflow(desk, url, WATCHED)
            await open_workflow(phone, url, WATCHED)
            await desk.locator("sw-workflow-view #rehearse").click()
            if await desk.locator("sw-workflow-view #form-go").count():
                await desk.locator("sw-workflow-view #form-go").click()
            await desk.wait_for_function(
                "() => (window.__swFlowchart?.getAttribute('data-current') || '') === 'counting'",
                timeout=30_000,
            )
            await phone.wait_for_function(
                "() => (window.__swFlowchart?.getAttribute('data-current') || '') === 'counting'",
                timeout=30_000,
            )
            await desk.wait_for_timeout(1200)
            await shot(desk, "live")
            await shot(phone, "phone")
            await set_dark(desk, True)
            await desk.wait_for_timeout(400)
            await shot(desk, "live-dark")
            await set_dark(desk, False)
            await desk.locator("sw-workflow-view #cancel").click()
            await desk.locator("sw-workflow-view #cancel-yes").click()
            first = desk.locator("sw-workflow-view .runs li").first
            await desk.wait_for_function(
                """() => !['running', 'paused'].includes(
                    window.__swFlowchart?.getRootNode().host
                        ?.shadowRoot.querySelector("[data-sw='state']")?.dataset.status)""",
                timeout=30_000,
            )
            await desk.wait_for_timeout(800)
            await first.click()
            await desk.locator("sw-workflow-view #detail").wait_for()
            await desk.wait_for_timeout(500)
            await shot(desk, "history")
        finally:
            await browser.close()
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    for path in asyncio.run(take(args.url.rstrip("/"), args.out)):
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
