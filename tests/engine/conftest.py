"""Engine test fixtures."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from custom_components.stream_workflows.engine import VirtualClock, WorkflowEngine

from .helpers import Peer, Recorder, make_engine, registry_with_peer


@pytest.fixture
async def engine_parts() -> AsyncIterator[tuple[WorkflowEngine, VirtualClock, Recorder]]:
    """An engine on a virtual clock, with a recorder; cleaned up after the test."""
    engine, clock, recorder = make_engine()
    yield engine, clock, recorder
    await engine.cancel_all()
    await clock.aclose()


@dataclass
class Parts:
    """An engine on a virtual clock with the recording test peer (service `peer`)."""

    engine: WorkflowEngine
    clock: VirtualClock
    recorder: Recorder
    peer: Peer


@pytest.fixture
async def parts() -> AsyncIterator[Parts]:
    clock = VirtualClock()
    registry, peer = registry_with_peer(clock)
    engine, _, recorder = make_engine(registry, clock=clock, rng=random.Random(7))
    yield Parts(engine, clock, recorder, peer)
    await engine.cancel_all()
    await clock.aclose()
