"""Fixtures for the Home Assistant integration tests (real core, in process)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import CONF_FOLDER, DOMAIN

WORKFLOWS = Path(__file__).parents[2] / "workflows"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load this repository's integration."""


@pytest.fixture
def config_dir(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A configuration directory of the test's own, with an empty workflow folder."""
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "stream_workflows").mkdir()
    return tmp_path


@pytest.fixture
def workflow_folder(config_dir: Path) -> Path:
    return config_dir / "stream_workflows"


@pytest.fixture
def write_workflow(workflow_folder: Path) -> Callable[[str, Any], Path]:
    """Write a workflow file (a dict is dumped as JSON, a string written as is)."""

    def write(name: str, content: Any) -> Path:
        path = workflow_folder / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return path

    return write


@pytest.fixture
def seed_workflows(workflow_folder: Path) -> Path:
    """The seed's three workflows, copied unchanged."""
    for name in ("raid_workflow.json", "stream_end_processing.json", "stream_start_sequence.json"):
        shutil.copy(WORKFLOWS / name, workflow_folder / name)
    return workflow_folder


@pytest.fixture
def mock_entry() -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Stream Workflows",
        data={CONF_FOLDER: "stream_workflows"},
        options={"variables": {"config": {"discord_channel_id": "123456789012345678"}}},
        entry_id="stream_workflows_entry",
        unique_id="core",
    )


@pytest.fixture
async def setup_entry(
    hass: HomeAssistant, config_dir: Path, mock_entry: MockConfigEntry
) -> Callable[[], Any]:
    """Set the integration up (call after writing workflow files)."""

    async def setup() -> MockConfigEntry:
        mock_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_entry.entry_id)
        await hass.async_block_till_done()
        return mock_entry

    return setup
