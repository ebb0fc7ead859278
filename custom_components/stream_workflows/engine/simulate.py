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
) -> Rehearsal:
    """Run `definition` as a rehearsal to its end on a virtual clock."""
    clock = VirtualClock(start)
    actions: list[tuple[datetime, ActionDispatch]] = []

    def listen(_run: Run, change: RunChange, detail: Any) -> None:
        if change is RunChange.ACTION_STARTED:
            actions.append((clock.now(), detail))

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
        error=run.error.as_dict() if run.error else None,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )
