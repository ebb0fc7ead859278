"""Conditions (a step's `if`, a transition option's `if`) from their written form."""

from __future__ import annotations

from typing import Any

from .conditions import COMPARE_OPERATORS
from .definition_problems import ProblemLog, kind
from .model import Condition
from .paths import child
from .patterns import pattern_problem
from .template import has_references, iter_references, path_problem


def build_condition(report: ProblemLog, raw: Any, path: str) -> Condition | None:
    """A condition (`if`) from its mapping or template text; None once a problem is logged."""
    if isinstance(raw, str):
        if "{{" in raw or "{%" in raw:
            return Condition(kind="template", template=raw)
        report.error(path, "a condition is a mapping, or a Home Assistant template '{{ ... }}'")
        return None
    if not isinstance(raw, dict):
        report.error(path, f"a condition is a mapping, got {kind(raw)}")
        return None
    for combinator in ("all", "any"):
        if combinator in raw:
            if set(raw) != {combinator} or not isinstance(raw[combinator], list):
                report.error(path, f"'{combinator}' takes a list of conditions and nothing else")
                return None
            children = [
                build_condition(report, item, child(child(path, combinator), index))
                for index, item in enumerate(raw[combinator])
            ]
            if any(item is None for item in children):
                return None
            return Condition(kind=combinator, children=tuple(c for c in children if c))
    if "not" in raw:
        if set(raw) != {"not"}:
            report.error(path, "'not' takes one condition and nothing else")
            return None
        inner = build_condition(report, raw["not"], child(path, "not"))
        return Condition(kind="not", children=(inner,)) if inner else None
    if "template" in raw:
        if set(raw) != {"template"} or not isinstance(raw["template"], str):
            report.error(path, "'template' takes one template string and nothing else")
            return None
        return Condition(kind="template", template=raw["template"])
    if "path" not in raw:
        report.error(
            path,
            "a condition needs 'path' with one comparison, or 'all', 'any', 'not', 'template'",
        )
        return None
    if not isinstance(raw["path"], str) or not raw["path"]:
        report.error(child(path, "path"), "'path' must name a value, such as 'result.count'")
        return None
    if problem := path_problem(raw["path"]):
        report.error(child(path, "path"), problem)
        return None
    operators = [key for key in raw if key != "path"]
    unknown = [key for key in operators if key not in COMPARE_OPERATORS]
    if unknown:
        report.error(
            path,
            f"unknown comparison '{unknown[0]}' (use one of {', '.join(COMPARE_OPERATORS)})",
        )
        return None
    if len(operators) > 1:
        report.error(path, "use one comparison per condition; combine them with 'all'/'any'")
        return None
    operator = operators[0] if operators else "truthy"
    operand = raw.get(operator, True)
    for reference in iter_references(operand):
        if problem := path_problem(reference):
            report.error(child(path, operator), problem)
            return None
    if operator == "matches" and not isinstance(operand, str):
        report.error(child(path, operator), "'matches' takes a regular expression as text")
        return None
    if (
        operator == "matches"
        and not has_references(operand)
        and (problem := pattern_problem(operand))
    ):
        report.error(child(path, operator), problem)
        return None
    return Condition(kind="compare", path=raw["path"], operator=operator, operand=operand)
