"""Load and validate workflow definitions (JSON or YAML, one schema).

Every problem is collected, located (`states[2].transitions.success`) and worded for a
person; nothing raises part-way. `load_definition` returns the definition (None when it has
errors) together with all problems, warnings included.

This module builds the top level; the parts are built by role: `definition_schemas` (the
keys of each mapping), `definition_problems` (the problem log), `definition_inputs` (inputs,
triggers), `definition_steps` (steps, actions, parallel blocks), `definition_conditions`,
`definition_references` (`${step}` read before it can have run), `definition_states` and
`definition_dag`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .adapter import AdapterRegistry
from .definition_dag import build_nodes
from .definition_inputs import build_inputs, build_triggers, check_names
from .definition_problems import ProblemLog
from .definition_references import ReferenceChecker
from .definition_schemas import ACTION_NAME, OUTCOME_EVENTS, STEP_ID, TOP_SCHEMA, WORKFLOW_ID
from .definition_states import StateBuilder
from .definition_steps import StepBuilder
from .errors import DefinitionError, Problem, Severity
from .loading import MAX_FILE_BYTES, SUFFIXES, parse_text, plain_value, read_document
from .model import ErrorPolicy, InterruptedAction, RunMode, Shape, State, Step, WorkflowDefinition
from .paths import join_path

MAX_PROBLEMS = 200  # reported per document


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
    report = ProblemLog()
    definition = _build(report, registry, document, source, default_id)
    problems = _capped(report.problems)
    if report.has_errors():  # decided on every problem, not only on those shown
        return None, problems
    return definition, problems


def _build(
    report: ProblemLog,
    registry: AdapterRegistry,
    document: Any,
    source: str | None,
    default_id: str | None,
) -> WorkflowDefinition | None:
    """The whole document: its top-level keys, then the one shape it has."""
    top = report.check(TOP_SCHEMA, document, "", core=("states", "steps", "nodes"))
    if top is None:
        return None
    workflow_id = top.get("id", default_id)
    if workflow_id is None:
        report.error("id", "missing required key 'id'")
    elif not WORKFLOW_ID.fullmatch(workflow_id):
        report.error(
            "id",
            f"'{workflow_id}' is not a valid workflow id: "
            "use lowercase letters, digits and underscores",
        )
    shapes = [key for key in ("states", "steps", "nodes") if key in top]
    if len(shapes) != 1:
        what = "none" if not shapes else " and ".join(f"'{key}'" for key in shapes)
        report.error(
            "",
            "a workflow has exactly one of 'states' (state machine), 'steps' (sequence) "
            f"or 'nodes' (DAG); this one has {what}",
        )
        return None
    steps_builder = StepBuilder(report, registry)
    references = ReferenceChecker(report, steps_builder.step_locations)
    inputs = build_inputs(report, top["inputs"])
    triggers = build_triggers(report, top)
    shape_key = shapes[0]
    states: dict[str, State] = {}
    steps: tuple[Step, ...] = ()
    initial_state = top.get("initial_state")
    if shape_key == "states":
        shape = Shape.STATE_MACHINE
        states = StateBuilder(report, steps_builder, references).build_states(
            top["states"], initial_state
        )
    elif shape_key == "steps":
        shape = Shape.SEQUENCE
        if "initial_state" in top:
            report.error("initial_state", "'initial_state' only belongs to state machines")
        steps = steps_builder.build_steps(top["steps"], "steps", allow_parallel=True)
        references.check_sequence_references(steps, "steps")
    else:
        shape = Shape.DAG
        if "initial_state" in top:
            report.error("initial_state", "'initial_state' only belongs to state machines")
        steps = build_nodes(report, steps_builder, references, top["nodes"])
    check_names(report, steps_builder.step_locations, inputs, top["variables"])
    if workflow_id is None or report.has_errors():
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


__all__ = [
    "ACTION_NAME",
    "MAX_PROBLEMS",
    "OUTCOME_EVENTS",
    "STEP_ID",
    "SUFFIXES",
    "WORKFLOW_ID",
    "join_path",
    "load_definition",
    "load_file",
    "load_file_or_raise",
    "parse_text",
    "read_file",
]
