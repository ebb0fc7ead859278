"""Rehearse a workflow on virtual time: external actions are recorded, never executed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .adapter import AdapterRegistry
from .clock import VirtualClock
from .engine import WorkflowEngine
from .model import WorkflowDefinition
from .run import ActionDispatch, RehearsalPlan, Run, RunChange, RunStatus

MAX_STEPS = 10_000


@dataclass(slots=True)
class Rehearsal:
    """What a rehearsal did."""

    workflow_id: str
    status: RunStatus
    path: list[str]
    actions: list[tuple[datetime, ActionDispatch]] = field(default_factory=list)
    error: dict[str, Any] | None = None
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
        }


async def rehearse(
    definition: WorkflowDefinition,
    registry: AdapterRegistry,
    variables: dict[str, Any],
    plan: RehearsalPlan,
    *,
    start: datetime | None = None,
    max_steps: int = MAX_STEPS,
) -> Rehearsal:
    """Run `definition` as a rehearsal to its end on a virtual clock.

    A workflow that loops for ever (a state machine cycling on its own) is stopped once it
    has entered `max_steps` steps: the rehearsal ends `cancelled`, its error says why.
    """
    clock = VirtualClock(start)
    actions: list[tuple[datetime, ActionDispatch]] = []
    entered = 0
    limited: dict[str, Any] | None = None

    def listen(run: Run, change: RunChange, detail: Any) -> None:
        nonlocal entered, limited
        if change is RunChange.ACTION_STARTED:
            actions.append((clock.now(), detail))
        elif change is RunChange.STEP_ENTERED:
            entered += 1
            if entered > max_steps and limited is None:
                limited = {
                    "step": detail,
                    "type": "rehearsal_limit",
                    "message": f"stopped after {max_steps} steps: the workflow seems to loop",
                }
                run.cancel(route=False)

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
        started_at=run.started_at,
        finished_at=run.finished_at,
    )
