"""DAGs: nodes that run once their dependencies (`depends_on`) have succeeded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .definition_problems import ProblemLog, known
from .definition_references import Before, ReferenceChecker
from .definition_schemas import NODE_SCHEMA, STEP_CORE
from .definition_steps import StepBuilder
from .model import Step
from .paths import child


def build_nodes(
    report: ProblemLog, steps: StepBuilder, references: ReferenceChecker, raw: list[Any]
) -> tuple[Step, ...]:
    """A DAG's nodes: each a step with `depends_on`, no cycle, no parallel block."""
    nodes: list[Step] = []
    if not raw:
        report.error("nodes", "needs at least one node")
    for index, item in enumerate(raw):
        path = child("nodes", index)
        checked = report.check(NODE_SCHEMA, item, path, core=(*STEP_CORE, "depends_on"))
        if checked is None:
            continue
        if "parallel" in checked:
            report.error(
                child(path, "parallel"),
                "DAG nodes run in parallel by their dependencies; 'parallel' is not used here",
            )
            continue
        node = steps.step_from(
            checked, path, allow_parallel=False, depends_on=tuple(checked["depends_on"])
        )
        if node is not None:
            nodes.append(node)
    by_id = {node.id: node for node in nodes}
    known_nodes: str | None = None  # the hint, worked out once: many may be unknown
    for node in nodes:
        for index, dependency in enumerate(node.depends_on):
            where = child(child(node.location, "depends_on"), index)
            if dependency == node.id:
                report.error(where, f"node '{node.id}' cannot depend on itself")
            elif dependency not in by_id:
                if known_nodes is None:
                    known_nodes = known(by_id)
                report.error(where, f"there is no node named '{dependency}'{known_nodes}")
    cycle = _find_cycle(by_id)
    if cycle:
        report.error(
            child(by_id[cycle[0]].location, "depends_on"),
            f"dependency cycle: {_cycle_text(cycle)}",
        )
        return tuple(nodes)
    parents = {node.id: list(node.depends_on) for node in nodes}
    for node in nodes:
        references.check_step_references(node, Before(node.id, parents, include_self=False))
    return tuple(nodes)


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


def _cycle_text(cycle: list[str]) -> str:
    """`a -> b -> a`; a long cycle is shortened, its length said."""
    if len(cycle) <= 12:
        return " -> ".join(cycle)
    shown = [*cycle[:6], "...", *cycle[-3:]]
    return f"{' -> '.join(shown)} ({len(cycle) - 1} nodes)"
