"""The built-in names a workflow's `${...}` may read: `date`, `time`, `now`, `run`, `workflow`,
`error` and `trigger`. One table: a run builds each value from it; validation refuses these as
step or input names, and never takes one for an input the workflow forgot to declare.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Protocol

from .clock import Clock
from .model import WorkflowDefinition


class _Error(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


class RunFacts(Protocol):
    """What the built-ins read of a run."""

    @property
    def clock(self) -> Clock: ...
    @property
    def definition(self) -> WorkflowDefinition: ...
    @property
    def run_id(self) -> str: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def rehearsal(self) -> bool: ...
    @property
    def trigger(self) -> Mapping[str, Any] | None: ...
    @property
    def last_error(self) -> _Error | None: ...


def _run(run: RunFacts) -> dict[str, Any]:
    return {
        "id": run.run_id,
        "workflow_id": run.definition.id,
        "started_at": run.started_at.isoformat(),
        "rehearsal": run.rehearsal,
    }


def _error(run: RunFacts) -> dict[str, Any] | None:
    error = run.last_error
    return error.as_dict() if error is not None else None


BUILT_INS: Mapping[str, Callable[[RunFacts], Any]] = MappingProxyType(
    {
        "date": lambda run: run.clock.now().strftime("%Y-%m-%d"),
        "time": lambda run: run.clock.now().strftime("%H-%M-%S"),
        "now": lambda run: run.clock.now().isoformat(timespec="seconds"),
        "run": _run,
        "workflow": lambda run: {"id": run.definition.id, "name": run.definition.name},
        "error": _error,
        "trigger": lambda run: run.trigger,
    }
)
