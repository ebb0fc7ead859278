"""Properties that must hold for any workflow, any moment of pausing, cancelling or saving.

1. Any document either fails validation with located problems (never an exception) or, when
   valid, rehearses to a final status.
2. Pausing (and resuming) at any point dispatches exactly the actions of an uninterrupted run;
   cancelling dispatches a prefix of them, plus the actions of the cancel route.
3. A snapshot taken mid-run and restored into a fresh engine at the same moment ends the way
   the uninterrupted run ends, with the same actions in all.

Everything runs on virtual time, each example on its own event loop.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import (
    Outcome,
    RehearsalPlan,
    Run,
    RunChange,
    RunStatus,
    VirtualClock,
    WorkflowDefinition,
    WorkflowEngine,
    load_definition,
)
from custom_components.stream_workflows.engine.rehearse import rehearse

from .helpers import Recorder, build, registry_with_peer, run_async

# More examples for a bug hunt: ENGINE_PROPERTY_EXAMPLES=2000 pytest tests/engine/test_properties.py
PROPERTY = settings(
    max_examples=int(os.environ.get("ENGINE_PROPERTY_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- 1. generated documents ---------------------------------------------------------------

GOOD_IDS = ["a", "b", "c", "d", "e", "f"]
IDS = [*GOOD_IDS, "1bad", "date"]
VALID_ACTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("internal", "noop", {}),
    ("internal", "wait", {"seconds": 5}),
    ("internal", "wait", {"seconds": 0}),
    ("internal", "log", {"message": "hello ${who}"}),
    ("internal", "set_variables", {"who": "me"}),
    ("obs", "set_current_scene", {"scene_name": "Main"}),
    ("twitch", "send_chat_message", {"message": "hi ${who}"}),
]
ACTIONS = [
    *VALID_ACTIONS * 6,
    ("twitch", "send_chat_message", {"message": "${a.message}"}),  # may not have run yet
    ("obs", "set_current_scene", {}),  # a required parameter missing
    ("internal", "wait", {"seconds": -1}),  # out of range
    ("internal", "teleport", {}),  # unknown action
    ("fax", "send", {}),  # unknown service
]
EVENTS = ["success", "error", "timeout", "cancel", "custom"]


@st.composite
def actions(draw: st.DrawFn) -> dict[str, Any]:
    service, action, params = draw(st.sampled_from(ACTIONS))
    written: dict[str, Any] = {
        "service": service,
        draw(st.sampled_from(["action", "method"])): action,
    }
    if params:
        written["params"] = params
    if draw(chance(4)):
        written["timeout"] = draw(st.sampled_from([1, 2.5, 10, 1, 2, 3, 0, "soon"]))
    if draw(chance(4)):
        written["retry"] = draw(
            st.fixed_dictionaries(
                {"max_attempts": st.integers(-1, 3) if draw(chance(6)) else st.integers(0, 3)},
                optional={"interval": st.sampled_from([0, 1, 2]), "jitter": st.booleans()},
            )
        )
    return written


conditions = st.one_of(
    st.fixed_dictionaries({"path": st.sampled_from(["who", "a.message", "viewers", "flag"])}),
    st.fixed_dictionaries({"path": st.sampled_from(["who", "flag"]), "exists": st.booleans()}),
    st.fixed_dictionaries(
        {"path": st.sampled_from(["viewers", "a"]), "gt": st.sampled_from([1, "${viewers}", "x"])}
    ),
    st.just({"any": [{"path": "who", "exists": True}, {"path": "flag"}]}),
    st.sampled_from(["not a condition", {"path": "x y"}, {"path": "who"}, {"path": "flag"}]),
)


def chance(one_in: int) -> st.SearchStrategy[bool]:
    """True about once in `one_in` draws (integers would favour their bounds)."""
    return st.sampled_from([False] * (one_in - 1) + [True])


def ids(size: int) -> st.SearchStrategy[list[str]]:
    """Mostly unique, valid ids; now and then a duplicate or an invalid one."""
    return st.one_of(
        st.lists(st.sampled_from(GOOD_IDS), min_size=1, max_size=size, unique=True),
        st.lists(st.sampled_from(GOOD_IDS), min_size=1, max_size=size, unique=True),
        st.lists(st.sampled_from(GOOD_IDS), min_size=1, max_size=size, unique=True),
        st.lists(st.sampled_from(IDS), min_size=1, max_size=size),
    )


@st.composite
def states_document(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(ids(6))
    targets = st.sampled_from([*names * 5, "nowhere"])
    states: list[Any] = []
    for name in names:
        state: dict[str, Any] = {"name": name}
        kind = draw(st.integers(0, 4))
        if kind <= 2:
            state["action"] = draw(actions())
        elif kind == 3:
            state["parallel"] = [
                {"id": f"{name}_p{index}", **draw(actions())}
                for index in range(draw(st.sampled_from([2, 2, 3, 1])))
            ]
        transitions: dict[str, Any] = {}
        for name_of_event in draw(st.lists(st.sampled_from(EVENTS), max_size=3, unique=True)):
            if draw(st.booleans()):
                transitions[name_of_event] = draw(targets)
            else:
                options: list[dict[str, Any]] = [
                    {"if": draw(conditions), "target": draw(targets)}
                    for _ in range(draw(st.integers(0, 2)))
                ]
                if not options or draw(st.booleans()):
                    options.append({"target": draw(targets)})
                transitions[name_of_event] = options
        keep_empty = draw(st.booleans())
        if transitions or keep_empty:
            state["transitions"] = transitions
        if draw(chance(20)):
            state["colour"] = "red"
        states.append(state if not draw(chance(30)) else draw(st.sampled_from([None, "x", 3])))
    document: dict[str, Any] = {"id": "generated", "states": states}
    if not draw(chance(10)):
        document["initial_state"] = draw(st.sampled_from([*names * 3, "nowhere"]))
    return document


@st.composite
def steps_document(draw: st.DrawFn) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    for step_id in draw(ids(5)):
        if draw(chance(5)):
            steps.append(
                {
                    "id": step_id,
                    "parallel": [
                        {
                            "steps": [
                                {"id": f"{step_id}_{b}{i}", **draw(actions())}
                                for i in range(draw(st.integers(1, 2)))
                            ]
                        }
                        for b in range(draw(st.sampled_from([2, 2, 3, 1])))
                    ],
                }
            )
            continue
        step: dict[str, Any] = {"id": step_id, **draw(actions())}
        if draw(chance(4)):
            step["if"] = draw(conditions)
        if draw(st.booleans()):
            step["continue_on_error"] = True
        steps.append(step)
    document: dict[str, Any] = {"id": "generated", "steps": steps}
    if draw(st.booleans()):
        document["error_policy"] = draw(
            st.sampled_from(["continue", "stop_on_error", "continue", "sometimes"])
        )
    return document


@st.composite
def nodes_document(draw: st.DrawFn) -> dict[str, Any]:
    node_ids = draw(ids(6))
    nodes: list[dict[str, Any]] = []
    for index, node_id in enumerate(node_ids):
        node: dict[str, Any] = {"id": node_id, **draw(actions())}
        # mostly on earlier nodes (no cycle); now and then on any node, or on none that exists
        pool = node_ids[:index] if not draw(chance(5)) else [*node_ids, "ghost"]
        depends = draw(st.lists(st.sampled_from(pool), max_size=3, unique=True)) if pool else []
        if depends:
            node["depends_on"] = depends
        if draw(chance(5)):
            node["continue_on_error"] = True
        nodes.append(node)
    document: dict[str, Any] = {"id": "generated", "nodes": nodes}
    if draw(st.booleans()):
        document["max_parallel"] = draw(st.sampled_from([1, 2, 3, 0]))
    return document


documents = st.one_of(states_document(), steps_document(), nodes_document())
PATH_HEAD = re.compile(r"^([^.\[]+)")


@PROPERTY
@given(
    document=documents,
    variables=st.fixed_dictionaries(
        {}, optional={"who": st.just("you"), "viewers": st.integers(0, 10), "flag": st.booleans()}
    ),
    forced=st.dictionaries(st.sampled_from(IDS), st.sampled_from(list(Outcome)), max_size=2),
)
def test_any_document_is_reported_or_runs_to_an_end(
    document: dict[str, Any], variables: dict[str, Any], forced: dict[str, Outcome]
) -> None:
    registry = default_registry()
    definition, problems = load_definition(document, registry)
    for problem in problems:
        assert problem.message
        assert "Traceback" not in problem.message
        assert problem.severity in ("error", "warning")
        if problem.path:  # located: it starts at a key of the document, or a required one
            head = PATH_HEAD.match(problem.path)
            assert head is not None, problem
            assert head.group(1) in {*document, "id", "initial_state"}, problem
        problem.format("file.yaml")
    if definition is None:
        assert any(problem.severity == "error" for problem in problems)
        event("invalid")
        return
    event(f"valid {definition.shape.value}")
    assert all(problem.severity == "warning" for problem in problems)
    plan = RehearsalPlan(outcomes={k: v for k, v in forced.items() if k in definition.all_steps()})

    async def rehearsed() -> Any:
        return await rehearse(definition, registry, dict(variables), plan, max_repeats=200)

    result = run_async(rehearsed)
    event(f"rehearsal {result.status.value}")
    assert result.status.finished
    if result.status is RunStatus.FAILED:
        assert result.error is not None
        assert result.error["message"]
    json.dumps(result.as_json())


# -- 2 and 3. runs interrupted at any point ----------------------------------------------------

NOOP = {"service": "internal", "action": "noop"}


def peer(action: str, **params: Any) -> dict[str, Any]:
    return {"service": "peer", "action": action, "params": params}


def wait(seconds: float) -> dict[str, Any]:
    return {"service": "internal", "action": "wait", "params": {"seconds": seconds}}


WORKFLOWS: dict[str, dict[str, Any]] = {
    "raid": {
        "initial_state": "announce",
        "states": [
            {
                "name": "announce",
                "action": peer("echo", value={"n": 2}),
                "transitions": {"success": "hold"},
            },
            {
                "name": "hold",
                "action": wait(30),
                "transitions": {"success": "check", "cancel": "cleanup"},
            },
            {
                "name": "check",
                "action": {**peer("flaky", fails=2), "retry": {"max_attempts": 1, "interval": 4}},
                "transitions": {
                    "success": [
                        {"if": {"path": "announce.n", "gt": 1}, "target": "big"},
                        {"target": "small"},
                    ],
                    "error": "later",
                    "cancel": "cleanup",
                },
            },
            {
                "name": "later",
                "action": wait(10),
                "transitions": {"success": "check", "cancel": "cleanup"},
            },
            {"name": "big", "action": peer("echo", value="big"), "transitions": {"success": "end"}},
            {
                "name": "small",
                "action": peer("echo", value="small"),
                "transitions": {"success": "end"},
            },
            {"name": "end", "action": peer("echo", value="end")},
            {"name": "cleanup", "action": {**wait(3)}, "transitions": {"success": "cleanup_say"}},
            {"name": "cleanup_say", "action": peer("echo", value="cleaned")},
        ],
    },
    "fan_out": {
        "error_policy": "continue",
        "steps": [
            {"id": "first", **peer("echo", value=1)},
            {
                "id": "both",
                "parallel": [
                    {
                        "steps": [
                            {"id": "l1", **wait(5)},
                            {"id": "l2", **peer("fail")},
                            {"id": "l3", **wait(2)},
                        ]
                    },
                    {
                        "steps": [
                            {"id": "r1", **wait(3)},
                            {"id": "r2", **peer("echo", value="${first}")},
                        ]
                    },
                ],
            },
            {"id": "pause_more", **wait(7), "if": {"path": "first", "equals": 1}},
            {
                "id": "last",
                **peer("flaky", fails=1),
                "retry": {"max_attempts": 2, "interval": 2},
            },
        ],
    },
    "graph": {
        "max_parallel": 2,
        "nodes": [
            {"id": "root", **peer("echo", value="r")},
            {"id": "w1", **wait(4), "depends_on": ["root"]},
            {"id": "w2", **wait(6), "depends_on": ["root"]},
            {"id": "w3", **wait(1), "depends_on": ["root"]},
            {"id": "bad", **peer("fail"), "depends_on": ["w3"]},
            {"id": "below_bad", **NOOP, "depends_on": ["bad"]},
            {"id": "join", **peer("echo", value="${w1.waited}"), "depends_on": ["w1", "w2"]},
        ],
    },
    "machine_parallel": {
        "initial_state": "work",
        "states": [
            {
                "name": "work",
                "parallel": [
                    {"id": "p1", **wait(8)},
                    {"steps": [{"id": "p2", **wait(2)}, {"id": "p3", **peer("echo")}]},
                ],
                "transitions": {"success": "done", "cancel": "cleanup"},
            },
            {"name": "done", "action": wait(1)},
            {"name": "cleanup", "action": peer("echo", value="cleanup")},
        ],
    },
}
CLEANUP = {"cleanup", "cleanup_say"}
SLOW_WORKFLOWS: dict[str, dict[str, Any]] = {
    "slow_calls": {
        "initial_state": "call",
        "states": [
            {
                "name": "call",
                "action": peer("slow", seconds=5),
                "transitions": {"success": "hold", "cancel": "cleanup"},
            },
            {
                "name": "hold",
                "action": wait(5),
                "transitions": {"success": "call_again", "cancel": "cleanup"},
            },
            {
                "name": "call_again",
                "action": {**peer("slow", seconds=20), "timeout": 10},
                "transitions": {"timeout": "end", "cancel": "cleanup"},
            },
            {"name": "end", "action": peer("echo", value="end")},
            {"name": "cleanup", "action": peer("echo", value="cleanup")},
        ],
    }
}
START = datetime(2026, 1, 1, 20, 0).astimezone()

Dispatch = tuple[str, str, str, str, int]


@dataclass
class Outcome_:
    status: RunStatus
    dispatches: list[Dispatch]
    changes: int
    path: list[str] = field(default_factory=list)


def definition_of(name: str) -> WorkflowDefinition:
    registry, _ = registry_with_peer()
    document = {"id": name, **({**WORKFLOWS, **SLOW_WORKFLOWS}[name])}
    return build(document, registry)


def dispatch_key(detail: Any) -> Dispatch:
    return (
        detail.step,
        detail.service,
        detail.action,
        json.dumps(detail.params, sort_keys=True),
        detail.attempt,
    )


class Harness:
    """One engine on a virtual clock with the test peer, recording dispatches."""

    def __init__(self, at: datetime = START, *, eager: bool = False) -> None:
        self.clock = VirtualClock(at)
        registry, self.peer = registry_with_peer(self.clock)
        self.recorder = Recorder()
        self.engine = WorkflowEngine(
            registry, clock=self.clock, listener=self.recorder, eager_start=eager
        )

    def dispatches(self) -> list[Dispatch]:
        return [dispatch_key(d) for d in self.recorder.dispatches]

    async def close(self) -> None:
        await self.engine.cancel_all()
        await self.clock.aclose()


async def uninterrupted(name: str) -> Outcome_:
    harness = Harness()
    run = harness.engine.start(definition_of(name))
    status = await run.wait()
    await harness.close()
    return Outcome_(status, harness.dispatches(), len(harness.recorder.changes), list(run.path))


BASELINES: dict[str, Outcome_] = {}


def baseline(name: str) -> Outcome_:
    if name not in BASELINES:
        BASELINES[name] = run_async(lambda: uninterrupted(name))
    return BASELINES[name]


@PROPERTY
@given(
    name=st.sampled_from(sorted({*WORKFLOWS, *SLOW_WORKFLOWS})),
    by_event=st.booleans(),
    point=st.integers(0, 60),
    paused_for=st.sampled_from([0, 0.5, 3, 100]),
    twice=st.booleans(),
    eager=st.booleans(),
)
def test_pause_and_resume_anywhere_change_nothing(
    name: str, by_event: bool, point: int, paused_for: float, twice: bool, eager: bool
) -> None:
    expected = baseline(name)

    async def interrupted() -> Outcome_:
        harness = Harness(eager=eager)  # hooks go in before the start: an eager start runs at once
        pauses = {point, point + 7} if twice else {point}

        def pause_resume(target: Run) -> None:
            if target.pause():
                harness.clock.call_later(paused_for, target.resume)

        if by_event:
            seen = 0

            def hook(target: Run, change: RunChange, detail: Any) -> None:
                nonlocal seen
                seen += 1
                if seen in pauses:
                    pause_resume(target)

            harness.recorder.hooks.append(hook)
        run = harness.engine.start(definition_of(name))
        if not by_event:
            for moment in pauses:
                harness.clock.call_later(moment / 2, lambda: pause_resume(run))
        status = await run.wait()
        await harness.close()
        return Outcome_(status, harness.dispatches(), 0, list(run.path))

    result = run_async(interrupted)
    assert result.status is expected.status
    assert result.dispatches == expected.dispatches
    assert result.path == expected.path


@PROPERTY
@given(
    name=st.sampled_from(sorted({*WORKFLOWS, *SLOW_WORKFLOWS})),
    by_event=st.booleans(),
    point=st.integers(1, 30),
    route=st.booleans(),
    eager=st.booleans(),
)
def test_cancel_anywhere_gives_a_prefix_plus_the_cancel_route(
    name: str, by_event: bool, point: int, route: bool, eager: bool
) -> None:
    expected = baseline(name)

    async def cancelled() -> tuple[Outcome_, bool]:
        harness = Harness(eager=eager)
        acted: list[bool] = []

        def cancel(target: Run) -> None:
            acted.append(target.cancel(route=route))

        if by_event:
            seen = 0

            def hook(target: Run, change: RunChange, detail: Any) -> None:
                nonlocal seen
                seen += 1
                if seen == point:
                    cancel(target)

            harness.recorder.hooks.append(hook)
        run = harness.engine.start(definition_of(name))
        if not by_event:
            harness.clock.call_later(point / 2, lambda: cancel(run))
        status = await run.wait()
        await harness.close()
        return Outcome_(status, harness.dispatches(), 0, list(run.path)), any(acted)

    result, did_cancel = run_async(cancelled)
    event(f"cancelled {result.status.value}" if did_cancel else "too late to cancel")
    if not did_cancel:  # the run had ended before the cancel: it ran as usual
        assert result.dispatches == expected.dispatches
        return
    if result.status is not RunStatus.CANCELLED:
        # the cancel came after the last action (from a listener of the last step)
        assert result.status is expected.status
        assert result.dispatches == expected.dispatches
        return
    before = [d for d in result.dispatches if d[0] not in CLEANUP]
    after = result.dispatches[len(before) :]
    assert before == expected.dispatches[: len(before)], "an action was repeated or lost"
    assert all(d[0] in CLEANUP for d in after), "cleanup actions come last"
    if not route:
        assert after == []


@PROPERTY
@given(
    name=st.sampled_from(sorted(WORKFLOWS)),
    change=st.sampled_from([RunChange.STEP_ENTERED, RunChange.WAITING]),
    nth=st.integers(1, 7),
    eager=st.booleans(),
)
def test_a_restored_snapshot_ends_like_the_uninterrupted_run(
    name: str, change: RunChange, nth: int, eager: bool
) -> None:
    expected = baseline(name)

    async def saved_and_restored() -> tuple[Outcome_, bool]:
        first = Harness(eager=eager)
        taken: dict[str, Any] = {}

        def hook(target: Run, kind: RunChange, detail: Any) -> None:
            nonlocal nth
            if kind is change and not taken:
                nth -= 1
                if nth == 0:
                    taken["snapshot"] = json.loads(json.dumps(target.snapshot()))
                    taken["dispatched"] = first.dispatches()
                    taken["attempts"] = dict(first.peer.attempts)
                    taken["at"] = first.clock.now()

        first.recorder.hooks.append(hook)
        run = first.engine.start(definition_of(name))
        status = await run.wait()
        await first.close()
        if not taken:  # fewer such moments than nth: nothing to restore
            return Outcome_(status, first.dispatches(), 0), False
        second = Harness(taken["at"], eager=eager)
        second.peer.attempts.update(taken["attempts"])
        restored = second.engine.restore(definition_of(name), taken["snapshot"])
        final = await restored.wait()
        await second.close()
        return Outcome_(
            final, taken["dispatched"] + second.dispatches(), 0, list(restored.path)
        ), True

    result, restored = run_async(saved_and_restored)
    event("restored" if restored else "not restored")
    assert result.status is expected.status
    if restored:
        assert sorted(result.dispatches) == sorted(expected.dispatches)
        assert sorted(result.path) == sorted(expected.path)
    else:
        assert result.dispatches == expected.dispatches


def test_baselines_are_what_the_workflows_say() -> None:
    raid = baseline("raid")
    assert raid.status is RunStatus.SUCCEEDED
    assert [d[0] for d in raid.dispatches] == [
        "announce",
        "hold",
        "check",
        "check",
        "later",
        "check",
        "big",
        "end",
    ]
    assert baseline("fan_out").status is RunStatus.SUCCEEDED
    assert baseline("graph").status is RunStatus.FAILED
    assert "below_bad" not in baseline("graph").path
    assert baseline("machine_parallel").status is RunStatus.SUCCEEDED
    assert baseline("slow_calls").path == ["call", "hold", "call_again", "end"]
