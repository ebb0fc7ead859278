"""Derived inputs: the names a workflow reads with `${...}` that nothing defines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import (
    WorkflowDefinition,
    load_file_or_raise,
    references,
)
from custom_components.stream_workflows.engine.references import derived_inputs

from .helpers import build

WORKFLOWS = Path(__file__).parents[2] / "workflows"


def seed(name: str) -> WorkflowDefinition:
    return load_file_or_raise(WORKFLOWS / name, default_registry())


def test_the_seed_raid_asks_for_its_target() -> None:
    derived = derived_inputs(seed("raid_workflow.json"))
    assert list(derived) == ["raid_target"]
    assert derived["raid_target"].paths == ("raid_target",)
    assert derived["raid_target"].nested is False


def test_shared_variables_and_results_are_not_inputs() -> None:
    definition = seed("stream_end_processing.json")
    # without shared variables, `config` must be given (a mapping: it is read by a dotted path)
    derived = derived_inputs(definition)
    assert list(derived) == ["config"]
    assert derived["config"].nested is True
    # with `config` in the options, nothing: ${date}/${time} are built-ins and
    # ${create_highlight.url} is a step's result
    assert derived_inputs(definition, {"config"}) == {}


def test_declared_inputs_variables_and_condition_paths() -> None:
    definition = build(
        {
            "id": "cond",
            "inputs": {"who": {"type": "string"}},
            "variables": {"greeting": "hi"},
            "steps": [
                {
                    "id": "say",
                    "service": "internal",
                    "action": "log",
                    "params": {"message": "${greeting} ${who} ${extra}"},
                    "if": {"path": "flags.loud", "equals": "${wanted}"},
                }
            ],
        }
    )
    assert {name: d.paths for name, d in derived_inputs(definition).items()} == {
        "flags": ("flags.loud",),
        "wanted": ("wanted",),
        "extra": ("extra",),
    }


def test_a_definition_is_walked_once_for_its_references(monkeypatch: Any) -> None:
    """Every call of a workflow's action checks its derived inputs: the walk over every
    step's parameters is done once per definition, not once per call (a 1,000-step
    workflow took about 0.6 ms a call)."""
    definition = seed("raid_workflow.json")
    walks: list[WorkflowDefinition] = []
    walk = references._paths

    def counted(walked: WorkflowDefinition) -> Any:
        walks.append(walked)
        return walk(walked)

    monkeypatch.setattr(references, "_paths", counted)
    first = derived_inputs(definition)
    assert derived_inputs(definition, ["config"]) == derived_inputs(definition, ["config"])
    assert derived_inputs(definition) == first
    assert walks == [definition]
    other = seed("raid_workflow.json")  # the same document loaded again: its own walk
    assert derived_inputs(other) == first
    assert walks == [definition, other]
