"""Shared test setup.

`custom_components` is imported here, before Home Assistant starts, so that this repository's
integration wins over the test plugin's own `testing_config/custom_components`.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator, Iterator

import pytest
from homeassistant.core import HomeAssistant

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


@pytest.fixture
async def hass(hass: HomeAssistant) -> AsyncIterator[HomeAssistant]:
    """Home Assistant's own test instance, settled before it stops.

    Once the frontend is set up, Home Assistant's http integration starts its server in a task
    and then saves its settings with a delay. A test that ends before that task does (a setup
    that fails at once) leaves the task running into the shutdown, where the save arms a timer
    after the final write: the test plugin then fails the test for a lingering timer. Waiting
    for Home Assistant's pending tasks first, within a bound, ends that race."""
    yield hass
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(SETTLE_SECONDS):
            await hass.async_block_till_done()


SETTLE_SECONDS = 5.0
