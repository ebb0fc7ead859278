"""Shared test setup.

`custom_components` is imported here, before Home Assistant starts, so that this repository's
integration wins over the test plugin's own `testing_config/custom_components`.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterator

import pytest

import custom_components.stream_workflows  # noqa: F401  (see the module docstring)


@pytest.fixture(autouse=True)
def keep_an_event_loop() -> Iterator[None]:
    """Give the main thread an event loop back after a test that ran `asyncio.run()` (the
    command line does): it leaves none, and with pytest-asyncio 1.x (Home Assistant 2026.2's
    test plugin) every later test's set-up would then fail with "no current event loop"."""
    yield
    policy = asyncio.get_event_loop_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            policy.get_event_loop()
        except RuntimeError:
            policy.set_event_loop(policy.new_event_loop())
