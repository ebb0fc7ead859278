"""Fixtures for the language tests: the integration tests' own (real core, in process)."""

from tests.integration.conftest import (  # noqa: F401
    auto_enable_custom_integrations,
    config_dir,
    mock_entry,
    seed_workflows,
    setup_entry,
    workflow_folder,
    write_workflow,
)
