"""Load and validate workflow definitions (JSON or YAML, one schema).

Every problem is collected, located (`states[2].transitions.success`) and worded for a
person; nothing raises part-way. `load_definition` returns the definition (None when it has
errors) together with all problems, warnings included.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Container, Iterable, Mapping
from pathlib import Path
from typing import Any

import voluptuous as vol

from .adapter import AdapterRegistry, humanize_invalid
from .built_ins import BUILT_INS
from .conditions import COMPARE_OPERATORS
from .errors import ActionError, DefinitionError, Problem, Severity
from .inputs import INPUT_TYPES, type_problem
from .loading import MAX_FILE_BYTES, SUFFIXES, parse_text, plain_value, read_document
from .model import (
    ActionDef,
    Condition,
    ErrorPolicy,
    InputDef,
    InterruptedAction,
    RetryPolicy,
    RunMode,
    Shape,
    State,
    Step,
    TransitionOption,
    TriggerDef,
    WorkflowDefinition,
)
from .numbers import (
    DEFAULT_MAX_DELAY_SECONDS,
    MAX_BACKOFF_RATE,
    MAX_RETRY_DELAY_SECONDS,
    MAX_TIMEOUT_SECONDS,
    real,
    whole,
)
from .paths import child, join_path
from .patterns import pattern_problem
from .template import has_references, iter_references, path_problem

# fullmatch only: `$` would let "a\n" through
WORKFLOW_ID = re.compile(r"[a-z0-9_]{1,100}")
STEP_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")
ACTION_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")  # also HA's `light.turn_on`
OUTCOME_EVENTS = ("success", "error", "timeout", "cancel")
MAX_PROBLEMS = 200  # reported per document

_positive = real(0, MAX_TIMEOUT_SECONDS, low_included=False, what="a number of seconds")

RETRY_SCHEMA = vol.Schema(
    {
        vol.Optional("max_attempts", default=3): whole(0, 100),
        vol.Optional("interval", default=1.0): real(
            0, MAX_RETRY_DELAY_SECONDS, what="a number of seconds"
        ),
        vol.Optional("backoff_rate", default=2.0): real(1, MAX_BACKOFF_RATE),
        vol.Optional("max_delay", default=DEFAULT_MAX_DELAY_SECONDS): real(
            0, MAX_RETRY_DELAY_SECONDS, what="a number of seconds"
        ),
        vol.Optional("jitter", default=False): bool,
    }
)
ACTION_FIELDS: dict[Any, Any] = {
    vol.Required("service"): str,
    vol.Optional("action"): str,
    vol.Optional("method"): str,
    vol.Optional("params", default=dict): dict,
    vol.Optional("timeout"): _positive,
    vol.Optional("retry"): dict,
}
COMMON_STEP_FIELDS: dict[Any, Any] = {
    vol.Optional("description"): str,
    vol.Optional("if"): vol.Any(dict, str),
    vol.Optional("continue_on_error", default=False): bool,
}
ACTION_SCHEMA = vol.Schema(ACTION_FIELDS)
STEP_CORE = ("id", "service", "action", "method", "parallel")
STEP_SCHEMA = vol.Schema(
    {
        vol.Required("id"): str,
        vol.Optional("service"): str,
        vol.Optional("action"): str,
        vol.Optional("method"): str,
        vol.Optional("params", default=dict): dict,
        vol.Optional("timeout"): _positive,
        vol.Optional("retry"): dict,
        vol.Optional("parallel"): list,
        **COMMON_STEP_FIELDS,
    }
)
NODE_SCHEMA = STEP_SCHEMA.extend({vol.Optional("depends_on", default=list): [str]})
STATE_SCHEMA = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("description"): str,
        vol.Optional("action"): dict,
        vol.Optional("parallel"): list,
        vol.Optional("transitions", default=dict): dict,
    }
)
INPUT_SCHEMA = vol.Schema(
    {
        vol.Optional("description"): str,
        vol.Optional("name"): str,
        vol.Optional("default"): object,
        vol.Optional("required", default=False): bool,
        vol.Optional("type"): vol.In(tuple(INPUT_TYPES)),
        vol.Optional("example"): object,
        vol.Optional("selector"): dict,
    }
)
TOP_SCHEMA = vol.Schema(
    {
        vol.Optional("id"): str,
        vol.Optional("name"): str,
        vol.Optional("description"): str,
        vol.Optional("version"): vol.Any(str, int, float),
        vol.Optional("icon"): str,
        vol.Optional("trigger"): vol.Any(str, dict),
        vol.Optional("triggers"): list,
        vol.Optional("error_policy", default="stop_on_error"): vol.In(
            [policy.value for policy in ErrorPolicy]
        ),
        vol.Optional("mode", default="single"): vol.In([mode.value for mode in RunMode]),
        vol.Optional("max", default=10): whole(1, 1000),
        vol.Optional("max_parallel", default=8): whole(1, 100),
        vol.Optional("interrupted_action", default="rerun"): vol.In(
            [policy.value for policy in InterruptedAction]
        ),
        vol.Optional("inputs", default=dict): dict,
        vol.Optional("variables", default=dict): dict,
        # the host's persistent notification when a run fails / ends with handled errors
        vol.Optional("notify"): {
            vol.Optional("on_failure"): bool,
            vol.Optional("on_handled_errors"): bool,
        },
        vol.Optional("initial_state"): str,
        vol.Optional("states"): list,
        vol.Optional("steps"): list,
        vol.Optional("nodes"): list,
    }
)


def read_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> tuple[Any, list[Problem]]:
    """Read and parse one definition file (see `loading`: regular files, size, safe YAML)."""
    return read_document(path, max_bytes=max_bytes)


def load_file(
    path: Path, registry: AdapterRegistry
) -> tuple[WorkflowDefinition | None, list[Problem]]:
    """Read, parse and validate one file; the file's stem is the id when it names none."""
    document, problems = read_file(path)
    if problems:
        return None, _capped(problems)
    return _validate(document, registry, str(path), path.stem)


