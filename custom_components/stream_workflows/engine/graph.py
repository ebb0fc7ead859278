"""Mermaid flowcharts of workflows (`stream-workflows graph`)."""

from __future__ import annotations

import re

from .conditions import describe
from .model import Shape, Step, WorkflowDefinition


class _Ids:
    """Mermaid node ids, one per step and one per parallel block's join, never shared.

    An id reads like its step (`n_prepare_raid`); where two would read the same (`a-b` and
    `a_b`, or a state named `p_join` and block `p`'s join) the later one gets a number.
    Steps are named first, in document order, so their ids do not depend on joins.
    """

    def __init__(self, definition: WorkflowDefinition) -> None:
        self._ids: dict[tuple[str, str], str] = {}
        self._used: set[str] = set()
        steps = list(definition.top_steps)
        for step in steps:
            self._add("step", step.id, "")
            for branch in step.branches:
                for inner in branch:
                    self._add("step", inner.id, "")
        for step in steps:
            if step.branches:
                self._add("join", step.id, "_join")

    def _add(self, kind: str, name: str, suffix: str) -> None:
        if (kind, name) in self._ids:
            return
        base = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name) + suffix
        candidate, number = base, 1
        while candidate in self._used:
            number += 1
            candidate = f"{base}_{number}"
        self._used.add(candidate)
        self._ids[(kind, name)] = candidate

    def node(self, name: str) -> str:
        if ("step", name) not in self._ids:
            self._add("step", name, "")
        return self._ids[("step", name)]

    def join(self, name: str) -> str:
        if ("join", name) not in self._ids:
            self._add("join", name, "_join")
        return self._ids[("join", name)]


def mermaid(definition: WorkflowDefinition) -> str:
    """A `flowchart TD` of the workflow."""
    ids = _Ids(definition)
    lines = ["flowchart TD", f"    %% {_comment(definition.name)} ({definition.shape.value})"]
    if definition.shape is Shape.STATE_MACHINE:
        lines.append(f"    start(( )) --> {ids.node(definition.initial_state or '')}")
        for state in definition.states.values():
            lines.extend(_step_lines(state.step, ids, terminal=state.is_terminal))
            # a parallel state moves on once its branches have joined
            source = ids.join(state.name) if state.step.branches else ids.node(state.name)
            for event, options in state.transitions.items():
                for option in options:
                    label = (
                        event
                        if option.condition is None
                        else (f"{event} if {describe(option.condition)}")
                    )
                    lines.append(f"    {source} -->|{_text(label)}| {ids.node(option.target)}")
    elif definition.shape is Shape.SEQUENCE:
        previous = "start(( ))"
        for step in definition.steps:
            lines.extend(_step_lines(step, ids))
            label = f"|if {_text(describe(step.condition))}|" if step.condition else ""
            lines.append(f"    {previous} -->{label} {ids.node(step.id)}")
            previous = ids.join(step.id) if step.branches else ids.node(step.id)
        lines.append(f"    {previous} --> finish(((end)))")
    else:
        for node in definition.steps:
            lines.extend(_step_lines(node, ids))
            if not node.depends_on:
                lines.append(f"    start(( )) --> {ids.node(node.id)}")
            for dependency in node.depends_on:
                lines.append(f"    {ids.node(dependency)} --> {ids.node(node.id)}")
    return "\n".join(lines) + "\n"


def _step_lines(step: Step, ids: _Ids, *, terminal: bool = False) -> list[str]:
    node = ids.node(step.id)
    if step.branches:
        join = ids.join(step.id)
        lines = [f'    {node}{{{{"{_text(step.id)} (parallel)"}}}}', f"    {join}(( ))"]
        for branch in step.branches:
            previous = node
            for inner in branch:
                lines.extend(_step_lines(inner, ids))
                lines.append(f"    {previous} --> {ids.node(inner.id)}")
                previous = ids.node(inner.id)
            lines.append(f"    {previous} --> {join}")
        return lines
    label = step.id
    if step.action is not None:
        label += f"<br/>{step.action.service}.{step.action.action}"
    shape = ('(["', '"])') if terminal else ('["', '"]')
    return [f"    {node}{shape[0]}{_text(label)}{shape[1]}"]


def _text(text: str) -> str:
    return _comment(text).replace('"', "#quot;").replace("|", "#124;")


def _comment(text: str) -> str:
    """One line: a name with a line break would end the Mermaid statement early."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", " ", text)
