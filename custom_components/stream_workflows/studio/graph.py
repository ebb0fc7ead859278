"""A workflow definition as the Studio's GRAPH: nodes and edges for <sw-flowchart>."""

from __future__ import annotations

from typing import Any

from ..engine.conditions import describe
from ..engine.model import Outcome, Shape, Step, WorkflowDefinition

START = "__start__"
END = "__end__"


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self._ids: set[str] = set()

    def node(
        self,
        node_id: str,
        step: str | None,
        label: str,
        kind: str,
        parent: str | None = None,
        action: str | None = None,
    ) -> str:
        if node_id in self._ids:
            return node_id
        self._ids.add(node_id)
        self.nodes.append(
            {
                "id": node_id,
                "step": step,
                "label": label,
                "kind": kind,
                "parent": parent,
                "action": action,
            }
        )
        return node_id

    def edge(self, source: str, target: str, label: str, kind: str) -> None:
        self.edges.append(
            {
                "id": f"e{len(self.edges)}",
                "source": source,
                "target": target,
                "label": label,
                "kind": kind,
            }
        )

    def step(self, step: Step, kind: str, parent: str | None = None) -> tuple[str, str]:
        """Draw a step; (entry node, exit node): a parallel block exits through its join."""
        action = f"{step.action.service}.{step.action.action}" if step.action else None
        if not step.branches:
            label = step.description or step.id
            return (self.node(step.id, step.id, label, kind, parent, action),) * 2
        block = self.node(step.id, step.id, step.id, "parallel", parent)
        join = self.node(f"{step.id}::join", None, "", "join", block)
        fork = self.node(f"{step.id}::fork", None, "", "join", block)
        for branch in step.branches:
            previous = fork
            for inner in branch:
                entry, exit_ = self.step(inner, "step", block)
                self.edge(previous, entry, "", "next")
                previous = exit_
            self.edge(previous, join, "", "next")
        return fork, join


def build_graph(definition: WorkflowDefinition) -> dict[str, Any]:
    """The GRAPH of STUDIO.md for any of the three shapes."""
    graph = _Builder()
    start = graph.node(START, None, "start", "start")
    if definition.shape is Shape.STATE_MACHINE:
        entries: dict[str, tuple[str, str]] = {}
        for state in definition.states.values():
            kind = "final" if state.is_terminal else "state"
            entries[state.name] = graph.step(state.step, kind)
        if definition.initial_state in entries:
            graph.edge(start, entries[definition.initial_state][0], "", "next")
        for state in definition.states.values():
            exit_ = entries[state.name][1]
            for event, options in state.transitions.items():
                for option in options:
                    target = entries.get(option.target, (option.target,) * 2)[0]
                    if option.condition is not None:
                        label, kind = f"{event} if {describe(option.condition)}", "condition"
                    else:
                        label = event
                        kind = "outcome" if event in _OUTCOMES else "event"
                        if event in ("error", "timeout"):
                            kind = "error"
                    graph.edge(exit_, target, label, kind)
    elif definition.shape is Shape.SEQUENCE:
        previous = start
        for step in definition.steps:
            entry, exit_ = graph.step(step, "step")
            label = f"if {describe(step.condition)}" if step.condition else ""
            graph.edge(previous, entry, label, "condition" if label else "next")
            previous = exit_
        graph.edge(previous, graph.node(END, None, "end", "end"), "", "next")
    else:
        drawn = {node.id: graph.step(node, "node") for node in definition.steps}
        for node in definition.steps:
            if not node.depends_on:
                graph.edge(start, drawn[node.id][0], "", "next")
            for dependency in node.depends_on:
                source = drawn.get(dependency, (dependency,) * 2)[1]
                graph.edge(source, drawn[node.id][0], "", "dependency")
    return {"shape": definition.shape.value, "nodes": graph.nodes, "edges": graph.edges}


_OUTCOMES = frozenset(outcome.value for outcome in Outcome)
