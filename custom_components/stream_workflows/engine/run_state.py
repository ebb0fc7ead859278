"""What a run is at one moment, typed, and its snapshot: where it stands in its shape (the
state of a state machine, the index of a sequence, the progress of parallel blocks, what each
DAG node became), the steps in progress, results, errors and history.

The drivers and the step executor write it; `to_snapshot` turns it into JSON-ready data,
`from_snapshot` takes a snapshot back, checkpoints of earlier engines included: the `position`
mapping of version 2 is read as before, and written with the same keys (those that hold
something). `Run` extends it: hosts read these fields on the run itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Required, TypedDict, cast

from .history import History, Redact
from .model import Shape, WorkflowDefinition
from .run_types import RunError, RunStatus

SNAPSHOT_VERSION = 2  # 2: only the run's own variables (1: all of them)


class ActiveStep(TypedDict, total=False):
    """A step entered and not yet left: its attempt, wait progress, call in flight."""

    attempt: Required[int]
    wait_total: float
    wait_ends_at: datetime
    wait_remaining: float  # a paused (or restored) wait: what is left of it
    in_flight: bool  # an external call was dispatched and has not answered
    retrying: bool  # in the delay before its next attempt


class BlockProgress(TypedDict):
    """A parallel block's branches: the next step of each, and how each ended (or None)."""

    next: list[int]
    outcome: list[str | None]


