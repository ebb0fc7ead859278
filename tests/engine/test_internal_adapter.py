"""The `internal` service: wait, set_variables, log, fire_event, wait_for_event, noop."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pytest

from custom_components.stream_workflows.adapters.internal import InternalAdapter
from custom_components.stream_workflows.engine import RunStatus

from .conftest import Parts
from .helpers import build, ended, finish


def internal(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "internal", "action": action, "params": params}


def sequence(parts: Parts, *steps: dict[str, Any], **top: Any) -> Any:
    return build({"id": "seq", "steps": list(steps), **top}, parts.engine.registry)


def test_catalog() -> None:
    adapter = InternalAdapter()
    assert adapter.service == "internal"
    assert not adapter.external
    assert sorted(adapter.actions()) == [
        "fire_event",
        "log",
        "noop",
        "set_variables",
        "wait",
        "wait_for_event",
    ]
    assert adapter.spec("teleport") is None


async def test_wait_seconds(parts: Parts) -> None:
    run = parts.engine.start(sequence(parts, {"id": "w", **internal("wait", seconds=90)}))
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.results["w"] == {"waited": 90}
    assert (ended(run) - run.started_at).total_seconds() == 90


@pytest.mark.parametrize(
    ("until", "seconds"),
    [
        ("20:30", 1800),
        ("20:00:10", 10),
        ("19:00", 23 * 3600),  # already past today: tomorrow
        ("2026-01-01T21:00:00+00:00", 3600),
        ("2026-01-01T21:00:00", 3600),  # naive: the clock's time zone
        ("2025-12-31T00:00:00+00:00", 0),  # in the past: no wait
    ],
)
async def test_wait_until(parts: Parts, until: str, seconds: float) -> None:
    run = parts.engine.start(sequence(parts, {"id": "w", **internal("wait", until=until)}))
    assert await finish(run) is RunStatus.SUCCEEDED
    assert (ended(run) - run.started_at).total_seconds() == seconds


async def test_set_variables_and_log(parts: Parts) -> None:
    definition = sequence(
        parts,
        {"id": "set", **internal("set_variables", who="me", count=2)},
        {"id": "say", **internal("log", message="${who} x${count}", level="warning")},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.variables["who"] == "me"
    assert run.results == {"set": {"who": "me", "count": 2}, "say": {"message": "me x2"}}
    logs = [e for e in run.history.as_dicts() if e["event"] == "log"]
    assert logs == [
        {"at": "2026-01-01T20:00:00+00:00", "event": "log", "step": "say", "message": "me x2"}
    ]


async def test_fire_event_reaches_listeners(parts: Parts) -> None:
    received: list[Mapping[str, Any]] = []
    remove = parts.engine.events.listen("hello", received.append)
    run = parts.engine.start(
        sequence(parts, {"id": "f", **internal("fire_event", event="hello", data={"n": 1})})
    )
    assert await finish(run) is RunStatus.SUCCEEDED
    remove()
    assert received == [{"n": 1}]
    assert run.results["f"] == {"event": "hello", "data": {"n": 1}}


async def test_wait_for_event_with_match(parts: Parts) -> None:
    definition = sequence(
        parts,
        {"id": "w", **internal("wait_for_event", event="raid", match={"to": "me"}, timeout=60)},
    )
    run = parts.engine.start(definition)
    parts.clock.call_later(5, lambda: parts.engine.events.fire("raid", {"to": "other"}))
    parts.clock.call_later(9, lambda: parts.engine.events.fire("raid", {"to": "me", "n": 3}))
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.results["w"] == {"to": "me", "n": 3}
    assert (ended(run) - run.started_at).total_seconds() == 9


async def test_wait_for_event_times_out(parts: Parts) -> None:
    definition = sequence(
        parts, {"id": "w", **internal("wait_for_event", event="never", timeout=7)}
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.as_dict() == {
        "step": "w",
        "type": "timeout",
        "message": "event 'never' did not arrive within 7 s",
    }
    assert (ended(run) - run.started_at).total_seconds() == 7


async def test_wait_for_event_timeout_pauses_with_the_run(parts: Parts) -> None:
    definition = sequence(parts, {"id": "w", **internal("wait_for_event", event="e", timeout=10)})
    run = parts.engine.start(definition)
    parts.clock.call_later(4, run.pause)
    parts.clock.call_later(54, run.resume)
    assert await finish(run) is RunStatus.FAILED
    assert (ended(run) - run.started_at).total_seconds() == 60


async def test_a_workflow_can_signal_itself(parts: Parts) -> None:
    definition = sequence(
        parts,
        {
            "id": "p",
            "parallel": [
                {"id": "listen", **internal("wait_for_event", event="go", timeout=100)},
                {
                    "steps": [
                        {"id": "pause_a_bit", **internal("wait", seconds=3)},
                        {
                            "id": "signal",
                            **internal("fire_event", event="go", data={"from": "${run.id}"}),
                        },
                    ]
                },
            ],
        },
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.results["listen"] == {"from": run.run_id}


async def test_rehearsed_wait_for_event_arrives_with_its_match(parts: Parts) -> None:
    definition = sequence(
        parts, {"id": "w", **internal("wait_for_event", event="raid", match={"to": "me"})}
    )
    run = parts.engine.start(definition, rehearsal=True)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.results["w"] == {"to": "me"}
    assert run.finished_at == run.started_at


async def test_noop(parts: Parts) -> None:
    run = parts.engine.start(sequence(parts, {"id": "n", **internal("noop")}))
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.results == {"n": None}


async def test_execute_refuses_unknown_actions(parts: Parts) -> None:
    from custom_components.stream_workflows.engine import ActionError

    class Ctx:
        step_id = "x"
        rehearsal = False

        def now(self) -> datetime:
            return parts.clock.now()

    with pytest.raises(ActionError, match="unknown internal action 'teleport'"):
        await InternalAdapter().execute("teleport", {}, Ctx())  # type: ignore[arg-type]
