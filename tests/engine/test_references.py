"""Derived inputs: the names a workflow reads with `${...}` that nothing defines."""

from __future__ import annotations

from pathlib import Path

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import WorkflowDefinition, load_file_or_raise
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
