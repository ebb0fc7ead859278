"""Rule "plain action": the first attempt of an internal action with static parameters and no
timeout is the adapter's call with nothing around it, and a state whose step succeeds that
way goes to its plain `success` target without the other routing rules. Both shortcuts must
do exactly what the general path does: each workflow here runs once as it is (the shortcuts)
and once with a timeout on every action that never fires (the general path), and the runs
must agree in everything they record and tell."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from custom_components.stream_workflows.engine import (
    Run,
    RunStatus,
    VirtualClock,
    attempts,
    step_executor,
)
from custom_components.stream_workflows.engine.step_executor import StepExecutor

from .helpers import Peer, build, finish, make_engine, registry_with_peer, settle


class LocalPeer(Peer):
    """The test peer as an internal service: no durable intent before its calls, so its
    actions with static parameters and no timeout are plain."""

    service = "local"
    external = False


def local(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "local", "action": action, "params": params}


WORKFLOWS: dict[str, dict[str, Any]] = {
    "chain": {
        "initial_state": "a",
        "states": [
            {"name": "a", "action": local("echo", value=None), "transitions": {"success": "b"}},
            {"name": "b", "action": local("echo", value={"n": 2}), "transitions": {"success": "c"}},
            {"name": "c", "action": {"service": "internal", "action": "noop"}},
        ],
    },
    "retried_then_routed_on_error": {
        "initial_state": "flaky",
        "states": [
            {
                "name": "flaky",
                "action": {**local("flaky", fails=2), "retry": {"max_attempts": 3, "interval": 1}},
                "transitions": {"success": "refused"},
            },
            {
                "name": "refused",
                "action": local("fail", type="nope"),
                "transitions": {"success": "end", "error": "cleanup"},
            },
            {"name": "cleanup", "action": local("echo", value="cleaned")},
            {"name": "end"},
        ],
    },
    "custom_event": {
        "initial_state": "ask",
        "states": [
            {
                "name": "ask",
                "action": local("echo", value={"event": "raid_ended"}),
                "transitions": {"success": "plain", "raid_ended": "evented"},
            },
            {"name": "plain"},
            {"name": "evented", "action": local("echo", value=None)},
        ],
    },
    "continue_on_error": {
        "error_policy": "continue",
        "initial_state": "try",
        "states": [
            {
                "name": "try",
                "action": local("fail"),
                "transitions": {"success": "after"},
            },
            {"name": "after", "action": local("echo", value=None)},
        ],
    },
    "failed": {
        "initial_state": "only",
        "states": [
            {"name": "only", "action": local("fail"), "transitions": {"success": "x"}},
            {"name": "x"},
        ],
    },
}


def with_timeouts(document: dict[str, Any]) -> dict[str, Any]:
    """The same workflow with a long timeout on every action: the general path."""
    states = [
        {**state, "action": {**state["action"], "timeout": 10_000}} if "action" in state else state
        for state in document["states"]
    ]
    return {**document, "states": states}


class Setup:
    def __init__(self) -> None:
        self.clock = VirtualClock()
        registry, _ = registry_with_peer(self.clock)
        self.peer = LocalPeer(self.clock)
        registry.add(self.peer)
        self.engine, _, self.recorder = make_engine(
            registry, clock=self.clock, rng=random.Random(7)
        )
        # what the run shows at each change it tells: the steps going, the path, where next
        # (not its history: a plain step's start is noted with its entry, before it is told)
        self.seen: list[tuple[Any, ...]] = []
        self.recorder.hooks.append(
            lambda run, change, _detail: self.seen.append(
                (change, tuple(run.current), tuple(run.path), run.machine_state)
            )
        )


@pytest.fixture
async def setups() -> AsyncIterator[tuple[Setup, Setup]]:
    plain, general = Setup(), Setup()
    yield plain, general
    for setup in (plain, general):
        await setup.engine.cancel_all()
        await setup.clock.aclose()


def recorded(run: Run, setup: Setup) -> dict[str, Any]:
    """Everything a run records and tells, durations left out (the clocks are the same,
    but a duration is the only figure a timeout's timer could move)."""
    history = [
        {key: value for key, value in entry.items() if key not in ("duration", "at")}
        for entry in run.history.as_dicts()
    ]
    return {
        "status": run.status,
        "error": run.error,
        "errors": list(run.errors),
        "path": list(run.path),
        "results": dict(run.results),
        "history": history,
        "changes": [(change, repr(detail)) for _, change, detail in setup.recorder.changes],
        "seen": setup.seen,
    }


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
async def test_plain_actions_do_what_the_general_path_does(
    name: str, setups: tuple[Setup, Setup], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, general = setups
    document = {"id": name, **WORKFLOWS[name]}
    general_attempts: list[str] = []
    original = attempts.run_attempts

    async def counted(steps: StepExecutor, step: Any, *args: Any, **kwargs: Any) -> Any:
        general_attempts.append(step.id)
        return await original(steps, step, *args, **kwargs)

    # the general path, from a plain attempt that failed and from `execute_action`
    monkeypatch.setattr(step_executor, "run_attempts", counted)
    monkeypatch.setattr(attempts, "run_attempts", counted)
    outcomes = []
    for setup, doc in ((plain, document), (general, with_timeouts(document))):
        general_attempts.clear()
        run = setup.engine.start(build(doc, setup.engine.registry))
        await finish(run)
        outcomes.append(recorded(run, setup))
        if setup is plain:
            # Only a failed plain attempt goes on in the general path (its retries).
            failed_first = {"flaky", "refused", "try", "only"}
            assert set(general_attempts) <= failed_first
        else:
            assert general_attempts  # every action with a timeout takes the general path
    assert outcomes[0] == outcomes[1]


async def test_a_plain_action_cancelled_takes_the_cancel_route(setups: tuple[Setup, Setup]) -> None:
    outcomes = []
    for setup, timeout in ((setups[0], {}), (setups[1], {"timeout": 10_000})):
        definition = build(
            {
                "id": "cancelled",
                "initial_state": "hold",
                "states": [
                    {
                        "name": "hold",
                        "action": {**local("hang"), **timeout},
                        "transitions": {"success": "done", "cancel": "cleanup"},
                    },
                    {"name": "done"},
                    {"name": "cleanup", "action": local("echo", value=None)},
                ],
            },
            setup.engine.registry,
        )
        run = setup.engine.start(definition)
        await settle()
        assert run.cancel()
        assert await finish(run) is RunStatus.CANCELLED
        assert run.path == ["hold", "cleanup"]
        events = [(e["event"], e.get("step")) for e in run.history.as_dicts()]
        assert ("action_cancelled", "hold") in events
        outcomes.append(recorded(run, setup))
    assert outcomes[0] == outcomes[1]
