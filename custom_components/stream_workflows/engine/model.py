"""The parsed, validated form of a workflow definition. Immutable; built by `definition.py`."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class Shape(StrEnum):
    """The three kinds of workflow, told apart by their keys."""

    STATE_MACHINE = "state_machine"
    SEQUENCE = "sequence"
    DAG = "dag"


class Outcome(StrEnum):
    """How one action (or parallel block) ended."""

    SUCCESS = "success"
    ERROR = "error"
    TIMEOUT = "timeout"
    CANCEL = "cancel"


class ErrorPolicy(StrEnum):
    """What a failed step does to a run that has no route for it."""

    STOP_ON_ERROR = "stop_on_error"
    CONTINUE = "continue"


class RunMode(StrEnum):
    """What starting a workflow does while it already runs (as Home Assistant scripts)."""

    SINGLE = "single"
    RESTART = "restart"
    QUEUED = "queued"
    PARALLEL = "parallel"


class InterruptedAction(StrEnum):
    """What a restored run does with an external action that was in flight when it stopped."""

    RERUN = "rerun"
    ERROR = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """Retry after an error or timeout, with exponential backoff (as Amazon States Language)."""

    max_attempts: int
    interval: float = 1.0
    backoff_rate: float = 2.0
    max_delay: float | None = 3600.0  # always a cap: None (older callers) means this default
    jitter: bool = False

    def delay(self, retry_number: int, random_fraction: float) -> float:
        """Seconds to wait before retry number `retry_number` (1-based), never more than
        `max_delay`: the growth is worked out in logarithms, so it cannot overflow."""
        cap = 3600.0 if self.max_delay is None else self.max_delay
        if self.interval <= 0 or cap <= 0:
            return 0.0
        exponent = max(0, retry_number - 1) * math.log(max(self.backoff_rate, 1.0))
        if exponent + math.log(self.interval) >= math.log(cap) + 1e-9:
            delay = cap
        else:  # the exact power (2.0 ** 3 is 8, where exp(3 * log 2) is not)
            delay = min(self.interval * self.backoff_rate ** max(0, retry_number - 1), cap)
        return delay * min(max(random_fraction, 0.0), 1.0) if self.jitter else delay


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """A test on values found by path, combined with all/any/not; never evaluated as code.

    `kind` is "compare", "all", "any", "not" or "template" (the host renders templates).
    """

    kind: str
    path: str | None = None
    operator: str | None = None
    operand: Any = None
    children: tuple[Condition, ...] = ()
    template: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionDef:
    """One call of an adapter's action."""

    service: str
    action: str
    params: Mapping[str, Any]
    templated: bool
    timeout: float | None
    retry: RetryPolicy | None
    location: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """A unit of work: an action, or a parallel block of branches. Ids are workflow-unique."""

    id: str
    action: ActionDef | None = None
    branches: tuple[tuple[Step, ...], ...] = ()
    condition: Condition | None = None
    depends_on: tuple[str, ...] = ()
    continue_on_error: bool = False
    description: str | None = None
    location: str = ""

    @property
    def is_parallel(self) -> bool:
        return bool(self.branches)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransitionOption:
    """One candidate target of a transition; `condition` None means "otherwise"."""

    target: str
    condition: Condition | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """A state machine state: its work (an action, a parallel block, or nothing) and routes."""

    step: Step
    transitions: Mapping[str, tuple[TransitionOption, ...]]
    # The target of a `success` transition that is one option without a condition: where
    # most transitions go, known without looking at the options (`routing.route`).
    plain_success: str | None = field(init=False, default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        options = self.transitions.get("success")
        if options is not None and len(options) == 1 and options[0].condition is None:
            object.__setattr__(self, "plain_success", str(options[0].target))

    @property
    def name(self) -> str:
        return self.step.id

    @property
    def is_terminal(self) -> bool:
        return not self.transitions


@dataclass(frozen=True, slots=True, kw_only=True)
class InputDef:
    """A declared input: a field of the workflow's service in Home Assistant."""

    name: str
    description: str | None = None
    default: Any = None
    has_default: bool = False
    required: bool = False
    type: str | None = None
    example: Any = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TriggerDef:
    """A trigger as written; the host (Home Assistant) interprets it."""

    config: Mapping[str, Any]
    location: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowDefinition:
    """A whole validated workflow."""

    id: str
    name: str
    shape: Shape
    description: str | None = None
    error_policy: ErrorPolicy = ErrorPolicy.STOP_ON_ERROR
    mode: RunMode = RunMode.SINGLE
    max_runs: int = 10
    max_parallel_steps: int = 8
    interrupted_action: InterruptedAction = InterruptedAction.RERUN
    inputs: Mapping[str, InputDef] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    triggers: tuple[TriggerDef, ...] = ()
    initial_state: str | None = None
    states: Mapping[str, State] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    source: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    # Worked out once: runs ask on every step, and a workflow may have 10,000 of them.
    _cache: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @property
    def top_steps(self) -> tuple[Step, ...]:
        """Steps in document order: states, sequence steps or DAG nodes."""
        if self.shape is not Shape.STATE_MACHINE:
            return self.steps
        if "top_steps" not in self._cache:
            self._cache["top_steps"] = tuple(state.step for state in self.states.values())
        top: tuple[Step, ...] = self._cache["top_steps"]
        return top

    def all_steps(self) -> dict[str, Step]:
        """Every step by id, branch steps of parallel blocks included (a copy)."""
        return dict(self.steps_by_id())

    def steps_by_id(self) -> Mapping[str, Step]:
        """`all_steps` without the copy (shared: for lookups)."""
        if "all_steps" not in self._cache:
            found: dict[str, Step] = {}
            for step in self.top_steps:
                found[step.id] = step
                for branch in step.branches:
                    for inner in branch:
                        found[inner.id] = inner
            self._cache["all_steps"] = found
        steps: Mapping[str, Step] = self._cache["all_steps"]
        return steps

    def written_params(self) -> Mapping[str, Mapping[str, Any]]:
        """The parameters of every step that has an action, as written, by step id (made
        once; shared: never change it)."""
        return self.cached(
            "written_params",
            lambda: MappingProxyType(
                {
                    step_id: step.action.params
                    for step_id, step in self.steps_by_id().items()
                    if step.action is not None
                }
            ),
        )

    def cached[T](self, key: str, make: Callable[[], T]) -> T:
        """`make()`, worked out once per definition (nothing in a definition changes):
        for what is read of it again and again, such as the paths it references."""
        if key not in self._cache:
            self._cache[key] = make()
        found: T = self._cache[key]
        return found

    def action_count(self) -> int:
        """How many steps do work: the sensor's `steps` attribute counts these."""
        return len(self.top_steps)
