"""The definition is built by parts (engine/definition_*.py); the problems stay one list.

One document per shape carries a problem for every part (inputs, triggers, conditions,
actions and retry, ids, references, names; DAG dependencies; state machine targets and
reachability): all are reported at once, each at its place, in the order the parts run.
Each part stays a small module: no class over 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine.definition import load_definition

ENGINE = Path(__file__).parents[2] / "custom_components" / "stream_workflows" / "engine"
COMPARISONS = "equals, not_equals, gt, gte, lt, lte, in, not_in, contains, matches, exists, truthy"


def problems(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    definition, found = load_definition(document, default_registry())
    assert definition is None
    return [(problem.path, problem.message, problem.severity) for problem in found]


def test_a_sequence_reports_a_problem_of_every_part_in_order() -> None:
    document = {
        "id": "every_part",
        "trigger": {"event": "x"},
        "inputs": {"count": {"type": "number", "default": "many"}, "bad name": {}},
        "variables": {"first": 1},
        "steps": [
            {
                "id": "first",
                "service": "internal",
                "action": "log",
                "params": {"message": "${later}"},
            },
            {
                "id": "both",
                "parallel": [
                    {
                        "id": "left",
                        "service": "internal",
                        "action": "noop",
                        "if": {"path": "x", "near": 1},
                    },
                    {
                        "steps": [
                            {
                                "id": "right",
                                "service": "internal",
                                "action": "noop",
                                "retry": {"max_attempts": -1},
                            }
                        ]
                    },
                ],
            },
            {
                "id": "later",
                "service": "internal",
                "action": "log",
                "params": {"message": "${later.x}"},
            },
            {"id": "first", "service": "nowhere", "action": "go"},
        ],
    }
    assert problems(document) == [
        (
            "inputs.count.default",
            "the default 'many' does not match the input's type 'number'",
            "error",
        ),
        ("inputs.bad name", "'bad name' is not a valid input name", "error"),
        ("trigger", "a trigger mapping needs 'trigger' (e.g. state, event, time)", "error"),
        (
            "steps[1].parallel[0].if",
            f"unknown comparison 'near' (use one of {COMPARISONS})",
            "error",
        ),
        (
            "steps[1].parallel[1].steps[0].retry.max_attempts",
            "expected a whole number from 0 to 100, got -1",
            "error",
        ),
        ("steps[3].id", "duplicate id 'first' (first used at steps[0].id)", "error"),
        (
            "steps[3].service",
            "unknown service 'nowhere' (known: discord, homeassistant, internal, obs, twitch)",
            "error",
        ),
        (
            "steps[0].params",
            "'${later}' refers to step 'later', which cannot have run yet here",
            "error",
        ),
        ("steps[2].params", "'${later.x}' refers to its own step, which has not run yet", "error"),
        ("variables.first", "variable 'first' has the same name as a step", "error"),
    ]


def test_a_dag_reports_its_nodes_then_dependencies_then_references() -> None:
    document = {
        "id": "dag_parts",
        "nodes": [
            {"id": "a", "service": "internal", "action": "log", "params": {"message": "${b}"}},
            {"id": "b", "service": "internal", "action": "noop", "depends_on": ["c", "b"]},
            {"id": "c", "service": "internal", "action": "noop", "parallel": []},
        ],
    }
    assert problems(document) == [
        (
            "nodes[2].parallel",
            "DAG nodes run in parallel by their dependencies; 'parallel' is not used here",
            "error",
        ),
        ("nodes[1].depends_on[0]", "there is no node named 'c' (known: a, b)", "error"),
        ("nodes[1].depends_on[1]", "node 'b' cannot depend on itself", "error"),
        ("nodes[0].params", "'${b}' refers to step 'b', which cannot have run yet here", "error"),
    ]


def test_a_state_machine_reports_targets_then_reachability_then_references() -> None:
    document = {
        "id": "machine_parts",
        "initial_state": "start",
        "states": [
            {
                "name": "start",
                "action": {
                    "service": "internal",
                    "action": "log",
                    "params": {"message": "${end}"},
                },
                "transitions": {
                    "success": [
                        {"if": {"path": "start.x", "equals": "${lost.y}"}, "target": "end"},
                        {"target": "nowhere"},
                    ]
                },
            },
            {"name": "end"},
            {"name": "lost", "transitions": {"success": "end"}},
        ],
    }
    assert problems(document) == [
        (
            "states[0].transitions.success[1].target",
            "there is no state named 'nowhere' (known: end, lost, start)",
            "error",
        ),
        ("states[2]", "state 'lost' can never be reached from 'start'", "warning"),
        (
            "states[0].action.params",
            "'${end}' refers to step 'end', which cannot have run yet here",
            "error",
        ),
        (
            "states[0].transitions.success[0]",
            "'${lost.y}' refers to step 'lost', which cannot have run yet here",
            "error",
        ),
    ]


def class_lengths(path: Path) -> dict[str, int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return {
        node.name: (node.end_lineno or node.lineno) - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }


@pytest.mark.parametrize("path", sorted(ENGINE.glob("definition*.py")), ids=lambda path: path.name)
def test_no_class_of_the_definition_is_over_400_lines(path: Path) -> None:
    assert {name: size for name, size in class_lengths(path).items() if size > 400} == {}