def load_file_or_raise(path: Path, registry: AdapterRegistry) -> WorkflowDefinition:
    """Like `load_file`, raising `DefinitionError` with every problem when invalid."""
    definition, problems = load_file(path, registry)
    if definition is None:
        raise DefinitionError(problems, str(path))
    return definition


def load_definition(
    document: Any,
    registry: AdapterRegistry,
    *,
    source: str | None = None,
    default_id: str | None = None,
) -> tuple[WorkflowDefinition | None, list[Problem]]:
    """Validate a parsed document and build its definition.

    A document that did not come from `read_file` (Home Assistant storage, the websocket API)
    is first brought to plain JSON types with the same bounds as a file."""
    plain_problems: list[Problem] = []
    document = plain_value(document, plain_problems)
    if plain_problems:
        return None, _capped(plain_problems)
    return _validate(document, registry, source, default_id)


def _capped(problems: list[Problem]) -> list[Problem]:
    """At most `MAX_PROBLEMS`, then one that counts the rest: a file with 100,000 bad values
    must not print 100,000 lines (or fill a Repairs issue)."""
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = problems[MAX_PROBLEMS:]
    severity: Severity = "error" if any(p.severity == "error" for p in rest) else "warning"
    summary = Problem("", f"... and {len(rest)} more problems", severity)
    return [*problems[:MAX_PROBLEMS], summary]


def _validate(
    document: Any, registry: AdapterRegistry, source: str | None, default_id: str | None
) -> tuple[WorkflowDefinition | None, list[Problem]]:
    """Validate a document already in plain JSON types (from `read_file` or `plain_value`)."""
    builder = _Builder(registry)
    definition = builder.build(document, source, default_id)
    problems = _capped(builder.problems)
    if builder.has_errors():  # decided on every problem, not only on those shown
        return None, problems
    return definition, problems


