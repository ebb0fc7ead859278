"""End-to-end fixtures: the real Home Assistant core in process, a real headless OBS, and local
servers speaking Twitch's and Discord's wire formats."""

from __future__ import annotations

from tests.adapters.obs_fixture import obs_server, rtmp_url  # noqa: F401
from tests.integration.conftest import (  # noqa: F401
    auto_enable_custom_integrations,
    config_dir,
    mock_entry,
    seed_workflows,
    setup_entry,
    workflow_folder,
    write_workflow,
)
from tests.integration.test_twitch_connection import credentials, sign_in, twitch  # noqa: F401
