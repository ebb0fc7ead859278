"""DAGs: dependencies, bounded parallelism, failed nodes skip dependents, independents go on."""

from __future__ import annotations

import asyncio
from typing import Any

from custom_components.stream_workflows.engine import RunStatus
from custom_components.stream_workflows.engine.model import Outcome
from custom_components.stream_workflows.engine.run import RehearsalPlan

from .conftest import Parts
from .helpers import build, finish

NOOP = {"service": "internal", "action": "noop"}


def peer(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "peer", "action": action, "params": params}


def dag(parts: Parts, *nodes: dict[str, Any], **top: Any) -> Any:
    return build({"id": "dag", "nodes": list(nodes), **top}, parts.engine.registry)


async def test_dependencies_order_the_nodes(parts: Parts) -> None:
    definition = dag(
        parts,
        {"id": "d", **peer("echo", value="${b} ${c}"), "depends_on": ["b", "c"]},
        {"id": "b", **peer("slow", seconds=2), "depends_on": ["a"]},
        {"id": "c", **peer("echo", value="c"), "depends_on": ["a"]},
        {"id": "a", **peer("echo", value="a")},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["a", "b", "c", "d"]
    assert parts.peer.finished == ["a", "c", "b", "d"]
    assert parts.peer.calls[-1][2] == {"value": '{"ok": true} c'}
    assert run.position["nodes"] == dict.fromkeys("abcd", "succeeded")
    assert run.progress() == (4, 4)


async def test_parallelism_is_bounded(parts: Parts) -> None:
    nodes = [{"id": f"n{i}", **peer("slow", seconds=10)} for i in range(5)]
    definition = dag(parts, *nodes, max_parallel=2)
    in_flight = 0
    most = 0
    original = parts.peer.execute

    async def counting(action: str, params: Any, ctx: Any) -> Any:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            return await original(action, params, ctx)
        finally:
            in_flight -= 1

    parts.peer.execute = counting  # type: ignore[method-assign]
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert most == 2
    assert (parts.clock.now() - run.started_at).total_seconds() == 30


async def test_failed_node_skips_dependents_and_independents_go_on(parts: Parts) -> None:
    definition = dag(
        parts,
        {"id": "root", **NOOP},
        {"id": "bad", **peer("fail"), "depends_on": ["root"]},
        {"id": "child", **NOOP, "depends_on": ["bad"]},
        {"id": "grandchild", **NOOP, "depends_on": ["child", "other"]},
        {"id": "other", **peer("slow", seconds=5), "depends_on": ["root"]},
        {"id": "after_other", **NOOP, "depends_on": ["other"]},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.step == "bad"
    assert set(run.path) == {"root", "bad", "other", "after_other"}
    assert run.position["nodes"] == {
        "root": "succeeded",
        "bad": "failed",
        "child": "skipped",
        "grandchild": "skipped",
        "other": "succeeded",
        "after_other": "succeeded",
    }
    skipped = [e["step"] for e in run.history.as_dicts() if e["event"] == "step_skipped"]
    assert sorted(skipped) == ["child", "grandchild"]


async def test_continue_on_error_node_lets_dependents_run(parts: Parts) -> None:
    definition = dag(
        parts,
        {"id": "bad", **peer("fail"), "continue_on_error": True},
        {"id": "child", **NOOP, "depends_on": ["bad"]},
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["bad", "child"]
    assert [e.step for e in run.errors] == ["bad"]


async def test_error_policy_continue_in_a_dag(parts: Parts) -> None:
    definition = dag(
        parts,
        {"id": "bad", **peer("fail")},
        {"id": "child", **NOOP, "depends_on": ["bad"]},
        error_policy="continue",
    )
    run = parts.engine.start(definition)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["bad", "child"]


async def test_if_false_bypasses_a_node_and_dependents_still_run(parts: Parts) -> None:
    definition = dag(
        parts,
        {"id": "maybe", **NOOP, "if": {"path": "go"}},
        {"id": "after", **NOOP, "depends_on": ["maybe"]},
    )
    run = parts.engine.start(definition, {"go": False})
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == ["after"]
    assert run.position["nodes"]["maybe"] == "bypassed"


async def test_a_node_whose_condition_fails_stops_the_others(parts: Parts) -> None:
    definition = dag(
        parts,
        {"id": "long", **peer("slow", seconds=100)},
        {"id": "odd", **NOOP, "if": {"path": "n", "gt": 3}},
    )
    run = parts.engine.start(definition, {"n": "x"})
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.type == "condition_error"
    await asyncio.sleep(0)
    assert "long" not in parts.peer.finished  # cancelled with the run, not left running
    assert [t for t in asyncio.all_tasks() if "run dag" in t.get_name()] == []


async def test_cancelling_a_dag_cancels_running_nodes(parts: Parts) -> None:
    definition = dag(
        parts,
        {"id": "a", **peer("slow", seconds=100)},
        {"id": "b", **peer("slow", seconds=100)},
        {"id": "c", **NOOP, "depends_on": ["a"]},
    )
    run = parts.engine.start(definition)
    parts.recorder.hooks.append(
        lambda r, change, detail: r.cancel()
        if detail is not None and getattr(detail, "step", None) == "b"
        else None
    )
    assert await finish(run) is RunStatus.CANCELLED
    assert parts.peer.finished == []
    assert "c" not in run.path
    assert run.error is None


# -- large DAGs: each node's dependents and unfinished count are kept (O(N + E)) ---------

LARGE = 2_000


def chain(size: int) -> list[dict[str, Any]]:
    """n0 <- n1 <- ... in reverse definition order (the driver must not rely on it)."""
    nodes = [{"id": "n0", **peer("echo", value="0")}]
    nodes += [
        {"id": f"n{i}", **peer("echo", value=str(i)), "depends_on": [f"n{i - 1}"]}
        for i in range(1, size)
    ]
    return nodes[::-1]


async def test_a_2000_node_chain_rehearses_in_order(parts: Parts) -> None:
    definition = dag(parts, *chain(LARGE))
    run = parts.engine.start(definition, rehearsal=True)
    assert await finish(run) is RunStatus.SUCCEEDED
    assert run.path == [f"n{i}" for i in range(LARGE)]
    assert run.position["nodes"] == {f"n{i}": "succeeded" for i in range(LARGE)}
    assert parts.peer.calls == []  # a rehearsal calls no external service
    assert run.progress() == (LARGE, LARGE)


async def test_a_failure_in_a_2000_node_chain_skips_the_rest(parts: Parts) -> None:
    definition = dag(parts, *chain(LARGE))
    plan = RehearsalPlan(outcomes={"n1000": Outcome.ERROR})
    run = parts.engine.start(definition, rehearsal=True, plan=plan)
    assert await finish(run) is RunStatus.FAILED
    assert run.error is not None
    assert run.error.step == "n1000"
    assert run.path == [f"n{i}" for i in range(1001)]
    nodes = run.position["nodes"]
    assert [nodes[f"n{i}"] for i in (0, 999, 1000, 1001, LARGE - 1)] == [
        "succeeded",
        "succeeded",
        "failed",
        "skipped",
        "skipped",
    ]
    assert sum(state == "skipped" for state in nodes.values()) == LARGE - 1001


async def test_a_2000_node_wide_dag_rehearses_within_its_parallel_bound(parts: Parts) -> None:
    leaves = [
        {"id": f"leaf{i}", **peer("echo", value=str(i)), "depends_on": ["root"]}
        for i in range(LARGE - 2)
    ]
    definition = dag(
        parts,
        {"id": "root", **NOOP},
        *leaves,
        {"id": "sink", **NOOP, "depends_on": [leaf["id"] for leaf in leaves]},
        max_parallel=8,
    )
    plan = RehearsalPlan(outcomes={"leaf7": Outcome.ERROR})
    run = parts.engine.start(definition, rehearsal=True, plan=plan)
    assert await finish(run) is RunStatus.FAILED
    nodes = run.position["nodes"]
    assert len(nodes) == LARGE
    assert nodes["leaf7"] == "failed"
    assert nodes["sink"] == "skipped"
    assert sum(state == "succeeded" for state in nodes.values()) == LARGE - 2
    assert run.path[0] == "root"
    assert run.path[1:9] == [f"leaf{i}" for i in range(8)]  # definition order, 8 at a time
    assert "sink" not in run.path

    plain = parts.engine.start(definition, rehearsal=True)
    assert await finish(plain) is RunStatus.SUCCEEDED
    assert plain.path[-1] == "sink"
    assert set(plain.position["nodes"].values()) == {"succeeded"}
