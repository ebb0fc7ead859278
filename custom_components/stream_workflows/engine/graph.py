"""Mermaid flowcharts of workflows (`stream-workflows graph`)."""

from __future__ import annotations

import re

from .conditions import describe
from .model import Shape, Step, WorkflowDefinition


def mermaid(definition: WorkflowDefinition) -> str:
    """A `flowchart TD` of the workflow."""
    lines = ["flowchart TD", f"    %% {definition.name} ({definition.shape.value})"]
    if definition.shape is Shape.STATE_MACHINE:
        lines.append(f"    start(( )) --> {_node_id(definition.initial_state or '')}")
        for state in definition.states.values():
            lines.extend(_step_lines(state.step, terminal=state.is_terminal))
            # a parallel state moves on once its branches have joined
            source = _node_id(state.name) + ("_join" if state.step.branches else "")
            for event, options in state.transitions.items():
                for option in options:
                    label = (
                        event
                        if option.condition is None
                        else (f"{event} if {describe(option.condition)}")
                    )
                    lines.append(f"    {source} -->|{_text(label)}| {_node_id(option.target)}")
    elif definition.shape is Shape.SEQUENCE:
        previous = "start(( ))"
        for step in definition.steps:
            lines.extend(_step_lines(step))
            label = f"|if {_text(describe(step.condition))}|" if step.condition else ""
            lines.append(f"    {previous} -->{label} {_node_id(step.id)}")
            previous = _node_id(step.id) if not step.branches else f"{_node_id(step.id)}_join"
        lines.append(f"    {previous} --> finish(((end)))")
    else:
        for node in definition.steps:
            lines.extend(_step_lines(node))
            if not node.depends_on:
                lines.append(f"    start(( )) --> {_node_id(node.id)}")
            for dependency in node.depends_on:
                lines.append(f"    {_node_id(dependency)} --> {_node_id(node.id)}")
    return "\n".join(lines) + "\n"


def _step_lines(step: Step, *, terminal: bool = False) -> list[str]:
    node = _node_id(step.id)
    if step.branches:
        lines = [f'    {node}{{{{"{_text(step.id)} (parallel)"}}}}', f"    {node}_join(( ))"]
        for branch in step.branches:
            previous = node
            for inner in branch:
                lines.extend(_step_lines(inner))
                lines.append(f"    {previous} --> {_node_id(inner.id)}")
                previous = _node_id(inner.id)
            lines.append(f"    {previous} --> {node}_join")
        return lines
    label = step.id
    if step.action is not None:
        label += f"<br/>{step.action.service}.{step.action.action}"
    shape = ('(["', '"])') if terminal else ('["', '"]')
    return [f"    {node}{shape[0]}{_text(label)}{shape[1]}"]


def _node_id(name: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _text(text: str) -> str:
    return text.replace('"', "#quot;").replace("|", "#124;")
