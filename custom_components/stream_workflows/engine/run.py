"""One run of a workflow: its drivers (state machine, sequence, DAG), pause, resume, cancel.

Runs are asyncio tasks. Pause takes effect at a step boundary (a wait in progress keeps its
remaining time; an external call in flight completes first). Cancel interrupts the current
action and ends its state with the `cancel` outcome, so a state machine can route to cleanup.
The run's position is kept consistent at every synchronous point, so a snapshot taken from a
listener can always be restored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Mapping, MutableMapping
from datetime import datetime, timedelta
from typing import Any

import voluptuous as vol

from .adapter import ActionSpec, Adapter, humanize_invalid
from .built_ins import BUILT_INS
from .clock import Clock
from .conditions import evaluate
from .drive_dag import drive_dag
from .errors import ActionError, ActionTimeoutError, TemplateError
from .events import EventHub
from .history import History
from .model import (
    ActionDef,
    Condition,
    InterruptedAction,
    Outcome,
    Shape,
    State,
    Step,
    WorkflowDefinition,
)
from .numbers import MAX_WAIT_SECONDS
from .routing import NoTransitionError, continues, route
from .run_host import RunHost
from .run_types import (
    ActionDispatch,
    InvalidParamsError,
    RehearsalPlan,
    RunChange,
    RunError,
    RunFailedError,
    RunStatus,
)
from .template import lookup, render

_LOGGER = logging.getLogger(__name__)
SNAPSHOT_VERSION = 2  # 2: only the run's own variables (1: all of them)
YIELD_EVERY = 64  # steps in a row without suspending before a run yields to the event loop
MAX_HANDLED_ERRORS = 100  # a run keeps its latest handled errors (a loop may fail every turn)


RunListener = Callable[["Run", RunChange, Any], None]


class _StepContext:
    """The `ActionContext` one action sees."""

    __slots__ = ("_run", "step_id")

    def __init__(self, run: Run, step_id: str) -> None:
        self._run = run
        self.step_id = step_id

    @property
    def workflow_id(self) -> str:
        return self._run.definition.id

    @property
    def run_id(self) -> str:
        return self._run.run_id

    @property
    def rehearsal(self) -> bool:
        return self._run.rehearsal

    @property
    def variables(self) -> MutableMapping[str, Any]:
        return self._run.variables

    @property
    def events(self) -> EventHub:
        return self._run.host.events

    def now(self) -> datetime:
        return self._run.clock.now()

    async def sleep(self, seconds: float) -> None:
        restored = self._run.restored_waits.pop(self.step_id, None)
        await self._run.pausable_sleep(
            self.step_id, seconds if restored is None else restored, total=seconds
        )

    def log(self, message: str) -> None:
        self._run.history.add(self._run.clock.now(), "log", self.step_id, {"message": message})


class Run:
    """A single execution of a workflow definition."""

    # Slots: thousands of runs may be parked in waits; a dict per run would double their size.
    __slots__ = (
        "_cancel_requested",
        "_cancel_routed",
        "_done",
        "_last_error",
        "_main_entered",
        "_moment",
        "_pause_requested",
        "_resumed",
        "_stopping",
        "_task",
        "_unyielded",
        "_waiters",
        "active",
        "clock",
        "definition",
        "error",
        "errors",
        "finished_at",
        "history",
        "host",
        "path",
        "plan",
        "position",
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
        host: RunHost[Run],
        definition: WorkflowDefinition,
        run_id: str,
        variables: dict[str, Any],
        *,
        rehearsal: bool = False,
        plan: RehearsalPlan | None = None,
        trigger: Mapping[str, Any] | None = None,
    ) -> None:
        self.host = host
        self.definition = definition
        self.run_id = run_id
        self.variables = variables
        self.rehearsal = rehearsal
        self.plan = plan if rehearsal else None
        self.trigger = dict(trigger) if trigger else None
        self.clock: Clock = host.clock
        self.status = RunStatus.QUEUED
        self.results: dict[str, Any] = {}
        self.path: list[str] = []
        self.history: History = History(host.max_history, host.redact)
        self.error: RunError | None = None
        self.errors: list[RunError] = []
        self.started_at = self.clock.now()
        self.finished_at: datetime | None = None
        # Steps entered and not yet left: attempt number, wait progress, external call in flight.
        self.active: dict[str, dict[str, Any]] = {}
        self.position: dict[str, Any] = {}
        self.restored_waits: dict[str, float] = {}
        self._last_error: RunError | None = None
        self._task: asyncio.Task[None] | None = None
        self._done: asyncio.Future[RunStatus] | None = None
        self._pause_requested = False
        self._resumed: asyncio.Event | None = None
        self._waiters: set[asyncio.Future[bool]] = set()
        self._cancel_requested = False
        self._cancel_routed = False
        self._stopping = False
        self._unyielded = 0
        self._main_entered = False
        # (step, time) of a step's last history entry, for the next entry of the same step
        # in the same turn (entered -> action started, action succeeded -> left): one clock
        # read instead of two on every transition.
        self._moment: tuple[str, datetime] | None = None

    # -- public control ---------------------------------------------------------------

    @property
    def current(self) -> list[str]:
        """Ids of the steps in progress, in the order they were entered."""
        return list(self.active)

    @property
    def last_error(self) -> RunError | None:
        """The latest error, handled or fatal: what `${error}` reads."""
        return self._last_error

    @property
    def finished(self) -> bool:
        return self.status.finished

    def wait_ends_at(self) -> datetime | None:
        """When the current wait ends (the earliest, if several branches wait)."""
        ends = [info["wait_ends_at"] for info in self.active.values() if "wait_ends_at" in info]
        return min(ends) if ends else None

    def wait_remaining(self) -> float | None:
        """Seconds left of the current wait (the first that waits). Right after a pause the
        wait has not yet stopped its timer: it swaps `wait_ends_at` for `wait_remaining` on
        its next turn, so both are read."""
        for info in self.active.values():
            if "wait_remaining" in info:
                return max(0.0, float(info["wait_remaining"]))
            if "wait_ends_at" in info:
                ends: datetime = info["wait_ends_at"]
                return max(0.0, (ends - self.clock.now()).total_seconds())
        return None

    def pause(self) -> bool:
        """Pause at the next step boundary; waits stop counting at once. False if not running."""
        if self.status is not RunStatus.RUNNING:
            return False
        self._pause_requested = True
        self.status = RunStatus.PAUSED
        for waiter in list(self._waiters):
            if not waiter.done():
                waiter.set_result(True)
        self.history.note(self.clock.now(), "paused")
        self._notify(RunChange.PAUSED)
        return True

    def resume(self) -> bool:
        """Continue a paused run. False if it is not paused."""
        if self.status is not RunStatus.PAUSED:
            return False
        self._pause_requested = False
        self.status = RunStatus.RUNNING
        if self._resumed is not None:
            self._resumed.set()
            self._resumed = None
        self.history.note(self.clock.now(), "resumed")
        self._notify(RunChange.RESUMED)
        return True

    def cancel(self, *, route: bool = True) -> bool:
        """Cancel the run. A state with a `cancel` transition routes there first (once);
        a second cancel, or `route=False`, stops at once. False if already finished (or its
        end is already decided: a cancel from a listener of its last step comes too late)."""
        if self.status.finished or self.position.get("final") is not None:
            return False
        if self.status is RunStatus.QUEUED:
            self._finish(RunStatus.CANCELLED)
            return True
        if not route:
            self._cancel_routed = True
        if self._cancel_requested:
            return True
        self._cancel_requested = True
        self.history.note(self.clock.now(), "cancel_requested")
        if self.status is RunStatus.PAUSED:
            # A paused run must not stay parked on its way out: its `cancel` route (cleanup)
            # runs at once, so the pause ends here.
            self._pause_requested = False
            self.status = RunStatus.RUNNING
            if self._resumed is not None:
                self._resumed.set()
                self._resumed = None
        if self._task is not None:
            self._task.cancel()
            if not self._main_entered:
                # Cancelled before its first step, the task never runs `_main`: finish now,
                # in this turn of the loop, so entities and waiters see it at once.
                self._cancel_requested = False
                self._finish(RunStatus.CANCELLED)
        return True

    async def wait(self) -> RunStatus:
        """Wait until the run has finished and return its status."""
        if self.status.finished:
            return self.status
        if self._done is None:
            self._done = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self._done)

    def progress(self) -> tuple[int, int]:
        """(steps done, steps in all) for progress displays."""
        total = self.definition.action_count()
        if self.definition.shape is Shape.SEQUENCE:
            return min(self.position.get("index", 0), total), total
        if self.definition.shape is Shape.DAG:
            return len(self.position.get("nodes", {})), total
        return len(self.path), total

    # -- starting and stopping (called by the engine) -----------------------------------

    def begin(self, *, restored: bool = False) -> None:
        """Start the run's task; the engine calls this."""
        if not restored:
            self.status = RunStatus.RUNNING
            self.started_at = self.clock.now()
            self.history.note(self.started_at, "run_started")
        self._notify(RunChange.STARTED)
        self._task = asyncio.Task(
            self._main(),
            loop=asyncio.get_running_loop(),
            name=f"stream_workflows run {self.definition.id} {self.run_id}",
            eager_start=self.host.eager_start,
        )
        if not self._task.done():
            self._task.add_done_callback(self._task_done)
            if self._cancel_requested:
                # asked for (by a listener) while the task ran its eager first steps, when
                # there was no task yet to cancel
                self._task.cancel()

    async def stop(self) -> None:
        """Stop the task without finishing the run (shutdown: the run is restored later)."""
        if self._task is None or self._task.done():
            return
        self._stopping = True
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    # -- the main task ------------------------------------------------------------------

    async def _main(self) -> None:
        self._main_entered = True
        final = self.position.get("final")
        try:
            if final is not None:
                status = RunStatus(final)
            elif self.definition.shape is Shape.STATE_MACHINE:
                status = await self._drive_state_machine()
            elif self.definition.shape is Shape.SEQUENCE:
                status = await self._drive_sequence()
            else:
                status = await self._drive_dag()
        except asyncio.CancelledError:
            if self._stopping or not self._cancel_requested:
                raise
            self._cancel_requested = False
            self._uncancel()
            status = RunStatus.CANCELLED
        except RunFailedError as failure:
            self.error = failure.error
            status = RunStatus.FAILED
        except Exception as err:  # a bug must never leave a run stuck "running"
            _LOGGER.exception("Run %s of %s failed unexpectedly", self.run_id, self.definition.id)
            self.error = RunError(None, "internal_error", f"{type(err).__name__}: {err}")
            status = RunStatus.FAILED
        self._finish(status)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        """A run cancelled before its task took its first step never entered `_main`'s
        handlers: finish it here, so that nobody waits for it for ever."""
        if (
            task.cancelled()
            and self._cancel_requested
            and not self._stopping
            and not self.status.finished
        ):
            self._cancel_requested = False
            self._finish(RunStatus.CANCELLED)

    def _finish(self, status: RunStatus) -> None:
        if status is RunStatus.FAILED and self.error is None:
            self.error = self._last_error
        if status is RunStatus.CANCELLED:
            self.error = None
        self.status = status
        self.finished_at = self.clock.now()
        self.active.clear()
        self.position["final"] = status.value
        self.history.add(
            self.finished_at,
            "run_finished",
            None,
            {"status": status.value, **({"error": self.error.as_dict()} if self.error else {})},
        )
        if self._done is not None and not self._done.done():
            self._done.set_result(status)
        self.host.run_finished(self)
        self._notify(RunChange.FINISHED)

    def _uncancel(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()

    def _notify(self, change: RunChange, detail: Any = None) -> None:
        listener = self.host.listener
        if listener is not None:
            listener(self, change, detail)

    # -- state machines -----------------------------------------------------------------

    async def _drive_state_machine(self) -> RunStatus:
        definition = self.definition
        name: str = self.position.get("state") or definition.initial_state or ""
        while True:
            self.position["state"] = name
            state = definition.states[name]
            await self._boundary()
            self._enter(state.step)
            outcome = await self._execute_step(state.step)
            known = len(self.errors)
            target, final = self._route(state, outcome)
            if final is not None:
                self.position["state"] = None
                self.position["final"] = final.value
            else:
                self.position["state"] = target
            self._leave(state.step, outcome)
            self._announce(known)
            if final is not None:
                if final is RunStatus.FAILED:
                    raise RunFailedError(self.error or self._failure(state.step.id, outcome))
                return final
            assert target is not None
            name = target

    def _route(self, state: State, outcome: Outcome) -> tuple[str | None, RunStatus | None]:
        """The next state, or the final status when the run ends here (`routing.route`)."""
        try:
            decision = route(
                state,
                outcome,
                self.results.get(state.name),
                policy=self.definition.error_policy,
                cancel_routed=self._cancel_routed,
                test=lambda condition: self._test(condition, state.name),
            )
        except NoTransitionError as err:
            error = RunError(
                state.name,
                "no_transition",
                f"no '{err.event}' transition of state '{state.name}' matched"
                " and there is no default",
            )
            self._last_error = self.error = error
            raise RunFailedError(error) from None
        if decision.cancel_routed:
            self._cancel_routed = True
            self.history.note(self.clock.now(), "cancel_routed", state.name)
        if decision.handled is not None:
            self._handled(state.step, outcome, decision.handled)
        return decision.target, decision.final

    def _continues(self, step: Step) -> bool:
        return continues(step, self.definition.error_policy)

    def _failure(self, step_id: str, outcome: Outcome) -> RunError:
        return self._last_error or RunError(step_id, outcome.value, f"step ended in {outcome}")

    def _handled(self, step: Step, outcome: Outcome, how: str) -> None:
        """Record a failed step the run got past: the run can still succeed, but says so."""
        failure = self._failure(step.id, outcome)
        self.errors.append(RunError(failure.step, failure.type, failure.message, how))

    def _announce(self, known: int) -> None:
        """Tell listeners of the errors handled since `known`, once the step is left (its
        position saved: a snapshot taken by a listener restores after the step)."""
        for error in self.errors[known:]:
            self._notify(RunChange.ERROR_HANDLED, error)
        if len(self.errors) > MAX_HANDLED_ERRORS:
            del self.errors[:-MAX_HANDLED_ERRORS]

    # -- sequences and parallel branches ------------------------------------------------

    async def _drive_sequence(self) -> RunStatus:
        steps = self.definition.steps

        def save(index: int) -> None:
            self.position["index"] = index

        outcome = await self._run_steps(steps, self.position.get("index", 0), save, top_level=True)
        if outcome is Outcome.CANCEL:
            return RunStatus.CANCELLED
        if outcome is not Outcome.SUCCESS:
            raise RunFailedError(self._failure("", outcome))
        return RunStatus.SUCCEEDED

    async def _run_steps(
        self,
        steps: tuple[Step, ...],
        start: int,
        save: Callable[[int], None],
        *,
        top_level: bool = False,
    ) -> Outcome:
        for index in range(start, len(steps)):
            save(index)
            step = steps[index]
            await self._boundary()
            if step.id not in self.active and not self._should_run(step):
                continue
            self._enter(step)
            outcome = await self._execute_step(step)
            known = len(self.errors)
            stops = outcome is Outcome.CANCEL or (
                outcome is not Outcome.SUCCESS and not self._continues(step)
            )
            save(index if stops else index + 1)
            if stops and outcome is not Outcome.CANCEL and top_level:
                self.position["final"] = RunStatus.FAILED.value
                self.error = self._failure(step.id, outcome)
            elif not stops and outcome is not Outcome.SUCCESS:
                self._handled(step, outcome, "continued")
            self._leave(step, outcome)
            self._announce(known)
            if stops:
                return outcome
        save(len(steps))
        return Outcome.SUCCESS

    def _should_run(self, step: Step) -> bool:
        """Decide a step's `if`; a step that does not run is recorded as skipped."""
        if step.condition is None:
            return True
        run_it = self._test(step.condition, step.id)
        if not run_it:
            self.history.note(self.clock.now(), "step_skipped", step.id, {"reason": "condition"})
        return run_it

    async def _execute_parallel(self, block: Step) -> Outcome:
        saved = self.position.setdefault("branches", {}).setdefault(
            block.id, {"next": [0] * len(block.branches), "outcome": [None] * len(block.branches)}
        )
        tasks: list[asyncio.Task[Outcome]] = []
        loop = asyncio.get_running_loop()
        for index, branch in enumerate(block.branches):
            if saved["outcome"][index] is not None:
                continue
            tasks.append(loop.create_task(self._run_branch(branch, index, saved)))
        if tasks:
            try:
                await asyncio.wait(tasks)
            except asyncio.CancelledError:
                requested = self._claim_cancel()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if not requested:
                    raise
                self._abandon_block(block)
                return Outcome.CANCEL
            for task in tasks:
                failure = task.exception()
                if failure is not None:  # a condition that could not be decided, or a bug
                    raise failure
        outcomes = [Outcome(value) for value in saved["outcome"]]
        del self.position["branches"][block.id]
        self.results[block.id] = {
            step.id: self.results.get(step.id) for branch in block.branches for step in branch
        }
        if Outcome.CANCEL in outcomes:
            return Outcome.CANCEL
        if any(outcome is not Outcome.SUCCESS for outcome in outcomes):
            return Outcome.ERROR
        return Outcome.SUCCESS

    def _abandon_block(self, block: Step) -> None:
        """Forget a cancelled parallel block's progress: its branch steps end with `cancel`,
        and entering the block again (a loop) starts its branches afresh."""
        self.position["branches"].pop(block.id, None)
        for branch in block.branches:
            for step in branch:
                if step.id in self.active:
                    self._leave(step, Outcome.CANCEL)

    async def _run_branch(
        self, branch: tuple[Step, ...], index: int, saved: dict[str, list[Any]]
    ) -> Outcome:
        def save(position: int) -> None:
            saved["next"][index] = position

        outcome = await self._run_steps(branch, saved["next"][index], save)
        saved["outcome"][index] = outcome.value
        return outcome

    # -- DAGs ---------------------------------------------------------------------------

    async def _drive_dag(self) -> RunStatus:
        status = await drive_dag(self)
        if status is RunStatus.FAILED:
            raise RunFailedError(self.error or self._failure("", Outcome.ERROR))
        return status

    def claim_cancel(self) -> bool:
        """Whether a CancelledError caught by a driver is the run's cancel (`_claim_cancel`)."""
        return self._claim_cancel()

    async def run_node(self, node: Step, limit: asyncio.Semaphore, done: dict[str, str]) -> Outcome:
        """Run one DAG node (within `limit`) and record how it ended in `done`."""
        async with limit:
            await self._boundary()
            if node.id not in self.active and not self._should_run(node):
                done[node.id] = "bypassed"
                return Outcome.SUCCESS
            self._enter(node)
            outcome = await self._execute_step(node)
            known = len(self.errors)
            if outcome is Outcome.SUCCESS:
                done[node.id] = "succeeded"
            elif self._continues(node):
                # continue_on_error / error_policy continue: recorded, dependents still run
                done[node.id] = "failed_continued"
                self._handled(node, outcome, "continued")
            else:
                done[node.id] = "failed"
                if self.error is None:
                    self.error = self._failure(node.id, outcome)
            self._leave(node, outcome)
            self._announce(known)
            return outcome

    # -- one step -----------------------------------------------------------------------

    async def _boundary(self) -> None:
        """Where a pause takes effect; and where, every `YIELD_EVERY` steps, the run lets
        the event loop have a turn: steps that finish at once (noops, routing-only states)
        never suspend, so a loop of them would otherwise hold the loop (and a cancel) for ever.
        """
        self._unyielded += 1
        if self._unyielded >= YIELD_EVERY:
            self._unyielded = 0
            await asyncio.sleep(0)
        while self._pause_requested:
            if self._resumed is None:
                self._resumed = asyncio.Event()
            await self._resumed.wait()

    def _enter(self, step: Step) -> None:
        if step.id in self.active:
            return  # restored mid-step: it was entered before the restart
        self.active[step.id] = {"attempt": 0}
        self.path.append(step.id)
        now = self.clock.now()
        self._moment = (step.id, now)
        self.history.note(now, "step_entered", step.id)
        self._notify(RunChange.STEP_ENTERED, step.id)

    def _leave(self, step: Step, outcome: Outcome) -> None:
        self.active.pop(step.id, None)
        moment = self._moment
        self._moment = None
        now = moment[1] if moment is not None and moment[0] == step.id else self.clock.now()
        self.history.note(now, "step_left", step.id, {"outcome": outcome.value})
        self._notify(RunChange.STEP_LEFT, step.id)

    async def _execute_step(self, step: Step) -> Outcome:
        if step.branches:
            return await self._execute_parallel(step)
        if step.action is None:
            self.results[step.id] = None
            return Outcome.SUCCESS
        return await self._execute_action(step, step.action)

    async def _execute_action(self, step: Step, action: ActionDef) -> Outcome:
        info = self.active.get(step.id)
        if info is None:
            info = self.active[step.id] = {"attempt": 0}
        registry = self.host.registry
        adapter = registry.get(action.service)
        try:
            spec = registry.spec(action.service, action.action)
        except ActionError as err:
            return self._fail(step, err)
        assert adapter is not None
        external = adapter.external and not self.rehearsal
        delay: float | None = None
        resume = False
        if info["attempt"]:
            # Restored after this action was dispatched: finish a retry delay, rerun (or fail)
            # an external call that was in flight, or let an internal action (a wait) go on.
            if info.pop("retrying", False):
                delay = self.restored_waits.pop(step.id, 0.0)
            elif external:
                info.pop("in_flight", None)
                if self.definition.interrupted_action is InterruptedAction.ERROR:
                    return self._fail(
                        step,
                        ActionError(
                            "the action was in progress when the run was interrupted "
                            "(interrupted_action: error)",
                            error_type="interrupted",
                        ),
                    )
                self.history.note(self.clock.now(), "action_rerun", step.id)
            else:
                resume = True
                self.history.note(self.clock.now(), "action_resumed", step.id)
        context = _StepContext(self, step.id)
        attempt = info["attempt"]
        moment = self._moment
        self._moment = None
        fresh = moment is not None and moment[0] == step.id and not info["attempt"]
        while True:
            started = moment[1] if fresh and moment is not None else self.clock.now()
            fresh = False
            try:
                if delay is not None:
                    info["retrying"] = True
                    await self.pausable_sleep(step.id, delay, total=delay)
                    del info["retrying"]
                    delay = None
                    started = self.clock.now()
                if resume:
                    resume = False
                    params = self._params(action, spec)
                else:
                    info["attempt"] = attempt = attempt + 1
                    params = self._params(action, spec)
                    if external:
                        info["in_flight"] = True
                        await self._intent_durable(info)
                    self._dispatched(step, action, params, attempt, started)
                result = await self._call(adapter, spec, step, action, params, context, info)
            except asyncio.CancelledError:
                if not self._claim_cancel():
                    raise
                info.pop("retrying", None)
                info.pop("in_flight", None)
                self.history.note(self.clock.now(), "action_cancelled", step.id)
                return Outcome.CANCEL
            except (TemplateError, InvalidParamsError) as err:
                return self._fail(step, err, started)
            except Exception as err:
                failure = err if isinstance(err, ActionError) else _wrap(err)
                retry = action.retry
                if retry is not None and attempt <= retry.max_attempts:
                    try:
                        delay = _checked_seconds(retry.delay(attempt, self.host.random()))
                    except (ArithmeticError, ValueError, ActionError) as delay_error:
                        # never round again on a delay that cannot be waited: fail the step
                        return self._fail(
                            step,
                            ActionError(
                                f"{failure} (and the retry delay cannot be computed: "
                                f"{delay_error})",
                                error_type=failure.error_type,
                            ),
                            started,
                        )
                    self.history.add(
                        self.clock.now(),
                        "action_retried",
                        step.id,
                        {"attempt": attempt, "error": str(failure), "delay": round(delay, 3)},
                    )
                    continue
                return self._fail(step, failure, started)
            self.results[step.id] = result
            now = self.clock.now()
            self._moment = (step.id, now)
            self.history.note(
                now,
                "action_succeeded",
                step.id,
                {"duration": round((now - started).total_seconds(), 6)},
            )
            return Outcome.SUCCESS

    def _claim_cancel(self) -> bool:
        """Whether a CancelledError caught here is the run's cancel, to end the step with
        the `cancel` outcome. Only the run's own task claims it: branch and DAG node tasks
        are cancelled by the run's task, which decides for them."""
        if not self._cancel_requested or self._stopping or asyncio.current_task() is not self._task:
            return False
        self._cancel_requested = False
        self._uncancel()
        return True

    def _params(self, action: ActionDef, spec: ActionSpec) -> Mapping[str, Any]:
        if not action.templated:
            return self.host.static_params(action, spec)
        rendered = render(action.params, self.resolve)
        try:
            validated: Mapping[str, Any] = spec.params(rendered)
        except vol.MultipleInvalid as err:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in invalid.path) or 'params'}: {humanize_invalid(invalid)}"
                for invalid in err.errors
            )
            raise InvalidParamsError(f"invalid parameters after substitution: {problems}") from err
        return validated

    def _dispatched(
        self,
        step: Step,
        action: ActionDef,
        params: Mapping[str, Any],
        attempt: int,
        started: datetime,
    ) -> None:
        self.history.note(
            started,
            "action_started",
            step.id,
            {"service": action.service, "action": action.action, "attempt": attempt},
        )
        if self.host.listener is not None:
            self._notify(
                RunChange.ACTION_STARTED,
                ActionDispatch(step.id, action.service, action.action, params, attempt),
            )

    async def _call(
        self,
        adapter: Adapter,
        spec: ActionSpec,
        step: Step,
        action: ActionDef,
        params: Mapping[str, Any],
        context: _StepContext,
        info: dict[str, Any],
    ) -> Any:
        if self.plan is not None:
            forced = self.plan.outcomes.get(step.id)
            if forced is Outcome.ERROR:
                raise ActionError("simulated error", error_type="simulated")
            if forced is Outcome.TIMEOUT:
                raise ActionTimeoutError("simulated timeout")
            if forced is Outcome.CANCEL:
                self.cancel()
                await asyncio.sleep(0)
            if step.id in self.plan.results:
                return self.plan.results[step.id]
        if self.rehearsal and adapter.external:
            return spec.rehearsal(params)
        timeout = action.timeout if action.timeout is not None else spec.timeout
        try:
            if timeout is None:
                return await adapter.execute(action.action, params, context)
            return await self._with_timeout(adapter, action, params, context, timeout)
        finally:
            if not self._stopping:  # a run stopped for a restart keeps it: restore decides
                info.pop("in_flight", None)

    async def _with_timeout(
        self,
        adapter: Adapter,
        action: ActionDef,
        params: Mapping[str, Any],
        context: _StepContext,
        seconds: float,
    ) -> Any:
        task = asyncio.current_task()
        assert task is not None
        seconds = _checked_seconds(seconds)
        expired = False

        def expire() -> None:
            nonlocal expired
            expired = True
            task.cancel()

        timer = self.clock.call_later(seconds, expire)
        try:
            return await adapter.execute(action.action, params, context)
        except asyncio.CancelledError:
            # Take back our own cancellation; when nobody else cancelled the task too (the
            # run's cancel, a shutdown), the action timed out.
            if expired and task.uncancel() == 0:
                raise ActionTimeoutError(f"no answer within {seconds:g} s") from None
            raise
        finally:
            timer.cancel()

    def _fail(self, step: Step, err: Exception, started: datetime | None = None) -> Outcome:
        error_type = err.error_type if isinstance(err, ActionError) else "action_failed"
        error = RunError(step.id, error_type, str(err))
        self._last_error = error  # handled or fatal: the step's driver decides (`_handled`)
        now = self.clock.now()
        details: dict[str, Any] = {"type": error_type, "message": str(err)}
        if started is not None:
            details["duration"] = round((now - started).total_seconds(), 6)
        self.history.add(now, "action_failed", step.id, details)
        return Outcome.TIMEOUT if isinstance(err, ActionTimeoutError) else Outcome.ERROR

    # -- waiting ------------------------------------------------------------------------

    async def pausable_sleep(self, step_id: str, seconds: float, *, total: float) -> None:
        """Sleep that stops counting while the run is paused and can be restored."""
        remaining = _checked_seconds(seconds)
        total = _checked_seconds(total)
        info = self.active.setdefault(step_id, {"attempt": 0})
        info["wait_total"] = total
        loop = asyncio.get_running_loop()
        try:
            while True:
                if self._pause_requested:
                    info.pop("wait_ends_at", None)
                    info["wait_remaining"] = remaining
                    await self._boundary()
                info.pop("wait_remaining", None)
                ends = self.clock.now() + timedelta(seconds=remaining)
                info["wait_ends_at"] = ends
                waiter: asyncio.Future[bool] = loop.create_future()

                def wake(waiter: asyncio.Future[bool] = waiter) -> None:
                    if not waiter.done():
                        waiter.set_result(False)

                timer = self.clock.call_later(remaining, wake)
                self._waiters.add(waiter)
                try:
                    # after the waiter exists: a listener that pauses here stops this wait
                    self._notify(RunChange.WAITING, step_id)
                    paused = await waiter
                finally:
                    timer.cancel()
                    self._waiters.discard(waiter)
                if not paused:
                    return
                remaining = max(0.0, (ends - self.clock.now()).total_seconds())
        finally:
            if not self._stopping:
                info.pop("wait_ends_at", None)
                info.pop("wait_remaining", None)
                info.pop("wait_total", None)

    # -- values -------------------------------------------------------------------------

    def resolve(self, path: str) -> Any:
        """The value `${path}` names: a step's result, a variable, or a built-in."""
        head, _, _ = path.partition(".")
        if head in self.results:
            return lookup(self.results, path)
        if head in self.variables:
            return lookup(self.variables, path)
        if head in BUILT_INS:
            return lookup({head: BUILT_INS[head](self)}, path)
        if head in self.definition.all_steps():
            raise TemplateError(f"'${{{path}}}': step '{head}' has not produced a result")
        raise TemplateError(f"'${{{path}}}': nothing is named '{head}'")

    def scope(self) -> dict[str, Any]:
        """Everything a template condition may see."""
        values: dict[str, Any] = {name: build(self) for name, build in BUILT_INS.items()}
        values.update(self.variables)
        values.update(self.results)
        return values

    def _test(self, condition: Condition, step_id: str) -> bool:
        try:
            return evaluate(condition, self.resolve, self.scope, self.host.templates)
        except ActionError as err:
            error = RunError(step_id, err.error_type, f"condition: {err}")
        except Exception as err:  # whatever a value does in a comparison: this step's error
            error = RunError(step_id, "condition_error", f"condition: {type(err).__name__}: {err}")
        self._last_error = self.error = error
        raise RunFailedError(error)

    # -- snapshots ----------------------------------------------------------------------

    async def _intent_durable(self, info: dict[str, Any]) -> None:
        """Before an external action is dispatched, let the host make the run durable with
        the action marked in flight: restored after a crash, the action then follows
        `interrupted_action` instead of running again as if it never started."""
        gate = self.host.before_dispatch
        if gate is None:
            return
        try:
            await gate(self)
        except asyncio.CancelledError:
            if self._stopping:  # stopped before it was dispatched: nothing is in flight
                info.pop("in_flight", None)
                info["attempt"] -= 1
            raise

    def snapshot(self) -> dict[str, Any]:
        """What this run needs to continue elsewhere, as JSON-ready data.

        Compact: of the variables only the run's own (its inputs and what it changed), not
        the shared variables and the definition's, which the host reads again on restore.
        Secret values (`host.redact`) are taken out of the texts it holds.
        """
        redact = self.host.redact
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
            "variables": own_variables(self.host.base_variables(self.definition), self.variables),
            "results": self.results,
            "path": list(self.path),
            "position": _copy(self.position),
            "active": active,
            "cancel_routed": self._cancel_routed,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "error": self.error.as_dict() if self.error else None,
            "errors": [error.as_dict() for error in self.errors],
            "last_error": self._last_error.as_dict() if self._last_error else None,
            "history": self.history.as_dicts(),
            "history_dropped": self.history.dropped,
        }
        scrubbed: dict[str, Any] = _scrub(snapshot, redact)  # an error may quote a secret
        return scrubbed

    def load_snapshot(self, data: Mapping[str, Any]) -> None:
        """Take over a snapshot's state (the engine calls this before `begin`)."""
        self.status = RunStatus(data["status"])
        self.results = dict(data["results"])
        self.path = list(data["path"])
        self.position = _copy(data["position"])
        self._cancel_routed = bool(data.get("cancel_routed"))
        self.started_at = datetime.fromisoformat(data["started_at"])
        if data.get("finished_at"):
            self.finished_at = datetime.fromisoformat(data["finished_at"])
        if data.get("error"):
            self.error = RunError(**data["error"])
        self.errors = [RunError(**error) for error in data.get("errors", [])]
        if data.get("last_error"):
            self._last_error = RunError(**data["last_error"])
        self.history = History.from_dicts(
            data["history"],
            self.host.max_history,
            data.get("history_dropped", 0),
            self.host.redact,
        )
        now = self.clock.now()
        for step, saved in data["active"].items():
            info = dict(saved)
            if "wait_remaining" in info:
                self.restored_waits[step] = float(info["wait_remaining"])
            elif "wait_ends_at" in info:
                ends = datetime.fromisoformat(info["wait_ends_at"])
                self.restored_waits[step] = max(0.0, (ends - now).total_seconds())
            for key in ("wait_remaining", "wait_ends_at", "wait_total"):
                info.pop(key, None)
            self.active[step] = info
        if self.status is RunStatus.PAUSED:
            self._pause_requested = True
        self.history.note(now, "run_restored", None, {"status": self.status.value})


