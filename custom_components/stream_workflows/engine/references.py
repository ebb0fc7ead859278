"""The names a workflow reads with `${...}` but does not define: its derived inputs.

A workflow such as the seed's raid uses `${raid_target}` without declaring an input for it.
Every name a `${...}` path starts with is collected from action parameters and conditions;
what is left once steps, built-ins, declared inputs, the workflow's own variables and the
host's shared variables are taken away must come from whoever starts the run. Home Assistant
shows these as the fields of the workflow's action, so callers are asked for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .built_ins import BUILT_INS
from .model import Condition, WorkflowDefinition
from .template import iter_references, path_problem


@dataclass(frozen=True, slots=True)
class DerivedInput:
    """A name the workflow reads and nobody defines, with the paths it is read by."""

    name: str
    paths: tuple[str, ...]

    @property
    def nested(self) -> bool:
        """Read as `${name.key}`: the value is a mapping (or list), not plain text."""
        return any("." in path for path in self.paths)


def referenced_paths(definition: WorkflowDefinition) -> list[str]:
    """Every `${...}` path (and condition path) the workflow uses, in document order, once.
    Walked once per definition: every call of the workflow's action checks them."""
    return list(definition.cached("referenced_paths", lambda: _unique_paths(definition)))


def _unique_paths(definition: WorkflowDefinition) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for path in _paths(definition):
        if path_problem(path) is None:
            found.setdefault(path, None)
    return tuple(found)


def derived_inputs(
    definition: WorkflowDefinition, shared: Iterable[str] = ()
) -> dict[str, DerivedInput]:
    """The names the workflow reads that are not steps, built-ins, declared inputs, its own
    variables or `shared` (the host's variables for every workflow, such as `config`)."""
    defined = {
        *definition.steps_by_id(),
        *BUILT_INS,
        *definition.inputs,
        *definition.variables,
        *shared,
    }
    by_name: dict[str, list[str]] = {}
    for path in referenced_paths(definition):
        head = path.split(".", 1)[0]
        if head not in defined:
            by_name.setdefault(head, []).append(path)
    return {name: DerivedInput(name, tuple(paths)) for name, paths in by_name.items()}


def _paths(definition: WorkflowDefinition) -> Iterator[str]:
    for step in definition.steps_by_id().values():
        if step.condition is not None:
            yield from _condition_paths(step.condition)
        if step.action is not None:
            yield from iter_references(step.action.params)
    for state in definition.states.values():
        for options in state.transitions.values():
            for option in options:
                if option.condition is not None:
                    yield from _condition_paths(option.condition)


def _condition_paths(condition: Condition) -> Iterator[str]:
    # Templates are Home Assistant's (Jinja): their names cannot be told apart from its own.
    if condition.kind == "compare" and condition.path:
        yield condition.path
    yield from iter_references(condition.operand)
    for inner in condition.children:
        yield from _condition_paths(inner)
