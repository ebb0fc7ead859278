"""Rehearse a workflow on virtual time: external actions are recorded, never executed.

One rehearsal for every caller: `stream-workflows simulate`, the Studio's `rehearse` command
and the language tools' `rehearse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .adapter import AdapterRegistry
from .clock import VirtualClock
from .engine import WorkflowEngine
from .model import WorkflowDefinition
from .run import ActionDispatch, RehearsalPlan, Run, RunChange, RunStatus

MAX_REPEATS = 1_000  # steps entered again plus retried attempts, before "seems to loop"


@dataclass(slots=True)
class Rehearsal:
    """What a rehearsal did."""

    workflow_id: str
    status: RunStatus
    path: list[str]
    actions: list[tuple[datetime, ActionDispatch]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)  # handled errors, in order
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """The `stream-workflows simulate --json` object."""
        return {
            "workflow_id": self.workflow_id,
            "status": self.status.value,
            "path": self.path,
            "actions": [
                {
                    "step": dispatch.step,
                    "service": dispatch.service,
                    "action": dispatch.action,
                    "params": dict(dispatch.params),
                }
                for _, dispatch in self.actions
            ],
            "error": self.error,
            "errors": self.errors,
        }


async def rehearse(
    definition: WorkflowDefinition,
    registry: AdapterRegistry,
    variables: dict[str, Any],
    plan: RehearsalPlan,
    *,
    start: datetime | None = None,
    max_repeats: int = MAX_REPEATS,
) -> Rehearsal:
    """Run `definition` as a rehearsal to its end on a virtual clock.

    A workflow that loops for ever (a state machine cycling on its own, a step retried in a
    loop) is stopped once steps were entered again, or actions retried, `max_repeats` times
    in all: the rehearsal ends `cancelled`, its error says why. Work done once never counts,
    so a straight sequence of any length runs to its end.
    """
    clock = VirtualClock(start)
    actions: list[tuple[datetime, ActionDispatch]] = []
    entered_once: set[str] = set()
    repeats = 0
    limited: dict[str, Any] | None = None

    def repeated(run: Run, step: str) -> None:
        nonlocal repeats, limited
        repeats += 1
        if repeats > max_repeats and limited is None:
            limited = {
                "step": step,
                "type": "rehearsal_limit",
                "message": (
                    f"stopped after {max_repeats} repeats (steps entered again and actions "
                    f"retried); the workflow seems to loop, last at '{step}'"
                ),
            }
            run.cancel(route=False)

    def listen(run: Run, change: RunChange, detail: Any) -> None:
        if limited is not None:
            return
        if change is RunChange.ACTION_STARTED:
            actions.append((clock.now(), detail))
            if detail.attempt > 1:
                repeated(run, detail.step)
        elif change is RunChange.STEP_ENTERED:
            if detail in entered_once:
                repeated(run, detail)
            else:
                entered_once.add(detail)

    engine = WorkflowEngine(registry, clock=clock, listener=listen)
    try:
        run = engine.start(definition, variables, rehearsal=True, plan=plan)
        status = await run.wait()
    finally:
        await clock.aclose()
    return Rehearsal(
        workflow_id=definition.id,
        status=status,
        path=list(run.path),
        actions=actions,
        error=limited or (run.error.as_dict() if run.error else None),
        errors=[error.as_dict() for error in run.errors],
        started_at=run.started_at,
        finished_at=run.finished_at,
    )