class _Builder:
    """Builds a definition while collecting every problem on the way."""

    def __init__(self, registry: AdapterRegistry) -> None:
        self.registry = registry
        self.problems: list[Problem] = []
        self.step_locations: dict[str, str] = {}
        self.state_names: set[str] = set()
        self._known_states: str | None = None

    def known_states(self) -> str:
        """The " (known: ...)" hint, worked out once: a file may have thousands of problems."""
        if self._known_states is None:
            self._known_states = _known(self.state_names)
        return self._known_states

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def warning(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, "warning"))

    def check(
        self, schema: vol.Schema, value: Any, path: str, core: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        """Validate `value` against `schema`; record each problem at its own location.

        So that every problem is found at once, keys with problems are dropped and the rest
        is checked on (defaults stand in for them). Only a problem with a required key or a
        `core` key (one the rest cannot be understood without) gives up on the mapping.
        """
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping of keys to values, got {_kind(value)}")
            return None
        candidate = dict(value)
        core_keys = set(core)
        while True:
            try:
                validated: dict[str, Any] = schema(candidate)
            except vol.MultipleInvalid as err:
                drop: set[Any] = set()
                fatal = False
                for invalid in err.errors:
                    where = path
                    for part in invalid.path:
                        where = child(where, part if isinstance(part, int) else str(part))
                    self.error(where, humanize_invalid(invalid))
                    key = invalid.path[0] if invalid.path else None
                    if key is None or key not in candidate or key in core_keys:
                        fatal = True
                    else:
                        drop.add(key)
                if fatal or not drop:
                    return None
                for key in drop:
                    del candidate[key]
                continue
            return validated

    # -- the whole document -------------------------------------------------------------

    def build(
        self, document: Any, source: str | None, default_id: str | None
    ) -> WorkflowDefinition | None:
        top = self.check(TOP_SCHEMA, document, "", core=("states", "steps", "nodes"))
        if top is None:
            return None
        workflow_id = top.get("id", default_id)
        if workflow_id is None:
            self.error("id", "missing required key 'id'")
        elif not WORKFLOW_ID.fullmatch(workflow_id):
            self.error(
                "id",
                f"'{workflow_id}' is not a valid workflow id: "
                "use lowercase letters, digits and underscores",
            )
        shapes = [key for key in ("states", "steps", "nodes") if key in top]
        if len(shapes) != 1:
            what = "none" if not shapes else " and ".join(f"'{key}'" for key in shapes)
            self.error(
                "",
                "a workflow has exactly one of 'states' (state machine), 'steps' (sequence) "
                f"or 'nodes' (DAG); this one has {what}",
            )
            return None
        inputs = self.build_inputs(top["inputs"])
        triggers = self.build_triggers(top)
        shape_key = shapes[0]
        states: dict[str, State] = {}
        steps: tuple[Step, ...] = ()
        initial_state = top.get("initial_state")
        if shape_key == "states":
            shape = Shape.STATE_MACHINE
            states = self.build_states(top["states"], initial_state)
        elif shape_key == "steps":
            shape = Shape.SEQUENCE
            if "initial_state" in top:
                self.error("initial_state", "'initial_state' only belongs to state machines")
            steps = self.build_steps(top["steps"], "steps", allow_parallel=True)
            self.check_sequence_references(steps, "steps")
        else:
            shape = Shape.DAG
            if "initial_state" in top:
                self.error("initial_state", "'initial_state' only belongs to state machines")
            steps = self.build_nodes(top["nodes"])
        self.check_names(inputs, top["variables"])
        if workflow_id is None or self.has_errors():
            return None
        fingerprint = hashlib.sha256(
            json.dumps(document, sort_keys=True, default=str).encode()
        ).hexdigest()[:16]
        return WorkflowDefinition(
            id=workflow_id,
            name=top.get("name") or workflow_id.replace("_", " ").title(),
            shape=shape,
            description=top.get("description"),
            error_policy=ErrorPolicy(top["error_policy"]),
            mode=RunMode(top["mode"]),
            max_runs=top["max"],
            max_parallel_steps=top["max_parallel"],
            interrupted_action=InterruptedAction(top["interrupted_action"]),
            inputs=inputs,
            variables=top["variables"],
            triggers=triggers,
            initial_state=initial_state,
            states=states,
            steps=steps,
            source=source,
            raw=document,
            fingerprint=fingerprint,
        )

    def has_errors(self) -> bool:
        return any(problem.severity == "error" for problem in self.problems)

    def build_inputs(self, raw: dict[str, Any]) -> dict[str, InputDef]:
        inputs: dict[str, InputDef] = {}
        for name, written in raw.items():
            path = child("inputs", str(name))
            if not isinstance(name, str) or not STEP_ID.fullmatch(name):
                self.error(path, f"'{name}' is not a valid input name")
                continue
            checked = self.check(INPUT_SCHEMA, {} if written is None else written, path)
            if checked is None:
                continue
            kind = checked.get("type")
            wrong = type_problem(kind, checked["default"]) if "default" in checked else None
            if wrong is not None:
                self.error(
                    child(path, "default"),
                    f"the default {checked['default']!r} does not match the input's type "
                    f"'{kind}'" + (f": it {wrong}" if "finite" in wrong else ""),
                )
            inputs[name] = InputDef(
                name=name,
                description=checked.get("description"),
                default=checked.get("default"),
                has_default="default" in checked,
                required=checked["required"],
                type=checked.get("type"),
                example=checked.get("example"),
            )
        return inputs

    def build_triggers(self, top: dict[str, Any]) -> tuple[TriggerDef, ...]:
        triggers: list[TriggerDef] = []
        if "trigger" in top:
            triggers.append(self.trigger(top["trigger"], "trigger"))
        for index, raw in enumerate(top.get("triggers", [])):
            path = child("triggers", index)
            if not isinstance(raw, str | dict):
                self.error(path, f"a trigger is a stream event name or a mapping, got {_kind(raw)}")
                continue
            triggers.append(self.trigger(raw, path))
        return tuple(triggers)

    def trigger(self, raw: str | dict[str, Any], path: str) -> TriggerDef:
        if isinstance(raw, str):
            return TriggerDef(config={"trigger": "stream_event", "event": raw}, location=path)
        if "trigger" not in raw and "platform" not in raw:
            self.error(path, "a trigger mapping needs 'trigger' (e.g. state, event, time)")
        return TriggerDef(config=raw, location=path)

    def check_names(self, inputs: Mapping[str, InputDef], variables: Mapping[str, Any]) -> None:
        for name in inputs:
            if name in self.step_locations:
                self.error(child("inputs", name), f"input '{name}' has the same name as a step")
            if name in BUILT_INS:
                self.error(child("inputs", name), f"'{name}' is a built-in name; choose another")
        for name in variables:
            if name in self.step_locations:
                self.error(
                    child("variables", str(name)), f"variable '{name}' has the same name as a step"
                )

    # -- steps, actions and parallel blocks -------------------------------------------

    def register_id(self, step_id: str, path: str) -> bool:
        if not STEP_ID.fullmatch(step_id):
            self.error(
                path,
                f"'{step_id}' is not a valid id: start with a letter or '_', "
                "then letters, digits, '_' or '-'",
            )
            return False
        if step_id in BUILT_INS:
            self.error(path, f"'{step_id}' is a built-in name (${{{step_id}}}); choose another")
            return False
        if step_id in self.step_locations:
            self.error(
                path, f"duplicate id '{step_id}' (first used at {self.step_locations[step_id]})"
            )
            return False
        self.step_locations[step_id] = path
        return True

    def build_steps(self, raw: list[Any], path: str, *, allow_parallel: bool) -> tuple[Step, ...]:
        steps: list[Step] = []
        if not raw:
            self.error(path, "needs at least one step")
        for index, item in enumerate(raw):
            step = self.build_step(item, child(path, index), allow_parallel=allow_parallel)
            if step is not None:
                steps.append(step)
        return tuple(steps)

    def build_step(self, raw: Any, path: str, *, allow_parallel: bool) -> Step | None:
        checked = self.check(STEP_SCHEMA, raw, path, core=STEP_CORE)
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
        condition = self.condition(checked["if"], child(path, "if")) if "if" in checked else None
        action: ActionDef | None = None
        branches: tuple[tuple[Step, ...], ...] = ()
        if "parallel" in checked:
            extra = [
                key for key in ("service", "action", "method", "timeout", "retry") if key in checked
            ]
            if extra:
                self.error(path, f"a parallel step cannot also have {', '.join(extra)}")
            if not allow_parallel:
                self.error(child(path, "parallel"), "parallel blocks cannot be nested here")
            else:
                branches = self.build_branches(checked["parallel"], child(path, "parallel"))
        elif "service" in checked:
            action = self.action(checked, action_path or path)
        elif action_path is None:
            self.error(path, "a step needs 'service' and 'action', or 'parallel'")
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
            self.error(path, "a parallel block needs at least two branches")
        branches: list[tuple[Step, ...]] = []
        for index, item in enumerate(raw):
            branch_path = child(path, index)
            if isinstance(item, dict) and set(item) == {"steps"}:
                if not isinstance(item["steps"], list):
                    self.error(child(branch_path, "steps"), "expected a list of steps")
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
            self.error(path, "missing required key 'action' (or 'method')")
            return None
        if len(names) == 2 and names[0] != names[1]:
            self.error(path, "'action' and 'method' name different actions; keep one")
            return None
        action_name = names[0]
        adapter = self.registry.get(service)
        if (
            adapter is not None
            and adapter.spec(action_name) is not None  # else the adapter's own message
            and not ACTION_NAME.fullmatch(action_name)
        ):
            self.error(
                child(path, "action" if "action" in raw else "method"),
                f"'{action_name}' is not an action name (letters, digits, '_', '.', '-')",
            )
            return None
        retry = None
        if "retry" in raw:
            checked = self.check(RETRY_SCHEMA, raw["retry"], child(path, "retry"))
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
                self.error(child(path, "params"), problem)
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
            self.error(where, str(err))
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
                self.error(where, humanize_invalid(invalid))

    # -- conditions ---------------------------------------------------------------------

    def condition(self, raw: Any, path: str) -> Condition | None:
        if isinstance(raw, str):
            if "{{" in raw or "{%" in raw:
                return Condition(kind="template", template=raw)
            self.error(path, "a condition is a mapping, or a Home Assistant template '{{ ... }}'")
            return None
        if not isinstance(raw, dict):
            self.error(path, f"a condition is a mapping, got {_kind(raw)}")
            return None
        for combinator in ("all", "any"):
            if combinator in raw:
                if set(raw) != {combinator} or not isinstance(raw[combinator], list):
                    self.error(path, f"'{combinator}' takes a list of conditions and nothing else")
                    return None
                children = [
                    self.condition(item, child(child(path, combinator), index))
                    for index, item in enumerate(raw[combinator])
                ]
                if any(item is None for item in children):
                    return None
                return Condition(kind=combinator, children=tuple(c for c in children if c))
        if "not" in raw:
            if set(raw) != {"not"}:
                self.error(path, "'not' takes one condition and nothing else")
                return None
            inner = self.condition(raw["not"], child(path, "not"))
            return Condition(kind="not", children=(inner,)) if inner else None
        if "template" in raw:
            if set(raw) != {"template"} or not isinstance(raw["template"], str):
                self.error(path, "'template' takes one template string and nothing else")
                return None
            return Condition(kind="template", template=raw["template"])
        if "path" not in raw:
            self.error(
                path,
                "a condition needs 'path' with one comparison, or 'all', 'any', 'not', 'template'",
            )
            return None
        if not isinstance(raw["path"], str) or not raw["path"]:
            self.error(child(path, "path"), "'path' must name a value, such as 'result.count'")
            return None
        if problem := path_problem(raw["path"]):
            self.error(child(path, "path"), problem)
            return None
        operators = [key for key in raw if key != "path"]
        unknown = [key for key in operators if key not in COMPARE_OPERATORS]
        if unknown:
            self.error(
                path,
                f"unknown comparison '{unknown[0]}' (use one of {', '.join(COMPARE_OPERATORS)})",
            )
            return None
        if len(operators) > 1:
            self.error(path, "use one comparison per condition; combine them with 'all'/'any'")
            return None
        operator = operators[0] if operators else "truthy"
        operand = raw.get(operator, True)
        for reference in iter_references(operand):
            if problem := path_problem(reference):
                self.error(child(path, operator), problem)
                return None
        if operator == "matches" and not isinstance(operand, str):
            self.error(child(path, operator), "'matches' takes a regular expression as text")
            return None
        if (
            operator == "matches"
            and not has_references(operand)
            and (problem := pattern_problem(operand))
        ):
            self.error(child(path, operator), problem)
            return None
        return Condition(kind="compare", path=raw["path"], operator=operator, operand=operand)

    # -- state machines -----------------------------------------------------------------

    def build_states(self, raw: list[Any], initial: str | None) -> dict[str, State]:
        states: dict[str, State] = {}
        if not raw:
            self.error("states", "needs at least one state")
        # Every name written, even of states with problems of their own: a transition to
        # such a state is not a second problem.
        self.state_names = {
            item["name"]
            for item in raw
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        }
        raw_transitions: list[tuple[str, str, Any]] = []
        for index, item in enumerate(raw):
            path = child("states", index)
            checked = self.check(STATE_SCHEMA, item, path, core=("name", "action", "parallel"))
            if checked is None:
                continue
            name = checked["name"]
            raw_transitions.append((name, path, checked["transitions"]))
            step_raw: dict[str, Any] = {"id": name, "continue_on_error": False}
            if "action" in checked and "parallel" in checked:
                self.error(path, "a state has 'action' or 'parallel', not both")
                self.register_id(name, child(path, "name"))
                continue
            if "action" in checked:
                action_raw = self.check(
                    ACTION_SCHEMA, checked["action"], child(path, "action"), core=STEP_CORE
                )
                if action_raw is None:
                    self.register_id(name, child(path, "name"))
                    continue
                step_raw.update(action_raw)
            if "parallel" in checked:
                step_raw["parallel"] = checked["parallel"]
            step = self.step_from(
                step_raw, path, allow_parallel=True, action_path=child(path, "action")
            )
            if step is None:
                continue
            if name not in states:
                states[name] = State(step=step, transitions={})
        if initial is None:
            if self.state_names:
                self.error("initial_state", "missing required key 'initial_state'")
        elif initial not in self.state_names:
            self.error("initial_state", f"there is no state named '{initial}'{self.known_states()}")
        for name, path, transitions in raw_transitions:
            built = self.build_transitions(transitions, child(path, "transitions"), states)
            if name in states and states[name].step.location == path:
                states[name] = State(step=states[name].step, transitions=built)
        if initial in states:
            self.check_reachable(states, initial)
            self.check_state_references(states, initial)
        return states

    def build_transitions(
        self, raw: dict[str, Any], path: str, states: Mapping[str, State]
    ) -> dict[str, tuple[TransitionOption, ...]]:
        built: dict[str, tuple[TransitionOption, ...]] = {}
        for event, value in raw.items():
            event_path = child(path, str(event))
            if not isinstance(event, str) or not STEP_ID.fullmatch(event):
                self.error(event_path, f"'{event}' is not a valid event name")
                continue
            options: list[TransitionOption] = []
            if isinstance(value, str):
                options.append(TransitionOption(target=value))
                self.check_target(value, event_path, states)
            elif isinstance(value, list) and value:
                for index, item in enumerate(value):
                    option = self.option(item, child(event_path, index), states)
                    if option is not None:
                        options.append(option)
                defaults = [i for i, option in enumerate(options) if option.condition is None]
                if defaults and defaults[0] != len(options) - 1:
                    self.error(
                        child(event_path, defaults[0]),
                        "an option without 'if' is the default and must come last",
                    )
                if not defaults:
                    self.warning(
                        event_path,
                        "no default option: when no condition matches, the run fails",
                    )
            else:
                self.error(
                    event_path,
                    "a transition is a state name or a list of {'if': ..., 'target': ...} options",
                )
                continue
            built[event] = tuple(options)
        return built

    def option(self, raw: Any, path: str, states: Mapping[str, State]) -> TransitionOption | None:
        if not isinstance(raw, dict) or "target" not in raw or not set(raw) <= {"if", "target"}:
            self.error(path, "an option is {'if': condition, 'target': state} ('if' optional)")
            return None
        target = raw["target"]
        if not isinstance(target, str):
            self.error(child(path, "target"), "'target' names a state")
            return None
        self.check_target(target, child(path, "target"), states)
        condition = self.condition(raw["if"], child(path, "if")) if "if" in raw else None
        if "if" in raw and condition is None:
            return None
        return TransitionOption(target=target, condition=condition)

    def check_target(self, target: str, path: str, states: Mapping[str, State]) -> None:
        if target in self.state_names:
            return
        if target in self.step_locations:
            self.error(path, f"'{target}' is a step inside a parallel block, not a state")
        else:
            self.error(path, f"there is no state named '{target}'{self.known_states()}")

    def check_reachable(self, states: Mapping[str, State], initial: str) -> None:
        reached = _reach(initial, states)
        for name, state in states.items():
            if name not in reached and name != initial:
                self.warning(
                    state.step.location, f"state '{name}' can never be reached from '{initial}'"
                )

    def check_state_references(self, states: Mapping[str, State], initial: str) -> None:
        # A state's result exists once it has run: on any path that leads to the referrer.
        # `before` answers only for the steps a state refers to, searching backwards from it
        # and stopping once found, so a long chain stays linear (no all-pairs reachability).
        predecessors: dict[str, list[str]] = {}
        for name, state in states.items():
            for options in state.transitions.values():
                for option in options:
                    predecessors.setdefault(option.target, []).append(name)
        for name, state in states.items():
            before = _Before(name, predecessors)
            self.check_step_references(state.step, before)
            for event, options in state.transitions.items():
                for index, option in enumerate(options):
                    if option.condition is not None:
                        self.check_condition_references(
                            option.condition,
                            child(child(child(state.step.location, "transitions"), event), index),
                            _Union(before, {name} | {s.id for b in state.step.branches for s in b}),
                        )

    # -- sequences ---------------------------------------------------------------------

    def check_sequence_references(self, steps: Iterable[Step], path: str) -> None:
        # One growing set, never copied per step (copies made long sequences quadratic):
        # a step's references are checked before its own id and its branches are added.
        before: set[str] = set()
        for step in steps:
            self.check_step_references(step, before)
            before.add(step.id)
            for branch in step.branches:
                before.update(inner.id for inner in branch)

    def check_step_references(self, step: Step, before: Container[str]) -> None:
        if step.condition is not None:
            self.check_condition_references(step.condition, child(step.location, "if"), before)
        if step.action is not None:
            self.check_action_references(step.action, step.id, before)
        for branch in step.branches:
            earlier = _Union(before, set())
            for inner in branch:
                if inner.condition is not None:
                    self.check_condition_references(
                        inner.condition, child(inner.location, "if"), earlier
                    )
                if inner.action is not None:
                    self.check_action_references(inner.action, inner.id, earlier)
                earlier.extra.add(inner.id)

    def check_action_references(
        self, action: ActionDef, step_id: str, before: Container[str]
    ) -> None:
        for reference in iter_references(action.params):
            self.check_reference(reference, child(action.location, "params"), step_id, before)

    def check_condition_references(
        self, condition: Condition, path: str, before: Container[str]
    ) -> None:
        if condition.kind == "compare" and condition.path:
            self.check_reference(condition.path, child(path, "path"), None, before)
        for reference in iter_references(condition.operand):
            self.check_reference(reference, path, None, before)
        for inner in condition.children:
            self.check_condition_references(inner, path, before)

    def check_reference(
        self, reference: str, path: str, step_id: str | None, before: Container[str]
    ) -> None:
        if path_problem(reference):
            return
        head = reference.split(".", 1)[0]
        if head not in self.step_locations:
            return  # a variable or built-in: known only at run time
        if head == step_id:
            self.error(path, f"'${{{reference}}}' refers to its own step, which has not run yet")
        elif head not in before:
            self.error(
                path,
                f"'${{{reference}}}' refers to step '{head}', which cannot have run yet here",
            )

    # -- DAGs ---------------------------------------------------------------------------

    def build_nodes(self, raw: list[Any]) -> tuple[Step, ...]:
        nodes: list[Step] = []
        if not raw:
            self.error("nodes", "needs at least one node")
        for index, item in enumerate(raw):
            path = child("nodes", index)
            checked = self.check(NODE_SCHEMA, item, path, core=(*STEP_CORE, "depends_on"))
            if checked is None:
                continue
            if "parallel" in checked:
                self.error(
                    child(path, "parallel"),
                    "DAG nodes run in parallel by their dependencies; 'parallel' is not used here",
                )
                continue
            node = self.step_from(
                checked, path, allow_parallel=False, depends_on=tuple(checked["depends_on"])
            )
            if node is not None:
                nodes.append(node)
        by_id = {node.id: node for node in nodes}
        for node in nodes:
            for index, dependency in enumerate(node.depends_on):
                where = child(child(node.location, "depends_on"), index)
                if dependency == node.id:
                    self.error(where, f"node '{node.id}' cannot depend on itself")
                elif dependency not in by_id:
                    self.error(where, f"there is no node named '{dependency}'{_known(by_id)}")
        cycle = _find_cycle(by_id)
        if cycle:
            self.error(
                child(by_id[cycle[0]].location, "depends_on"),
                f"dependency cycle: {_cycle_text(cycle)}",
            )
            return tuple(nodes)
        parents = {node.id: list(node.depends_on) for node in nodes}
        for node in nodes:
            self.check_step_references(node, _Before(node.id, parents, include_self=False))
        return tuple(nodes)


def _reach(start: str, states: Mapping[str, State]) -> set[str]:
    """States reachable from `start` by one or more transitions (start only if in a loop)."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        state = states.get(current)
        if state is None:
            continue
        for options in state.transitions.values():
            for option in options:
                if option.target not in seen:
                    seen.add(option.target)
                    stack.append(option.target)
    return seen


def _find_cycle(nodes: Mapping[str, Step]) -> list[str] | None:
    """One dependency cycle as a closed list of ids, or None. Iterative depth-first search:
    a chain of any length cannot exhaust the interpreter's stack."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(nodes, white)
    for root in nodes:
        if colour[root] != white:
            continue
        colour[root] = grey
        path = [root]
        pending = [iter(nodes[root].depends_on)]
        while pending:
            dependency = next(pending[-1], None)
            if dependency is None:
                colour[path.pop()] = black
                pending.pop()
                continue
            if dependency not in nodes or dependency == path[-1]:
                continue  # reported on its own
            if colour[dependency] == grey:
                return [*path[path.index(dependency) :], dependency]
            if colour[dependency] == white:
                colour[dependency] = grey
                path.append(dependency)
                pending.append(iter(nodes[dependency].depends_on))
    return None


class _Known:
    """Steps whose results exist at some point of a workflow: answers `head in before`."""

    def __contains__(self, item: object) -> bool:
        raise NotImplementedError


class _Before(_Known):
    """Whether a step can have run before `target`: a backward search over `parents` (state
    machine predecessors or DAG dependencies), made only when asked and stopped once found."""

    __slots__ = ("include_self", "parents", "seen", "stack", "target")

    def __init__(
        self, target: str, parents: Mapping[str, list[str]], *, include_self: bool = True
    ) -> None:
        self.target = target
        self.parents = parents
        self.include_self = include_self  # a state in a loop sees its own earlier result
        self.seen: set[str] = set()
        self.stack: list[str] = list(parents.get(target, ()))

    def __contains__(self, item: object) -> bool:
        if item in self.seen:
            return item != self.target or self.include_self
        while self.stack:
            current = self.stack.pop()
            if current in self.seen:
                continue
            self.seen.add(current)
            self.stack.extend(self.parents.get(current, ()))
            if current == item:
                return item != self.target or self.include_self
        return False


class _Union(_Known):
    """`before` plus a few more ids."""

    __slots__ = ("before", "extra")

    def __init__(self, before: Container[str], extra: set[str]) -> None:
        self.before = before
        self.extra = extra

    def __contains__(self, item: object) -> bool:
        return item in self.extra or item in self.before


def _cycle_text(cycle: list[str]) -> str:
    """`a -> b -> a`; a long cycle is shortened, its length said."""
    if len(cycle) <= 12:
        return " -> ".join(cycle)
    shown = [*cycle[:6], "...", *cycle[-3:]]
    return f"{' -> '.join(shown)} ({len(cycle) - 1} nodes)"


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {
        "str": "text",
        "int": "a number",
        "float": "a number",
        "bool": "true/false",
        "list": "a list",
        "dict": "a mapping",
    }.get(type(value).__name__, type(value).__name__)


def _known(names: Iterable[str]) -> str:
    shown = sorted(names)[:12]
    return f" (known: {', '.join(shown)})" if shown else ""


__all__ = [
    "SUFFIXES",
    "join_path",
    "load_definition",
    "load_file",
    "load_file_or_raise",
    "parse_text",
    "read_file",
]
