"""The workflow engine: starts runs under each workflow's mode, restores saved runs, stops."""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .adapter import AdapterRegistry
from .clock import Clock, RealClock
from .conditions import TemplateEvaluator
from .errors import InputError, RunRejectedError
from .events import EventHub, LocalEventHub
from .inputs import type_problem
from .limits import LimitError, measure
from .model import ActionDef, RunMode, WorkflowDefinition
from .prepared import PreparedAction, PreparedActions
from .run import RehearsalPlan, Run, RunListener, RunStatus


class WorkflowEngine:
    """Owns every run. Hosts (Home Assistant, the command line, tests) drive it."""

    # Set by a host that checkpoints runs: awaited before each external action is dispatched,
    # so that the run, with the action marked in flight, is saved first.
    before_dispatch: Callable[[Run], Awaitable[None]] | None = None
    # Set by a host that keeps secrets: applied to the texts a run's history records.
    redact: Callable[[str], str] | None = None

    def __init__(
        self,
        registry: AdapterRegistry,
        *,
        clock: Clock | None = None,
        events: EventHub | None = None,
        listener: RunListener | None = None,
        templates: TemplateEvaluator | None = None,
        globals_: Mapping[str, Any] | None = None,
        rng: random.Random | None = None,
        max_history: int = 500,
        eager_start: bool = False,
    ) -> None:
        self.clock: Clock = clock or RealClock()
        self.events: EventHub = events or LocalEventHub()
        self.listener = listener
        # `ACTION_STARTED` of a real run costs an object per step: a host that does not read
        # it turns it off (a rehearsal's is always told: its host counts the calls).
        self.tell_dispatches = True
        # `STEP_LEFT` of a state machine's step that is followed at once by the next one's
        # `STEP_ENTERED`: a host whose listener does the same for both may turn it off
        # (then `STEP_ENTERED` stands for both; a step left before a wait is still told).
        self.tell_steps_left = True
        self.templates = templates
        self.globals: dict[str, Any] = dict(globals_ or {})
        self.max_history = max_history
        # Eager runs execute up to their first real wait inside `start()`, so a host sees
        # the first state entered in the same turn of the loop (Home Assistant uses this).
        self.eager_start = eager_start
        self._prepared = PreparedActions(registry)
        # `RunHost.prepared` is the cache's own lookup: a call less on every step.
        self.prepared: Callable[[ActionDef], PreparedAction] = self._prepared.get
        self._rng = rng or random.Random()
        # Run ids: 48 random bits, as many as the first 12 hex digits of a uuid4, from a
        # generator of their own (seeded by the system), without a system call per run.
        self._run_ids = random.Random()
        self._runs: dict[str, Run] = {}
        # The same runs by workflow: starting a run, and each entity write, looks at its
        # workflow's runs, not at every run parked in a wait.
        self._by_workflow: dict[str, dict[str, Run]] = {}
        self._queues: dict[str, deque[Run]] = {}
        self._base: dict[str, tuple[WorkflowDefinition, dict[str, Any], dict[str, Any]]] = {}

    # -- runs ---------------------------------------------------------------------------

    def start(
        self,
        definition: WorkflowDefinition,
        variables: Mapping[str, Any] | None = None,
        *,
        rehearsal: bool = False,
        plan: RehearsalPlan | None = None,
        trigger: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        clock: Clock | None = None,
    ) -> Run:
        """Start (or queue) a run. Raises `InputError` for bad variables and
        `RunRejectedError` when the workflow's mode does not allow another run now.

        `clock` gives this run a time of its own (a rehearsal on a `VirtualClock` in a host
        whose other runs use real time); by default every run uses the engine's clock."""
        merged = self.prepare_variables(definition, variables or {})
        active = self.active_runs(definition.id)
        if active:
            if definition.mode is RunMode.SINGLE:
                raise RunRejectedError(f"'{definition.id}' is already running (mode: single)")
            if definition.mode is RunMode.RESTART:
                for old in active:
                    old.cancel(route=False)
            if definition.mode is RunMode.PARALLEL and len(active) >= definition.max_runs:
                raise RunRejectedError(
                    f"'{definition.id}' already has {len(active)} runs (mode: parallel, "
                    f"max: {definition.max_runs})"
                )
        run = Run(
            self,
            definition,
            run_id or f"{self._run_ids.getrandbits(48):012x}",
            merged,
            rehearsal=rehearsal,
            plan=plan,
            trigger=trigger,
        )
        if clock is not None:
            run.clock = clock
            run.started_at = clock.now()
        self._add(run)
        queue = self._queues.get(definition.id)
        if definition.mode is RunMode.QUEUED and (active or queue):
            if queue is None:
                queue = self._queues[definition.id] = deque()
            # as in Home Assistant scripts, `max` counts the runs running and waiting
            if len(active) + len(queue) >= definition.max_runs:
                self._forget(run)
                raise RunRejectedError(
                    f"'{definition.id}' already has {len(active)} running and {len(queue)} "
                    f"waiting (mode: queued, max: {definition.max_runs})"
                )
            queue.append(run)
            run.history.add(self.clock.now(), "run_queued")
            return run
        run.begin(at=run.started_at)  # made just now: it starts when it was made
        return run

    def prepare_variables(
        self, definition: WorkflowDefinition, given: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Globals, then the definition's variables, then input defaults, then `given`.
        `given` is bounded (`limits.MAX_DEPTH` levels, `limits.MAX_BYTES`): past a limit it
        is an `InputError` naming the limit, before anything else looks at it."""
        try:
            if given:  # most runs are given none: nothing to measure
                measure(given)
        except LimitError as err:
            raise InputError(f"the variables are {err}") from None
        problems: list[str] = []
        for name, spec in definition.inputs.items():
            if name in given:
                wrong = type_problem(spec.type, given[name])
                if wrong is not None and "finite" in wrong:
                    problems.append(f"input '{name}' {wrong}")
                elif wrong is not None:
                    shown = repr(given[name])
                    shown = shown if len(shown) <= 80 else shown[:79] + "…"
                    problems.append(f"input '{name}' must be a {spec.type}, got {shown}")
            elif spec.required and not spec.has_default:
                problems.append(f"input '{name}' is required")
        if problems:
            raise InputError("; ".join(problems))
        return _deep_merge(self.base_variables(definition), given)

    def base_variables(self, definition: WorkflowDefinition) -> dict[str, Any]:
        """Globals, the definition's variables and input defaults: what every run of
        `definition` starts from (computed once per definition and globals)."""
        cached = self._base.get(definition.id)
        if cached is not None and cached[0] is definition and cached[1] is self.globals:
            return cached[2]
        merged: dict[str, Any] = _deep_merge(self.globals, definition.variables)
        for name, spec in definition.inputs.items():
            if spec.has_default:
                merged[name] = spec.default
        self._base[definition.id] = (definition, self.globals, merged)
        return merged

    def restore(self, definition: WorkflowDefinition, snapshot: Mapping[str, Any]) -> Run:
        """Continue a run saved with `Run.snapshot()`: its own variables over today's
        globals and definition variables (a secret changed since is used as it is now)."""
        run = Run(
            self,
            definition,
            snapshot["run_id"],
            _deep_merge(self.base_variables(definition), snapshot["variables"]),
            rehearsal=bool(snapshot.get("rehearsal")),
            trigger=snapshot.get("trigger"),
        )
        run.load_snapshot(snapshot)
        if run.finished:
            return run  # saved after it ended: nothing left to run
        self._add(run)
        if run.status is RunStatus.QUEUED:
            self._queues.setdefault(definition.id, deque()).append(run)
            return run
        run.begin(restored=True)
        return run

    def get(self, run_id: str) -> Run | None:
        return self._runs.get(run_id)

    def runs(self, workflow_id: str | None = None) -> list[Run]:
        """Runs not yet finished (queued included), oldest first."""
        if workflow_id is None:
            return list(self._runs.values())
        return list(self._by_workflow.get(workflow_id, {}).values())

    def active_runs(self, workflow_id: str) -> list[Run]:
        """Runs of `workflow_id` that are running or paused."""
        return [
            run
            for run in self._by_workflow.get(workflow_id, {}).values()
            if run.status is RunStatus.RUNNING or run.status is RunStatus.PAUSED
        ]

    def _add(self, run: Run) -> None:
        self._runs[run.run_id] = run
        self._by_workflow.setdefault(run.definition.id, {})[run.run_id] = run

    def _forget(self, run: Run) -> None:
        self._runs.pop(run.run_id, None)
        runs = self._by_workflow.get(run.definition.id)
        if runs is not None and runs.get(run.run_id) is run:
            del runs[run.run_id]
            if not runs:
                del self._by_workflow[run.definition.id]

    def dequeue(self, run: Run) -> None:
        """Take a queued run out of its queue (it was cancelled)."""
        queue = self._queues.get(run.definition.id)
        if queue and run in queue:
            queue.remove(run)

    def run_finished(self, run: Run) -> None:
        """Forget a finished run (out of its queue, if it was cancelled there) and start the
        next queued one of its workflow."""
        self.dequeue(run)
        self._forget(run)
        queue = self._queues.get(run.definition.id)
        if queue and not self.active_runs(run.definition.id):
            next_run = queue.popleft()
            next_run.begin()

    async def cancel_all(self) -> None:
        """Cancel every run without routes and wait for them to end."""
        runs = list(self._runs.values())
        for run in runs:
            run.cancel(route=False)
        await asyncio.gather(*(run.wait() for run in runs if not run.finished))

    async def shutdown(self) -> None:
        """Stop every task but keep the runs unfinished, so their snapshots can be restored."""
        await asyncio.gather(*(run.stop() for run in list(self._runs.values())))
        self._runs.clear()
        self._by_workflow.clear()
        self._queues.clear()

    # -- helpers for runs ---------------------------------------------------------------

    @property
    def registry(self) -> AdapterRegistry:
        return self._prepared.registry

    def random(self) -> float:
        """A fraction in [0, 1) for retry jitter (seeded in tests)."""
        return self._rng.random()


def _deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
