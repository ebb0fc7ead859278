"""Screenshots of the Studio's Describe box, from a real Home Assistant 2026.2 (the first with
AI Task here) with the real Ollama integration on the local scripted server:
`.venv-compat/bin/python -m tests.language.describe_screens [OUT_DIR]`.

2026.2.3's `hass` refuses this machine's Python 3.13.0 by its version check only (its code runs
on it), so this starts it through a wrapper that skips that check. Ollama and its AI Task
sub-entry are added through their config flows over REST, as a person adds them. The shots go
to tests/studio/artefacts/ (git-ignored) unless OUT_DIR is given.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from local_peers.ollama_server import MODEL, OllamaServer
from tests.bridge import hass_process
from tests.studio.browser_hass import ARTEFACTS, DESKTOP, PHONE, logged_in_page, rest
from tests.studio.panel_hass import PanelHass

REPO = Path(__file__).resolve().parents[2]
COMPAT_PYTHON = REPO / ".venv-compat" / "bin" / "python"
SENTENCE = (
    "When I go live, switch to Starting Soon, tell Discord, wait five minutes and switch to Main"
)
GO_LIVE: dict[str, Any] = {
    "id": "go_live",
    "name": "Go live",
    "description": "Starting Soon, a Discord note, five minutes, then Main",
    "steps": [
        {
            "id": "starting_soon",
            "service": "obs",
            "action": "set_current_scene",
            "params": {"scene_name": "Starting Soon"},
        },
        {
            "id": "tell_discord",
            "service": "discord",
            "action": "send_channel_message",
            "params": {"message": "We are live! Come and watch."},
        },
        {"id": "countdown", "service": "internal", "action": "wait", "params": {"seconds": 300}},
        {
            "id": "main",
            "service": "obs",
            "action": "set_current_scene",
            "params": {"scene_name": "Main"},
        },
    ],
}
SUMMARY = "Switches to Starting Soon, tells Discord, waits five minutes, then switches to Main."
WRONG = {**GO_LIVE, "steps": [{**GO_LIVE["steps"][2], "action": "sleep"}, GO_LIVE["steps"][3]]}


def compat_hass(folder: Path) -> Path:
    """A `hass` that runs .venv-compat's Home Assistant without its Python version check."""
    wrapper = folder / "compat-hass"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'exec "{COMPAT_PYTHON}" -c "import sys, homeassistant.__main__ as m; '
        'm.validate_python = lambda: None; sys.exit(m.main())" "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


async def add_ollama(proc: PanelHass, url: str) -> None:
    flow = await rest(proc, "POST", "/api/config/config_entries/flow", {"handler": "ollama"})
    done = await rest(
        proc, "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", {"url": url}
    )
    assert done["type"] == "create_entry", done
    entry_id = done["result"]["entry_id"]
    sub = await rest(
        proc,
        "POST",
        "/api/config/config_entries/subentries/flow",
        {"handler": [entry_id, "ai_task_data"]},
    )
    made = await rest(
        proc,
        "POST",
        f"/api/config/config_entries/subentries/flow/{sub['flow_id']}",
        {"model": MODEL},
    )
    assert made["type"] == "create_entry", made


@asynccontextmanager
async def compat_hass_with_ollama() -> AsyncIterator[tuple[PanelHass, OllamaServer]]:
    """A real Home Assistant 2026.2 with Stream Workflows, Ollama and its AI Task entity."""
    server = OllamaServer()
    await server.start()
    with tempfile.TemporaryDirectory(prefix="describe-") as tmp:
        hass_process.HASS = compat_hass(Path(tmp))
        proc = PanelHass(Path(tmp) / "config")
        try:
            await asyncio.to_thread(proc.start, 240.0)
            await add_ollama(proc, server.url)
            yield proc, server
        finally:
            proc.stop()
            hass_process.HASS = REPO / ".venv" / "bin" / "hass"
            await server.stop()


async def describe(page: Any, server: OllamaServer, text: str, answers: list[Any]) -> Any:
    """Type `text` into the Describe box, the model answering `answers`; the box."""
    box = page.locator("sw-describe[ready]")
    await box.wait_for(timeout=30_000)
    server.script = [{"json": answer} for answer in answers]
    await box.locator("textarea").fill(text)
    await box.locator("#draft").click()
    await box.locator(".result .title").wait_for(timeout=60_000)
    return box


async def shots(out: Path) -> list[Path]:
    made: list[Path] = []
    async with compat_hass_with_ollama() as (proc, server):
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            async with logged_in_page(proc, viewport=viewport, dark=False) as page:
                await page.goto(f"{proc.url}/stream-workflows", wait_until="networkidle")
                box = await describe(
                    page, server, SENTENCE, [{"definition": GO_LIVE, "summary": SUMMARY}]
                )
                await box.locator("sw-flowchart").wait_for(timeout=30_000)
                await page.wait_for_timeout(800)  # the flowchart's layout settles
                made.append(out / f"describe-{name}-valid.png")
                await page.screenshot(path=str(made[-1]))
                await describe(page, server, "wait a bit, then Main", [{"definition": WRONG}] * 2)
                made.append(out / f"describe-{name}-problems.png")
                await page.screenshot(path=str(made[-1]))
                if page.sw_errors:
                    print(name, "page errors:", page.sw_errors, file=sys.stderr)
    return made


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ARTEFACTS
    out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shots(out)):
        print(path)


if __name__ == "__main__":
    main()
