"""Helpers for engine tests: build definitions from dicts and run them on virtual time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import (
    ActionDispatch,
    AdapterRegistry,
    Run,
    RunChange,
    VirtualClock,
    WorkflowDefinition,
    WorkflowEngine,
    load_definition,
)


def build(document: Mapping[str, Any], registry: AdapterRegistry | None = None) -> WorkflowDefinition:
    """A valid definition, or an AssertionError listing the problems."""
    definition, problems = load_definition(dict(document), registry or default_registry())
    errors = [p for p in problems if p.severity == "error"]
    assert definition is not None, "\n".join(p.format() for p in errors)
    return definition


def problems_of(document: Any) -> list[str]:
    """Every problem as `PATH: message` (warnings marked)."""
    _, problems = load_definition(document, default_registry())
    return [problem.format() for problem in problems]


class Recorder:
    """A listener that records what runs did."""

    def __init__(self) -> None:
        self.dispatches: list[ActionDispatch] = []
        self.changes: list[tuple[str, RunChange, Any]] = []

    def __call__(self, run: Run, change: RunChange, detail: Any) -> None:
        self.changes.append((run.run_id, change, detail))
        if change is RunChange.ACTION_STARTED:
            self.dispatches.append(detail)

    def steps(self) -> list[str]:
        return [dispatch.step for dispatch in self.dispatches]


def make_engine(
    registry: AdapterRegistry | None = None, **kwargs: Any
) -> tuple[WorkflowEngine, VirtualClock, Recorder]:
    clock = VirtualClock()
    recorder = Recorder()
    engine = WorkflowEngine(
        registry or default_registry(), clock=clock, listener=recorder, **kwargs
    )
    return engine, clock, recorder
