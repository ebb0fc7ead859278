"""Engine test fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from custom_components.stream_workflows.engine import VirtualClock, WorkflowEngine

from .helpers import Recorder, make_engine


@pytest.fixture
async def engine_parts() -> AsyncIterator[tuple[WorkflowEngine, VirtualClock, Recorder]]:
    """An engine on a virtual clock, with a recorder; cleaned up after the test."""
    engine, clock, recorder = make_engine()
    yield engine, clock, recorder
    await engine.cancel_all()
    await clock.aclose()
