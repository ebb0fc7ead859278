"""Checkpoints stored by the engine before the run was split into a host protocol, a typed
state and drivers (commit 8ff30c0) still restore, and go on exactly as that engine did.

`fixtures/checkpoints_v2.json` holds, per case, the definition, a snapshot taken mid-run by
that engine (waiting, paused, in its cancel route, an external call in flight, in a retry
delay, inside parallel branches, a DAG with a failed node) and what that engine did after
restoring it: the status, path, dispatches, time taken, errors and history events.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.engine import RunStatus, VirtualClock

from .helpers import build, make_engine, registry_with_peer

CASES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "fixtures" / "checkpoints_v2.json").read_text(encoding="utf-8")
)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_a_stored_checkpoint_restores_and_goes_on_as_before(name: str) -> None:
    case = CASES[name]
    snapshot = case["snapshot"]
    assert snapshot["version"] == 2
    at = datetime.fromisoformat(snapshot["history"][-1]["at"])
    clock = VirtualClock(at)
    registry, peer = registry_with_peer(clock)
    peer.attempts["hold"] = 1  # the peer remembers a first, failed call
    engine, _, recorder = make_engine(registry, clock=clock)
    run = engine.restore(build(case["definition"], registry), json.loads(json.dumps(snapshot)))

    async def drive() -> None:
        while not run.finished:
            if "hold" in peer.gates and not peer.gates["hold"].done():
                peer.gates["hold"].set_result("opened")
            if run.status is RunStatus.PAUSED:
                run.resume()
            await asyncio.sleep(0)

    try:
        await asyncio.wait_for(drive(), 30)
        assert run.finished_at is not None
        found = {
            "status": run.status.value,
            "path": run.path,
            "dispatches": [[d.step, d.attempt] for d in recorder.dispatches],
            "seconds": (run.finished_at - at).total_seconds(),
            "error": run.error.as_dict() if run.error else None,
            "errors": [error.as_dict() for error in run.errors],
            "results": json.loads(json.dumps(run.results)),
            "events": [entry["event"] for entry in run.history.as_dicts()],
        }
        assert found == case["expected"]
    finally:
        await engine.cancel_all()
        await clock.aclose()