class RunState:
    """One run's data: who it is, where it is, what it did. Everything a snapshot holds.

    `Run` extends it with the run's life: hosts read these fields on the run itself, plain
    slots (an engine scans its runs' `definition` and `status` on every start)."""

    # Slots: thousands of runs may be parked in waits.
    __slots__ = (
        "active",
        "branches",
        "cancel_routed",
        "definition",
        "error",
        "errors",
        "final",
        "finished_at",
        "history",
        "index",
        "last_error",
        "machine_state",
        "nodes",
        "path",
        "rehearsal",
        "restored_waits",
        "results",
        "run_id",
        "started_at",
        "status",
        "trigger",
        "variables",
    )

    def __init__(
        self,
        definition: WorkflowDefinition,
        run_id: str,
        variables: dict[str, Any],
        history: History,
        started_at: datetime,
        *,
        rehearsal: bool = False,
        trigger: dict[str, Any] | None = None,
    ) -> None:
        self.definition = definition
        self.run_id = run_id
        self.variables = variables
        self.rehearsal = rehearsal
        self.trigger = trigger
        self.history = history
        self.status = RunStatus.QUEUED
        self.started_at = started_at
        self.finished_at: datetime | None = None
        self.results: dict[str, Any] = {}
        self.path: list[str] = []
        self.active: dict[str, ActiveStep] = {}
        # Waits (and retry delays) a restore found in progress: seconds left, by step.
        self.restored_waits: dict[str, float] = {}
        self.error: RunError | None = None  # the error that failed the run
        self.errors: list[RunError] = []  # errors the run got past (the latest)
        self.last_error: RunError | None = None  # handled or fatal: what `${error}` reads
        self.cancel_routed = False  # the run took its one `cancel` route (or may take none)
        # The position, by shape (None: not there yet).
        self.machine_state: str | None = None  # state machine: the state it is in
        self.index: int | None = None  # sequence: the next top-level step
        self.nodes: dict[str, str] | None = None  # DAG: what each finished node became
        self.branches: dict[str, BlockProgress] | None = None  # parallel blocks under way
        self.final: str | None = None  # the status the run ends (or ended) with

    # -- the position -------------------------------------------------------------------

    @property
    def position(self) -> dict[str, Any]:
        """Where the run is in its shape, as a snapshot's `position` mapping (a copy)."""
        found: dict[str, Any] = {}
        if self.machine_state is not None:
            found["state"] = self.machine_state
        if self.index is not None:
            found["index"] = self.index
        if self.branches:
            found["branches"] = {
                block: {"next": list(saved["next"]), "outcome": list(saved["outcome"])}
                for block, saved in self.branches.items()
            }
        if self.nodes is not None:
            found["nodes"] = dict(self.nodes)
        if self.final is not None:
            found["final"] = self.final
        return found

    def load_position(self, position: Mapping[str, Any]) -> None:
        """Take over a snapshot's `position` mapping."""
        state = position.get("state")
        self.machine_state = str(state) if state is not None else None
        index = position.get("index")
        self.index = int(index) if index is not None else None
        branches = position.get("branches")
        self.branches = (
            {
                str(block): {"next": list(saved["next"]), "outcome": list(saved["outcome"])}
                for block, saved in branches.items()
            }
            if branches
            else None
        )
        nodes = position.get("nodes")
        self.nodes = dict(nodes) if nodes is not None else None
        final = position.get("final")
        self.final = str(final) if final is not None else None

    def block(self, block_id: str, branches: int) -> BlockProgress:
        """A parallel block's progress, started afresh when it is entered."""
        blocks = self.branches
        if blocks is None:
            blocks = self.branches = {}
        saved = blocks.get(block_id)
        if saved is None:
            saved = blocks[block_id] = {"next": [0] * branches, "outcome": [None] * branches}
        return saved

    def end_block(self, block_id: str) -> None:
        """Forget a parallel block's progress (it ended, or was cancelled)."""
        if self.branches is not None:
            self.branches.pop(block_id, None)

    # -- reading it ----------------------------------------------------------------------

    def wait_ends_at(self) -> datetime | None:
        """When the current wait ends (the earliest, if several branches wait)."""
        ends = [info["wait_ends_at"] for info in self.active.values() if "wait_ends_at" in info]
        return min(ends) if ends else None

    def wait_left(self, now: datetime) -> float | None:
        """Seconds left at `now` of the current wait (the first that waits). Right after a
        pause the wait has not yet stopped its timer: it swaps `wait_ends_at` for
        `wait_remaining` on its next turn, so both are read."""
        for info in self.active.values():
            if "wait_remaining" in info:
                return max(0.0, float(info["wait_remaining"]))
            if "wait_ends_at" in info:
                return max(0.0, (info["wait_ends_at"] - now).total_seconds())
        return None

    def progress(self) -> tuple[int, int]:
        """(steps done, steps in all) for progress displays."""
        total = self.definition.action_count()
        if self.definition.shape is Shape.SEQUENCE:
            return min(self.index or 0, total), total
        if self.definition.shape is Shape.DAG:
            return len(self.nodes or ()), total
        return len(self.path), total

    # -- snapshots ----------------------------------------------------------------------

    def to_snapshot(
        self, base_variables: Mapping[str, Any], redact: Redact | None
    ) -> dict[str, Any]:
        """What this run needs to continue elsewhere, as JSON-ready data.

        Compact: of the variables only the run's own (its inputs and what it changed), not
        `base_variables` (the shared ones and the definition's, read again on restore).
        `redact` takes secret values out of the texts it holds.
        """
        active = {
            step: {
                key: (value.isoformat() if isinstance(value, datetime) else value)
                for key, value in info.items()
            }
            for step, info in self.active.items()
        }
        snapshot = {
            "version": SNAPSHOT_VERSION,
            "workflow_id": self.definition.id,
            "fingerprint": self.definition.fingerprint,
            "run_id": self.run_id,
            "status": self.status.value,
            "rehearsal": self.rehearsal,
            "trigger": self.trigger,
            "variables": own_variables(base_variables, self.variables),
            "results": self.results,
            "path": list(self.path),
            "position": self.position,
            "active": active,
            "cancel_routed": self.cancel_routed,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "error": self.error.as_dict() if self.error else None,
            "errors": [error.as_dict() for error in self.errors],
            "last_error": self.last_error.as_dict() if self.last_error else None,
            "history": self.history.as_dicts(),
            "history_dropped": self.history.dropped,
        }
        scrubbed: dict[str, Any] = scrub(snapshot, redact)  # an error may quote a secret
        return scrubbed

    def from_snapshot(
        self, data: Mapping[str, Any], now: datetime, max_history: int, redact: Redact | None
    ) -> None:
        """Take over a snapshot's state; a wait in progress keeps what is left of it at `now`."""
        self.status = RunStatus(data["status"])
        self.results = dict(data["results"])
        self.path = list(data["path"])
        self.load_position(data["position"])
        self.cancel_routed = bool(data.get("cancel_routed"))
        self.started_at = datetime.fromisoformat(data["started_at"])
        if data.get("finished_at"):
            self.finished_at = datetime.fromisoformat(data["finished_at"])
        if data.get("error"):
            self.error = RunError(**data["error"])
        self.errors = [RunError(**error) for error in data.get("errors", [])]
        if data.get("last_error"):
            self.last_error = RunError(**data["last_error"])
        self.history = History.from_dicts(
            data["history"], max_history, data.get("history_dropped", 0), redact
        )
        for step, saved in data["active"].items():
            info = dict(saved)
            if "wait_remaining" in info:
                self.restored_waits[step] = float(info["wait_remaining"])
            elif "wait_ends_at" in info:
                ends = datetime.fromisoformat(info["wait_ends_at"])
                self.restored_waits[step] = max(0.0, (ends - now).total_seconds())
            for key in ("wait_remaining", "wait_ends_at", "wait_total"):
                info.pop(key, None)
            self.active[step] = cast(ActiveStep, info)
        self.history.note(now, "run_restored", None, {"status": self.status.value})


def scrub(value: Any, redact: Callable[[str], str] | None, depth: int = 0) -> Any:
    """`value` with `redact` applied to its texts (copied only where something changed)."""
    if redact is None or depth > 64:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        scrubbed = {key: scrub(item, redact, depth + 1) for key, item in value.items()}
        same = all(scrubbed[key] is item for key, item in value.items())
        return value if same else scrubbed
    if isinstance(value, list):
        items = [scrub(item, redact, depth + 1) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def own_variables(base: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """What `values` adds to or changes in `base`, mappings compared key by key: merged over
    `base` again it gives `values` back (a key removed from `base` is not recorded)."""
    own: dict[str, Any] = {}
    for key, value in values.items():
        if key in base:
            known = base[key]
            if known is value:
                continue
            if isinstance(value, Mapping) and isinstance(known, Mapping) and value:
                inner = own_variables(known, value)
                if inner:
                    own[key] = inner
                continue
            if known == value:
                continue
        own[key] = value
    return own


__all__ = [
    "SNAPSHOT_VERSION",
    "ActiveStep",
    "BlockProgress",
    "RunState",
    "own_variables",
    "scrub",
]
