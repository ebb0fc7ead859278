"""studio/panel.py in process: the static files, the panel and the card's module."""

from __future__ import annotations

from typing import Any

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL, DATA_PANELS
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from custom_components.stream_workflows.studio.panel import (
    FRONTEND_DIR,
    PANEL_URL_PATH,
    async_register_frontend,
    async_unregister_frontend,
    frontend_version,
)


async def _set_up(hass: HomeAssistant) -> None:
    assert await async_setup_component(hass, "http", {})
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, "panel_custom", {})


def _card_urls(hass: HomeAssistant) -> list[str]:
    return [url for url in hass.data[DATA_EXTRA_MODULE_URL].urls if "stream_workflows" in url]


async def test_register_is_idempotent_and_unregister_removes(
    hass: HomeAssistant, hass_client: Any
) -> None:
    await _set_up(hass)
    await async_register_frontend(hass)
    await async_register_frontend(hass)  # an entry reload: no error, no second card
    panel = hass.data[DATA_PANELS][PANEL_URL_PATH]
    config = panel.to_response()
    assert config["title"] == "Stream Workflows"
    assert config["icon"] == "mdi:state-machine"
    assert config["require_admin"] is False
    assert config["config"] is not None
    custom = config["config"]["_panel_custom"]
    version = frontend_version()
    assert custom["name"] == "stream-workflows-panel"
    assert custom["module_url"] == f"/stream_workflows_static/panel/panel.js?v={version}"
    assert _card_urls(hass) == [
        f"/stream_workflows_static/card/stream-workflow-card.js?v={version}"
    ]

    client = await hass_client()
    resp = await client.get("/stream_workflows_static/panel/panel.js")
    assert resp.status == 200
    assert "javascript" in resp.headers["Content-Type"]
    assert "stream-workflows-panel" in await resp.text()
    resp = await client.get("/stream_workflows_static/vendor/cytoscape/cytoscape.esm.min.mjs")
    assert resp.status == 200
    assert "javascript" in resp.headers["Content-Type"]

    async_unregister_frontend(hass)
    assert PANEL_URL_PATH not in hass.data[DATA_PANELS]
    assert _card_urls(hass) == []
    async_unregister_frontend(hass)  # a second unload does nothing


def test_version_follows_the_files(tmp_path: Any) -> None:
    (tmp_path / "a.js").write_text("one")
    first = frontend_version(tmp_path)
    assert first == frontend_version(tmp_path)
    (tmp_path / "a.js").write_text("two")
    assert frontend_version(tmp_path) != first
    assert len(frontend_version(FRONTEND_DIR)) == 12


def test_vendored_libraries_are_listed_with_their_licences() -> None:
    vendor = FRONTEND_DIR / "vendor"
    lines = [
        line
        for line in (vendor / "VERSIONS").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    targets = {line.split(" -> ")[1] for line in lines}
    for name in ("cytoscape", "dagre", "cytoscape-dagre"):
        assert f"{name}/LICENSE" in targets
        assert "Permission is hereby granted" in (vendor / name / "LICENSE").read_text()
    for target in targets:
        assert (vendor / target).is_file(), target
    size = sum((vendor / t).stat().st_size for t in targets)
    assert size < 800_000, size  # minified builds only
