"""Loading and validating definitions: every problem at once, located, in plain words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import (
    DefinitionError,
    Problem,
    Shape,
    load_file,
    load_file_or_raise,
    parse_text,
)
from custom_components.stream_workflows.engine.model import ErrorPolicy, RunMode

from .helpers import build, problems_of

NOOP = {"service": "internal", "action": "noop"}


def errors(document: Any) -> list[str]:
    return [p for p in problems_of(document) if ": warning: " not in p]


def warnings(document: Any) -> list[str]:
    return [p for p in problems_of(document) if ": warning: " in p]


def machine(*states: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"id": "w", "initial_state": states[0]["name"], "states": list(states), **top}


# -- syntax ---------------------------------------------------------------------------


def test_json_syntax_error_has_line_and_column() -> None:
    document, problems = parse_text('{"id": "w",\n  "steps": ]}', "json")
    assert document is None
    assert len(problems) == 1
    assert problems[0].path == "line 2, column 12"
    assert problems[0].message == "Expecting value"


def test_yaml_syntax_error_has_line_and_column() -> None:
    document, problems = parse_text("id: w\nsteps: [1, 2\nmode: single\n", "yaml")
    assert document is None
    assert problems[0].path.startswith("line 3, column ")
    assert "expected ',' or ']'" in problems[0].message


def test_file_errors_are_problems_not_exceptions(tmp_path: Path) -> None:
    registry = default_registry()
    wrong_suffix = tmp_path / "flow.txt"
    wrong_suffix.write_text("{}")
    assert load_file(wrong_suffix, registry) == (
        None,
        [Problem("", "workflow files must end in .json, .yaml or .yml")],
    )
    missing = tmp_path / "missing.yaml"
    definition, problems = load_file(missing, registry)
    assert definition is None
    assert problems[0].message.startswith("cannot read the file")
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"\xff\xfe not text")
    definition, problems = load_file(broken, registry)
    assert definition is None
    assert problems[0].message.startswith("cannot read the file")


def test_load_file_or_raise_carries_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\nsteps:\n  - id: a\n    service: nope\n    action: x\n"
        "  - id: a\n    service: internal\n"
    )
    with pytest.raises(DefinitionError) as caught:
        load_file_or_raise(path, default_registry())
    assert caught.value.source == str(path)
    paths = [problem.path for problem in caught.value.problems]
    assert paths == ["steps[0].service", "steps[1].id", "steps[1]"]
    assert str(path) in str(caught.value)


def test_file_stem_is_the_default_id(tmp_path: Path) -> None:
    path = tmp_path / "my_flow.yml"
    path.write_text("steps:\n  - id: a\n    service: internal\n    action: noop\n")
    definition = load_file_or_raise(path, default_registry())
    assert definition.id == "my_flow"
    assert definition.name == "My Flow"
    assert definition.source == str(path)


# -- the three shapes -------------------------------------------------------------------


def test_shapes_are_told_apart_by_their_keys() -> None:
    assert build(machine({"name": "a"})).shape is Shape.STATE_MACHINE
    assert build({"id": "s", "steps": [{"id": "a", **NOOP}]}).shape is Shape.SEQUENCE
    assert build({"id": "d", "nodes": [{"id": "a", **NOOP}]}).shape is Shape.DAG


def test_exactly_one_shape() -> None:
    assert errors({"id": "w"}) == [
        "(document): a workflow has exactly one of 'states' (state machine), 'steps' (sequence) "
        "or 'nodes' (DAG); this one has none"
    ]
    assert (
        "this one has 'steps' and 'nodes'"
        in errors({"id": "w", "steps": [{"id": "a", **NOOP}], "nodes": [{"id": "b", **NOOP}]})[0]
    )


def test_method_is_accepted_as_action() -> None:
    definition = build(machine({"name": "a", "action": {"service": "internal", "method": "noop"}}))
    action = definition.states["a"].step.action
    assert action is not None
    assert action.action == "noop"
    assert action.location == "states[0].action"


def test_action_and_method_must_agree() -> None:
    assert errors(
        machine({"name": "a", "action": {"service": "internal", "method": "noop", "action": "log"}})
    ) == ["states[0].action: 'action' and 'method' name different actions; keep one"]


def test_state_without_action_is_allowed() -> None:
    definition = build(machine({"name": "a", "transitions": {"success": "b"}}, {"name": "b"}))
    assert definition.states["a"].step.action is None
    assert definition.states["b"].is_terminal


def test_defaults_and_top_level_settings() -> None:
    definition = build(
        {
            "id": "w",
            "name": "My workflow",
            "mode": "queued",
            "max": 3,
            "max_parallel": 2,
            "error_policy": "continue",
            "interrupted_action": "error",
            "steps": [{"id": "a", **NOOP}],
        }
    )
    assert definition.mode is RunMode.QUEUED
    assert definition.max_runs == 3
    assert definition.max_parallel_steps == 2
    assert definition.error_policy is ErrorPolicy.CONTINUE
    assert definition.interrupted_action.value == "error"
    plain = build({"id": "p", "steps": [{"id": "a", **NOOP}]})
    assert plain.mode is RunMode.SINGLE
    assert plain.error_policy is ErrorPolicy.STOP_ON_ERROR


# -- every problem, located -------------------------------------------------------------


def test_every_problem_is_reported_at_once() -> None:
    document = machine(
        {
            "name": "a",
            "action": {"service": "obs", "method": "set_current_scene", "params": {"scene": "x"}},
            "transitions": {"success": "nowhere", "error": "b"},
        },
        {"name": "a", "action": NOOP},
        {"name": "b", "action": {"service": "nosuch", "action": "x"}, "extra": 1},
        colour="red",
    )
    found = errors(document)
    assert found == [
        "colour: unknown key 'colour'",
        "states[0].action.params.scene: unknown key 'scene'",
        "states[0].action.params.scene_name: missing required key 'scene_name'",
        "states[1].name: duplicate id 'a' (first used at states[0].name)",
        "states[2].extra: unknown key 'extra'",
        "states[2].action.service: unknown service 'nosuch' "
        "(known: discord, homeassistant, internal, obs, twitch)",
        "states[0].transitions.success: there is no state named 'nowhere' (known: a, b)",
    ]


def test_problems_are_plain_words_with_a_path() -> None:
    document = {
        "id": "Bad Id",
        "mode": "sometimes",
        "steps": [{"id": "1a", **NOOP}, {"id": "date", **NOOP}, {"id": "x", "service": "internal"}],
    }
    assert errors(document) == [
        "mode: value must be one of ['parallel', 'queued', 'restart', 'single']",
        "id: 'Bad Id' is not a valid workflow id: use lowercase letters, digits and underscores",
        "steps[0].id: '1a' is not a valid id: start with a letter or '_', "
        "then letters, digits, '_' or '-'",
        "steps[1].id: 'date' is a built-in name (${date}); choose another",
        "steps[2]: missing required key 'action' (or 'method')",
    ]


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        "text",
        42,
        {"id": "w", "steps": "abc"},
        {"id": "w", "steps": [None, 3, "x", []]},
        {"id": "w", "states": [{"name": 5}], "initial_state": 5},
        {"id": "w", "nodes": [{"id": "a", **NOOP, "depends_on": "b"}]},
        {"id": "w", "initial_state": "a", "states": [{"name": "a", "transitions": []}]},
        {"id": "w", "initial_state": "a", "states": [{"name": "a", "transitions": {"x": 5}}]},
        {"id": "w", "steps": [{"id": "a", **NOOP, "if": {"path": 5}}]},
        {"id": "w", "steps": [{"id": "a", **NOOP, "if": {"any": "x"}}]},
        {"id": "w", "steps": [{"id": "a", **NOOP, "if": [1]}]},
        {"id": "w", "steps": [{"id": "a", "parallel": [{"steps": 5}, 7]}]},
        {"id": "w", "inputs": {"x": 5}, "steps": [{"id": "a", **NOOP}]},
        {"id": "w", "inputs": [1], "steps": [{"id": "a", **NOOP}]},
        {"id": "w", "triggers": [5], "steps": [{"id": "a", **NOOP}]},
        {1: 2, "steps": [{"id": "a", **NOOP}]},
    ],
)
def test_garbage_gives_located_problems_never_exceptions(document: Any) -> None:
    found = errors(document)
    assert found
    for line in found:
        path, _, message = line.partition(": ")
        assert path
        assert message
        assert "Traceback" not in message


def test_unknown_keys_everywhere() -> None:
    document = {
        "id": "w",
        "steps": [
            {
                "id": "a",
                **NOOP,
                "colour": 1,
                "retry": {"max_attempts": 2, "speed": 3},
            },
            {"id": "p", "parallel": [{"id": "b", **NOOP, "size": 1}, {"id": "c", **NOOP}]},
        ],
        "inputs": {"who": {"descripton": "typo"}},
    }
    assert errors(document) == [
        "inputs.who.descripton: unknown key 'descripton'",
        "steps[0].colour: unknown key 'colour'",
        "steps[0].retry.speed: unknown key 'speed'",
        "steps[1].parallel[0].size: unknown key 'size'",
    ]


def test_duplicate_ids_across_branches_and_steps() -> None:
    document = {
        "id": "w",
        "steps": [
            {"id": "a", **NOOP},
            {"id": "p", "parallel": [{"id": "a", **NOOP}, {"steps": [{"id": "p", **NOOP}]}]},
        ],
    }
    assert errors(document) == [
        "steps[1].parallel[0].id: duplicate id 'a' (first used at steps[0].id)",
        "steps[1].parallel[1].steps[0].id: duplicate id 'p' (first used at steps[1].id)",
    ]


def test_transition_targets_must_exist() -> None:
    document = machine(
        {"name": "a", "action": NOOP, "transitions": {"success": "b", "error": "gone"}},
        {
            "name": "b",
            "action": NOOP,
            "transitions": {
                "success": [{"if": {"path": "x", "equals": 1}, "target": "far"}, {"target": "a"}]
            },
        },
    )
    assert errors(document) == [
        "states[0].transitions.error: there is no state named 'gone' (known: a, b)",
        "states[1].transitions.success[0].target: there is no state named 'far' (known: a, b)",
    ]


def test_a_target_with_its_own_problems_is_not_reported_twice() -> None:
    document = machine(
        {"name": "a", "action": NOOP, "transitions": {"success": "b"}},
        {"name": "b", "action": {"service": "obs", "action": "set_current_scene"}},
    )
    assert errors(document) == [
        "states[1].action.params.scene_name: missing required key 'scene_name'"
    ]


def test_target_inside_a_parallel_block() -> None:
    document = machine(
        {
            "name": "a",
            "parallel": [{"id": "x", **NOOP}, {"id": "y", **NOOP}],
            "transitions": {"success": "x"},
        }
    )
    assert errors(document) == [
        "states[0].transitions.success: 'x' is a step inside a parallel block, not a state"
    ]


def test_initial_state_missing_or_unknown() -> None:
    assert errors({"id": "w", "states": [{"name": "a"}]}) == [
        "initial_state: missing required key 'initial_state'"
    ]
    assert errors({"id": "w", "initial_state": "z", "states": [{"name": "a"}], "x": 1}) == [
        "x: unknown key 'x'",
        "initial_state: there is no state named 'z' (known: a)",
    ]
    assert errors({"id": "w", "initial_state": "a", "steps": [{"id": "a", **NOOP}]}) == [
        "initial_state: 'initial_state' only belongs to state machines"
    ]


def test_unreachable_states_are_warnings() -> None:
    document = machine(
        {"name": "a", "action": NOOP, "transitions": {"success": "b"}},
        {"name": "b"},
        {"name": "lonely", "transitions": {"success": "b"}},
    )
    assert errors(document) == []
    assert warnings(document) == [
        "states[2]: warning: state 'lonely' can never be reached from 'a'"
    ]
    assert build(document).id == "w"


def test_dag_cycle_names_the_cycle() -> None:
    document = {
        "id": "d",
        "nodes": [
            {"id": "a", **NOOP, "depends_on": ["c"]},
            {"id": "b", **NOOP, "depends_on": ["a"]},
            {"id": "c", **NOOP, "depends_on": ["b"]},
            {"id": "free", **NOOP},
        ],
    }
    assert errors(document) == ["nodes[0].depends_on: dependency cycle: a -> c -> b -> a"]


def test_dag_self_and_unknown_dependencies() -> None:
    document = {
        "id": "d",
        "nodes": [
            {"id": "a", **NOOP, "depends_on": ["a"]},
            {"id": "b", **NOOP, "depends_on": ["zz"]},
            {"id": "c", "parallel": [], "depends_on": []},
        ],
    }
    assert errors(document) == [
        "nodes[2].parallel: DAG nodes run in parallel by their dependencies; "
        "'parallel' is not used here",
        "nodes[0].depends_on[0]: node 'a' cannot depend on itself",
        "nodes[1].depends_on[0]: there is no node named 'zz' (known: a, b)",
    ]


def test_references_to_steps_that_cannot_have_run_yet() -> None:
    log = {"service": "internal", "action": "log"}
    sequence = {
        "id": "s",
        "steps": [
            {"id": "a", **log, "params": {"message": "${b.x} ${a.y}"}},
            {"id": "b", **NOOP},
            {
                "id": "p",
                "parallel": [
                    {"id": "l", **log, "params": {"message": "${r} ${b}"}},
                    {"id": "r", **NOOP},
                ],
            },
            {"id": "after", **log, "params": {"message": "${l} ${r} ${p.l}"}},
        ],
    }
    assert errors(sequence) == [
        "steps[0].params: '${b.x}' refers to step 'b', which cannot have run yet here",
        "steps[0].params: '${a.y}' refers to its own step, which has not run yet",
        "steps[2].parallel[0].params: '${r}' refers to step 'r', which cannot have run yet here",
    ]
    dag = {
        "id": "d",
        "nodes": [
            {"id": "a", **NOOP},
            {"id": "b", **log, "params": {"message": "${a} ${c}"}},
            {"id": "c", **NOOP, "depends_on": ["a"]},
            {"id": "d", **log, "params": {"message": "${a} ${c}"}, "depends_on": ["c"]},
        ],
    }
    assert errors(dag) == [
        "nodes[1].params: '${a}' refers to step 'a', which cannot have run yet here",
        "nodes[1].params: '${c}' refers to step 'c', which cannot have run yet here",
    ]


def test_state_references_follow_the_transitions() -> None:
    log = {"service": "internal", "action": "log"}
    document = machine(
        {
            "name": "a",
            "action": {**log, "params": {"message": "${c}"}},
            "transitions": {"success": "b"},
        },
        {
            "name": "b",
            "action": {**log, "params": {"message": "${a.message}"}},
            "transitions": {"success": "c"},
        },
        {"name": "c", "action": NOOP},
    )
    assert errors(document) == [
        "states[0].action.params: '${c}' refers to step 'c', which cannot have run yet here"
    ]


def test_condition_references_are_checked() -> None:
    document = {
        "id": "s",
        "steps": [
            {"id": "a", **NOOP, "if": {"path": "b.ok", "equals": "${b.value}"}},
            {"id": "b", **NOOP},
        ],
    }
    assert errors(document) == [
        "steps[0].if.path: '${b.ok}' refers to step 'b', which cannot have run yet here",
        "steps[0].if: '${b.value}' refers to step 'b', which cannot have run yet here",
    ]


def test_invalid_reference_paths_are_refused() -> None:
    document = {
        "id": "s",
        "steps": [
            {
                "id": "a",
                "service": "internal",
                "action": "log",
                "params": {"message": "${__class__}"},
            },
            {"id": "b", "service": "internal", "action": "log", "params": {"message": "${a b}"}},
            {"id": "c", **NOOP, "if": {"path": "x.__dict__"}},
            {"id": "d", **NOOP, "if": {"path": "x", "equals": "${y.__len__}"}},
        ],
    }
    assert errors(document) == [
        "steps[0].params: '${__class__}' uses a name starting with '__', which is not allowed",
        "steps[1].params: '${a b}' is not a path: use names and indexes joined by dots",
        "steps[2].if.path: '${x.__dict__}' uses a name starting with '__', which is not allowed",
        "steps[3].if.equals: '${y.__len__}' uses a name starting with '__', which is not allowed",
    ]


def test_unknown_services_and_actions() -> None:
    document = {
        "id": "s",
        "steps": [
            {"id": "a", "service": "fax", "action": "send"},
            {"id": "b", "service": "internal", "action": "teleport"},
            {"id": "c", "service": "homeassistant", "action": "not an action"},
            {"id": "d", "service": "homeassistant", "action": "light.turn_on"},
        ],
    }
    found = errors(document)
    assert found[0] == (
        "steps[0].service: unknown service 'fax' (known: discord, homeassistant, internal, obs, "
        "twitch)"
    )
    assert found[1].startswith(
        "steps[1]: unknown action 'teleport' for service 'internal' (known: "
    )
    assert "noop" in found[1]
    assert found[2] == (
        "steps[2]: 'not an action' is not a Home Assistant action name such as 'light.turn_on'"
    )
    assert len(found) == 3


def test_action_params_against_the_schema() -> None:
    document = {
        "id": "s",
        "steps": [
            {"id": "a", "service": "internal", "action": "wait", "params": {"seconds": -1}},
            {
                "id": "b",
                "service": "internal",
                "action": "wait",
                "params": {"seconds": 1, "until": "21:00"},
            },
            {"id": "c", "service": "internal", "action": "log", "params": {"level": "loud"}},
            {"id": "d", "service": "internal", "action": "wait", "params": {"until": "soon"}},
            {"id": "e", "service": "internal", "action": "wait", "params": {"seconds": "${later}"}},
        ],
    }
    assert sorted(errors(document)) == [
        "steps[0].params.seconds: expected a number of seconds from 0 to 2678400, got -1",
        "steps[1].params: give either 'seconds' or 'until'",
        "steps[2].params.level: value must be one of ['debug', 'error', 'info', 'warning']",
        "steps[2].params.message: missing required key 'message'",
        "steps[3].params.until: 'soon' is not a time ('21:00') or ISO date-time",
    ]


def test_retry_and_timeout_are_checked() -> None:
    document = {
        "id": "s",
        "steps": [
            {
                "id": "a",
                **NOOP,
                "timeout": 0,
                "retry": {"max_attempts": -1, "backoff_rate": 0.5, "max_delay": -2},
            }
        ],
    }
    assert errors(document) == [
        "steps[0].timeout: expected a number of seconds more than 0 and at most 86400, got 0",
        "steps[0].retry.max_attempts: expected a whole number from 0 to 100, got -1",
        "steps[0].retry.backoff_rate: expected a number from 1 to 10, got 0.5",
        "steps[0].retry.max_delay: expected a number of seconds from 0 to 86400, got -2",
    ]
    step = build(
        {"id": "s", "steps": [{"id": "a", **NOOP, "timeout": 5, "retry": {"max_attempts": 2}}]}
    ).steps[0]
    assert step.action is not None
    assert step.action.timeout == 5
    assert step.action.retry is not None
    assert (step.action.retry.max_attempts, step.action.retry.interval) == (2, 1.0)


def test_inputs_are_checked() -> None:
    document = {
        "id": "w",
        "inputs": {
            "count": {"type": "integer", "default": "three"},
            "kind": {"type": "colour"},
            "bad name": {},
            "date": {},
            "a": {},
        },
        "steps": [{"id": "a", **NOOP}],
    }
    assert errors(document) == [
        "inputs.count.default: the default 'three' does not match the input's type 'integer'",
        "inputs.kind.type: value must be one of "
        "['boolean', 'integer', 'list', 'number', 'object', 'string']",
        "inputs.bad name: 'bad name' is not a valid input name",
        "inputs.date: 'date' is a built-in name; choose another",
        "inputs.a: input 'a' has the same name as a step",
    ]
    definition = build(
        {
            "id": "w",
            "inputs": {
                "who": {"description": "the channel", "required": True, "type": "string"},
                "seconds": {"default": 30, "type": "number"},
                "plain": None,
            },
            "steps": [{"id": "a", **NOOP}],
        }
    )
    assert definition.inputs["who"].required
    assert definition.inputs["who"].description == "the channel"
    assert definition.inputs["seconds"].has_default
    assert definition.inputs["seconds"].default == 30
    assert not definition.inputs["plain"].has_default


def test_conditions_are_checked() -> None:
    def condition_errors(condition: Any) -> list[str]:
        return errors({"id": "s", "steps": [{"id": "a", **NOOP, "if": condition}]})

    assert condition_errors({"path": "x", "bigger": 1}) == [
        "steps[0].if: unknown comparison 'bigger' (use one of equals, not_equals, gt, gte, lt, "
        "lte, in, not_in, contains, matches, exists, truthy)"
    ]
    assert condition_errors({"path": "x", "gt": 1, "lt": 3}) == [
        "steps[0].if: use one comparison per condition; combine them with 'all'/'any'"
    ]
    assert condition_errors({"path": "x", "matches": "("}) == [
        "steps[0].if.matches: not a valid regular expression: missing ) at position 1"
    ]
    assert condition_errors({"all": [{"path": "x"}, {"nope": 1}]}) == [
        "steps[0].if.all[1]: a condition needs 'path' with one comparison, or 'all', 'any', "
        "'not', 'template'"
    ]
    assert condition_errors("x > 3") == [
        "steps[0].if: a condition is a mapping, or a Home Assistant template '{{ ... }}'"
    ]
    assert condition_errors({"not": {"path": "x"}, "path": "y"}) == [
        "steps[0].if: 'not' takes one condition and nothing else"
    ]
    assert condition_errors("{{ is_state('x', 'on') }}") == []


def test_conditional_transition_default_must_come_last() -> None:
    document = machine(
        {
            "name": "a",
            "action": NOOP,
            "transitions": {
                "success": [{"target": "b"}, {"if": {"path": "x", "equals": 1}, "target": "b"}]
            },
        },
        {"name": "b"},
    )
    assert errors(document) == [
        "states[0].transitions.success[0]: an option without 'if' is the default and must come last"
    ]
    no_default = machine(
        {
            "name": "a",
            "action": NOOP,
            "transitions": {"success": [{"if": {"path": "x", "equals": 1}, "target": "b"}]},
        },
        {"name": "b"},
    )
    assert warnings(no_default) == [
        "states[0].transitions.success: warning: no default option: when no condition matches, "
        "the run fails"
    ]


def test_parallel_blocks_are_checked() -> None:
    assert errors({"id": "s", "steps": [{"id": "p", "parallel": [{"id": "a", **NOOP}]}]}) == [
        "steps[0].parallel: a parallel block needs at least two branches"
    ]
    nested = {
        "id": "s",
        "steps": [
            {
                "id": "p",
                "service": "internal",
                "parallel": [
                    {"id": "q", "parallel": [{"id": "x", **NOOP}, {"id": "y", **NOOP}]},
                    {"id": "b", **NOOP},
                ],
            }
        ],
    }
    assert errors(nested) == [
        "steps[0]: a parallel step cannot also have service",
        "steps[0].parallel[0].parallel: parallel blocks cannot be nested here",
    ]


def test_variables_and_steps_do_not_share_names() -> None:
    assert errors({"id": "s", "variables": {"a": 1}, "steps": [{"id": "a", **NOOP}]}) == [
        "variables.a: variable 'a' has the same name as a step"
    ]


def test_triggers_are_kept_for_the_host() -> None:
    definition = build(
        {
            "id": "s",
            "trigger": "stream_started",
            "triggers": [{"trigger": "state", "entity_id": "x"}],
            "steps": [{"id": "a", **NOOP}],
        }
    )
    assert [t.config for t in definition.triggers] == [
        {"trigger": "stream_event", "event": "stream_started"},
        {"trigger": "state", "entity_id": "x"},
    ]
    assert errors(
        {"id": "s", "triggers": [{"entity_id": "x"}], "steps": [{"id": "a", **NOOP}]}
    ) == ["triggers[0]: a trigger mapping needs 'trigger' (e.g. state, event, time)"]


def test_fingerprint_follows_the_document() -> None:
    one = build({"id": "s", "steps": [{"id": "a", **NOOP}]})
    same = build({"id": "s", "steps": [{"id": "a", **NOOP}]})
    other = build({"id": "s", "steps": [{"id": "b", **NOOP}]})
    assert one.fingerprint == same.fingerprint != other.fingerprint


def test_all_steps_includes_branch_steps() -> None:
    definition = build(
        {
            "id": "s",
            "steps": [
                {
                    "id": "p",
                    "parallel": [
                        {"steps": [{"id": "a", **NOOP}, {"id": "b", **NOOP}]},
                        {"id": "c", **NOOP},
                    ],
                },
                {"id": "d", **NOOP},
            ],
        }
    )
    assert list(definition.all_steps()) == ["p", "a", "b", "c", "d"]
    assert definition.action_count() == 2
