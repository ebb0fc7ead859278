"""The Studio's web files: the sidebar panel "Stream Workflows" and the dashboard card.

`async_register_frontend` serves `frontend/` at `/stream_workflows_static`, registers the panel
(`panel_custom`, url path `stream-workflows`) and adds the card's module to every page of the
web interface, so nobody adds a resource by hand. Static routes cannot be removed from a
running aiohttp app, so they are registered once per Home Assistant run; the panel and the card
are added on every entry setup and removed by `async_unregister_frontend` on unload.
URLs carry `?v=<hash of the frontend files>` so that a browser never runs stale files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components import frontend, panel_custom
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant, callback

from ..data_keys import CARD_URL, STATIC_PATHS

FRONTEND_DIR = Path(__file__).resolve().parent.parent / "frontend"
STATIC_URL = "/stream_workflows_static"
PANEL_URL_PATH = "stream-workflows"
PANEL_TITLE = "Stream Workflows"
PANEL_ICON = "mdi:state-machine"
PANEL_ELEMENT = "stream-workflows-panel"
PANEL_MODULE = "panel/panel.js"
CARD_MODULE = "card/stream-workflow-card.js"


def frontend_version(root: Path = FRONTEND_DIR) -> str:
    """A short hash of every file under `root` (names and contents): the cache buster."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


async def async_register_frontend(hass: HomeAssistant) -> None:
    """Serve the files, register the panel and load the card; safe to call again."""
    version = await hass.async_add_executor_job(frontend_version)
    if not hass.data.get(STATIC_PATHS):
        await hass.http.async_register_static_paths(
            [StaticPathConfig(STATIC_URL, str(FRONTEND_DIR), cache_headers=False)]
        )
        hass.data[STATIC_PATHS] = True
    async_unregister_frontend(hass)
    await panel_custom.async_register_panel(
        hass,
        frontend_url_path=PANEL_URL_PATH,
        webcomponent_name=PANEL_ELEMENT,
        sidebar_title=PANEL_TITLE,
        sidebar_icon=PANEL_ICON,
        module_url=f"{STATIC_URL}/{PANEL_MODULE}?v={version}",
        embed_iframe=False,
        require_admin=False,
    )
    card_url = f"{STATIC_URL}/{CARD_MODULE}?v={version}"
    frontend.add_extra_js_url(hass, card_url, es5=False)
    hass.data[CARD_URL] = card_url


@callback
def async_unregister_frontend(hass: HomeAssistant) -> None:
    """Remove the panel and the card's module (the static files stay served)."""
    frontend.async_remove_panel(hass, PANEL_URL_PATH, warn_if_unknown=False)
    if (card_url := hass.data.pop(CARD_URL, None)) is not None:
        frontend.remove_extra_js_url(hass, card_url, es5=False)
