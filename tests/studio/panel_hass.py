"""A real `hass` with Home Assistant's web interface for the Studio panel's browser test, the
panel latency bench and the screenshot script.

`PanelHass` is the bridge tests' `HassProcess` (tests/bridge/hass_process.py) with the real
frontend (the `home-assistant-frontend` wheel) instead of its empty stand-in, onboarding done, the
repository's raid workflow and a test workflow made for watching. Like the bridge tests it runs
.venv's `hass` (Home Assistant 2025.4.4) under either venv: 2026.2.3's `hass` refuses to start on
this machine's Python 3.13.0. `log_in` signs a headless Chromium page in through Home
Assistant's own login form.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.bridge.hass_process import PASSWORD, USER, HassProcess

REPO = Path(__file__).resolve().parents[2]
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
RAID = "raid_workflow"
# Many short states in a row: the latency bench watches the panel follow each of them.
STEPS_WORKFLOW = "panel_steps"


def steps_workflow_yaml(count: int, seconds: float) -> str:
    lines = [f"id: {STEPS_WORKFLOW}", "name: Panel steps", "steps:"]
    for index in range(count):
        lines += [
            f"  - id: s{index:03d}",
            "    service: internal",
            "    action: wait",
            "    params:",
            f"      seconds: {seconds}",
        ]
    return "\n".join(lines) + "\n"


class PanelHass(HassProcess):
    """`HassProcess` with the real web interface and the Studio's test workflows."""

    def __init__(self, config_dir: Path, *, steps: int = 120, step_seconds: float = 0.15) -> None:
        super().__init__(config_dir)
        self.steps = steps
        self.step_seconds = step_seconds

    def write_config(self) -> None:
        super().write_config()
        cfg = self.config_dir
        text = (cfg / "configuration.yaml").read_text()
        fake = f"frontend:\n  development_repo: {cfg / 'fake_frontend'}\n"
        assert fake in text, "the bridge's configuration changed: update PanelHass"
        (cfg / "configuration.yaml").write_text(text.replace(fake, "frontend:\n"))
        folder = cfg / "stream_workflows"
        (folder / "raid_workflow.json").write_text(
            (REPO / "workflows" / "raid_workflow.json").read_text()
        )
        (folder / f"{STEPS_WORKFLOW}.yaml").write_text(
            steps_workflow_yaml(self.steps, self.step_seconds)
        )
        storage = cfg / ".storage"
        storage.mkdir(exist_ok=True)
        (storage / "onboarding").write_text(
            json.dumps(
                {
                    "version": 4,
                    "minor_version": 1,
                    "key": "onboarding",
                    "data": {"done": ["user", "core_config", "analytics", "integration"]},
                }
            )
        )


async def log_in(page: Any, base_url: str) -> None:
    """Sign in through Home Assistant's login page, as a person does."""
    await page.goto(f"{base_url}/", wait_until="domcontentloaded")
    await page.wait_for_url("**/auth/authorize**", timeout=30_000)
    username = page.locator("input[name='username'], input[autocomplete='username']").first
    await username.wait_for(timeout=30_000)
    await username.fill(USER)
    password = page.locator("input[name='password'], input[type='password']").first
    await password.fill(PASSWORD)
    await password.press("Enter")
    await page.wait_for_url(lambda url: "/auth/authorize" not in url, timeout=30_000)
    await page.wait_for_function(
        "() => document.querySelector('home-assistant')?.hass?.connected === true",
        timeout=60_000,
    )


async def set_dark(page: Any, dark: bool) -> None:
    """Switch Home Assistant's own theme mode for this browser (the user's theme setting)."""
    await page.evaluate(
        """async (dark) => {
            const ha = document.querySelector('home-assistant');
            ha.dispatchEvent(new CustomEvent('settheme',
                {detail: {dark}, bubbles: true, composed: true}));
            localStorage.setItem('selectedTheme', JSON.stringify({dark}));
        }""",
        dark,
    )
    await page.wait_for_function(
        "(dark) => document.querySelector('home-assistant').hass.themes.darkMode === dark",
        arg=dark,
        timeout=10_000,
    )
