"""Steps, their actions and parallel blocks: the work of every shape.

A sequence's steps, a DAG's nodes and a state's work are all `Step`s; `StepBuilder` makes
them, registers each id once (the references and the state machine look ids up here) and
checks each action's parameters against its adapter's schema.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from .adapter import AdapterRegistry, humanize_invalid
from .built_ins import BUILT_INS
from .definition_conditions import build_condition
from .definition_problems import ProblemLog
from .definition_schemas import ACTION_NAME, RETRY_SCHEMA, STEP_CORE, STEP_ID, STEP_SCHEMA
from .errors import ActionError
from .model import ActionDef, RetryPolicy, Step
from .paths import child
from .template import has_references, iter_references, path_problem


class StepBuilder:
    """Builds steps and actions; `step_locations` maps every registered id to its place."""

    def __init__(self, report: ProblemLog, registry: AdapterRegistry) -> None:
        self.report = report
        self.registry = registry
        self.step_locations: dict[str, str] = {}

    def register_id(self, step_id: str, path: str) -> bool:
        if not STEP_ID.fullmatch(step_id):
            self.report.error(
                path,
                f"'{step_id}' is not a valid id: start with a letter or '_', "
                "then letters, digits, '_' or '-'",
            )
            return False
        if step_id in BUILT_INS:
            self.report.error(
                path, f"'{step_id}' is a built-in name (${{{step_id}}}); choose another"
            )
            return False
        if step_id in self.step_locations:
            self.report.error(
                path, f"duplicate id '{step_id}' (first used at {self.step_locations[step_id]})"
            )
            return False
        self.step_locations[step_id] = path
        return True

    def build_steps(self, raw: list[Any], path: str, *, allow_parallel: bool) -> tuple[Step, ...]:
        steps: list[Step] = []
        if not raw:
            self.report.error(path, "needs at least one step")
        for index, item in enumerate(raw):
            step = self.build_step(item, child(path, index), allow_parallel=allow_parallel)
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def build_step(self, raw: Any, path: str, *, allow_parallel: bool) -> Step | None:
        checked = self.report.check(STEP_SCHEMA, raw, path, core=STEP_CORE)
        if checked is None:
            return None
        return self.step_from(checked, path, allow_parallel=allow_parallel)

    def step_from(
        self,
        checked: dict[str, Any],
        path: str,
        *,
        allow_parallel: bool,
        depends_on: tuple[str, ...] = (),
        action_path: str | None = None,
    ) -> Step | None:
        """A step (or a state's work, `action_path` set: a state may also do nothing)."""
        ok = self.register_id(checked["id"], child(path, "id" if action_path is None else "name"))
        condition = (
            build_condition(self.report, checked["if"], child(path, "if"))
            if "if" in checked
            else None
        )
        action: ActionDef | None = None
        branches: tuple[tuple[Step, ...], ...] = ()
        if "parallel" in checked:
            extra = [
                key for key in ("service", "action", "method", "timeout", "retry") if key in checked
            ]
            if extra:
                self.report.error(path, f"a parallel step cannot also have {', '.join(extra)}")
            if not allow_parallel:
                self.report.error(child(path, "parallel"), "parallel blocks cannot be nested here")
            else:
                branches = self.build_branches(checked["parallel"], child(path, "parallel"))
        elif "service" in checked:
            action = self.action(checked, action_path or path)
        elif action_path is None:
            self.report.error(path, "a step needs 'service' and 'action', or 'parallel'")
        if not ok:
            return None
        return Step(
            id=checked["id"],
            action=action,
            branches=branches,
            condition=condition,
            depends_on=depends_on,
            continue_on_error=checked["continue_on_error"],
            description=checked.get("description"),
            location=path,
        )

    def build_branches(self, raw: list[Any], path: str) -> tuple[tuple[Step, ...], ...]:
        if len(raw) < 2:
            self.report.error(path, "a parallel block needs at least two branches")
        branches: list[tuple[Step, ...]] = []
        for index, item in enumerate(raw):
            branch_path = child(path, index)
            if isinstance(item, dict) and set(item) == {"steps"}:
                if not isinstance(item["steps"], list):
                    self.report.error(child(branch_path, "steps"), "expected a list of steps")
                    continue
                branch = self.build_steps(
                    item["steps"], child(branch_path, "steps"), allow_parallel=False
                )
            else:
                step = self.build_step(item, branch_path, allow_parallel=False)
                branch = (step,) if step is not None else ()
            branches.append(branch)
        return tuple(branches)

    def action(self, raw: dict[str, Any], path: str) -> ActionDef | None:
        service = raw["service"]
        names = [raw[key] for key in ("action", "method") if key in raw]
        if not names:
            self.report.error(path, "missing required key 'action' (or 'method')")
            return None
        if len(names) == 2 and names[0] != names[1]:
            self.report.error(path, "'action' and 'method' name different actions; keep one")
            return None
        action_name = names[0]
        adapter = self.registry.get(service)
        if (
            adapter is not None
            and adapter.spec(action_name) is not None  # else the adapter's own message
            and not ACTION_NAME.fullmatch(action_name)
        ):
            self.report.error(
                child(path, "action" if "action" in raw else "method"),
                f"'{action_name}' is not an action name (letters, digits, '_', '.', '-')",
            )
            return None
        retry = None
        if "retry" in raw:
            checked = self.report.check(RETRY_SCHEMA, raw["retry"], child(path, "retry"))
            if checked is not None:
                retry = RetryPolicy(
                    max_attempts=checked["max_attempts"],
                    interval=checked["interval"],
                    backoff_rate=checked["backoff_rate"],
                    max_delay=checked.get("max_delay"),
                    jitter=checked["jitter"],
                )
        params = raw["params"]
        self.check_params(service, action_name, params, path)
        for reference in iter_references(params):
            problem = path_problem(reference)
            if problem:
                self.report.error(child(path, "params"), problem)
        return ActionDef(
            service=service,
            action=action_name,
            params=params,
            templated=has_references(params),
            timeout=raw.get("timeout"),
            retry=retry,
            location=path,
        )

    def check_params(self, service: str, action: str, params: dict[str, Any], path: str) -> None:
        try:
            spec = self.registry.spec(service, action)
        except ActionError as err:
            where = child(path, "service") if self.registry.get(service) is None else path
            self.report.error(where, str(err))
            return
        try:
            spec.params(params)
        except vol.MultipleInvalid as err:
            for invalid in err.errors:
                first = invalid.path[0] if invalid.path else None
                if isinstance(first, str) and has_references(params.get(first)):
                    continue  # checked again once rendered, at run time
                where = child(path, "params")
                for part in invalid.path:
                    where = child(where, part if isinstance(part, int) else str(part))
                self.report.error(where, humanize_invalid(invalid))
