"""Fixtures for the language tests: the integration tests' own (real core, in process) and
the local Ollama server."""

from tests.integration.conftest import (  # noqa: F401
    auto_enable_custom_integrations,
    config_dir,
    mock_entry,
    seed_workflows,
    setup_entry,
    workflow_folder,
    write_workflow,
)

from .ollama_agent import ollama_server  # noqa: F401
