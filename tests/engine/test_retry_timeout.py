"""Per-action timeout and retry with exponential backoff, max_delay and jitter."""

from __future__ import annotations

import random
from typing import Any

import pytest

from custom_components.stream_workflows.engine import RunStatus, VirtualClock
from custom_components.stream_workflows.engine.model import RetryPolicy

from .conftest import Parts
from .helpers import build, ended, finish, make_engine, registry_with_peer


def peer(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "peer", "action": action, "params": params}


def one_step(parts: Parts, step: dict[str, Any]) -> Any:
    return build({"id": "seq", "steps": [{"id": "s", **step}]}, parts.engine.registry)


def retries(run: Any) -> list[dict[str, Any]]:
    return [e for e in run.history.as_dicts() if e["event"] == "action_retried"]


@pytest.mark.parametrize(
    ("policy", "delays"),
    [
        (RetryPolicy(max_attempts=4), [1, 2, 4, 8]),
        (RetryPolicy(max_attempts=3, interval=5, backoff_rate=3), [5, 15, 45]),
        (RetryPolicy(max_attempts=5, interval=2, max_delay=10), [2, 4, 8, 10, 10]),
        (RetryPolicy(max_attempts=2, interval=0), [0, 0]),
    ],
)
def test_backoff(policy: RetryPolicy, delays: list[float]) -> None:
    assert [policy.delay(n, 0.5) for n in range(1, len(delays) + 1)] == delays


def test_jitter_scales_the_delay() -> None:
    policy = RetryPolicy(max_attempts=3, interval=4, jitter=True)
    assert policy.delay(2, 0.25) == 2
    assert policy.delay(1, 0.0) == 0


async def test_retry_until_success_with_backoff(parts: Parts) -> None:
    definition = one_step(
        parts, {**peer("flaky", fails=3), "retry": {"max_attempts": 5, "interval": 2}}
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.results["s"] == {"attempts": 4}
    assert [(e["attempt"], e["delay"]) for e in retries(run)] == [(1, 2), (2, 4), (3, 8)]
    assert retries(run)[0]["error"] == "flaky failure 1"
    assert [d.attempt for d in parts.recorder.dispatches] == [1, 2, 3, 4]
    assert (ended(run) - run.started_at).total_seconds() == 14


async def test_retries_exhausted_is_an_error(parts: Parts) -> None:
    definition = one_step(
        parts,
        {**peer("flaky", fails=10), "retry": {"max_attempts": 2, "interval": 1, "max_delay": 1}},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert len(parts.recorder.dispatches) == 3
    assert run.error is not None
    assert run.error.message == "flaky failure 3"
    assert (ended(run) - run.started_at).total_seconds() == 2


async def test_jittered_retries_are_seeded_and_bounded() -> None:
    async def delays(seed: int) -> list[float]:
        clock = VirtualClock()
        registry, _peer = registry_with_peer(clock)
        engine, _, _ = make_engine(registry, clock=clock, rng=random.Random(seed))
        definition = build(
            {
                "id": "seq",
                "steps": [
                    {
                        "id": "s",
                        **peer("flaky", fails=3),
                        "retry": {"max_attempts": 3, "interval": 10, "jitter": True},
                    }
                ],
            },
            registry,
        )
        run = engine.start(definition)
        await finish(run)
        await clock.aclose()
        return [e["delay"] for e in retries(run)]

    first = await delays(1)
    assert first == await delays(1)
    assert first != await delays(2)
    for index, delay in enumerate(first):
        assert 0 <= delay <= 10 * 2**index


async def test_timeout_per_action(parts: Parts) -> None:
    definition = one_step(parts, {**peer("slow", seconds=10), "timeout": 4})
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.as_dict() == {
        "step": "s",
        "type": "timeout",
        "message": "no answer within 4 s",
    }
    assert (ended(run) - run.started_at).total_seconds() == 4
    assert parts.peer.finished == []


async def test_timeouts_are_retried(parts: Parts) -> None:
    definition = one_step(
        parts,
        {**peer("slow", seconds=10), "timeout": 4, "retry": {"max_attempts": 1, "interval": 1}},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert len(parts.recorder.dispatches) == 2
    assert (ended(run) - run.started_at).total_seconds() == 9


async def test_a_fast_action_beats_its_timeout(parts: Parts) -> None:
    definition = one_step(parts, {**peer("slow", seconds=3), "timeout": 4})
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert parts.peer.cancelling == [0]


async def test_the_spec_timeout_applies_when_the_step_has_none(parts: Parts) -> None:
    # obs actions have a 30 s timeout in their spec; the peer has none (would hang for ever)
    definition = build(
        {
            "id": "seq",
            "steps": [
                {
                    "id": "wait_for",
                    "service": "internal",
                    "action": "wait_for_event",
                    "params": {"event": "never", "timeout": 5},
                    "timeout": 2,
                }
            ],
        },
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.message == "no answer within 2 s"


async def test_unexpected_exceptions_become_action_errors(parts: Parts) -> None:
    async def broken(action: str, params: Any, ctx: Any) -> Any:
        raise KeyError("surprise")

    parts.peer.execute = broken  # type: ignore[method-assign]
    definition = one_step(parts, peer("echo"))
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.as_dict() == {
        "step": "s",
        "type": "action_failed",
        "message": "KeyError: 'surprise'",
    }


async def test_not_connected_services_fail_fast(parts: Parts) -> None:
    definition = build(
        {"id": "seq", "steps": [{"id": "s", "service": "obs", "action": "stop_streaming"}]},
        parts.engine.registry,
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.type == "not_connected"