def _scrub(value: Any, redact: Callable[[str], str] | None, depth: int = 0) -> Any:
    """`value` with `redact` applied to its texts (copied only where something changed)."""
    if redact is None or depth > 64:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        scrubbed = {key: _scrub(item, redact, depth + 1) for key, item in value.items()}
        same = all(scrubbed[key] is item for key, item in value.items())
        return value if same else scrubbed
    if isinstance(value, list):
        items = [_scrub(item, redact, depth + 1) for item in value]
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


def _checked_seconds(seconds: Any) -> float:
    """A wait or timeout the clock can hold; anything else is the step's error."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ActionError(f"a wait needs a number of seconds, got {type(seconds).__name__}")
    if (isinstance(seconds, float) and math.isnan(seconds)) or seconds > MAX_WAIT_SECONDS:
        shown = f"{seconds:g}" if isinstance(seconds, float) or seconds < 10**15 else "too many"
        raise ActionError(
            f"a wait of {shown} s is out of range (at most {MAX_WAIT_SECONDS} s)",
            error_type="invalid_wait",
        )
    return max(0.0, float(seconds))


def _wrap(err: Exception) -> ActionError:
    _LOGGER.debug("Action raised %s", type(err).__name__, exc_info=err)
    return ActionError(f"{type(err).__name__}: {err}" if str(err) else type(err).__name__)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


__all__ = ["ActionDispatch", "RehearsalPlan", "Run", "RunChange", "RunError", "RunStatus"]
