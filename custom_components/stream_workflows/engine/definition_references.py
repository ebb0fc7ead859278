"""Whether each `${step...}` reference can have a result where it is read.

A reference to a step is an error when that step cannot have run yet at that point: its own
step, a later step of a sequence, a state not on any path to the referrer, a DAG node that
is not among the dependencies. Names that are not steps (variables, inputs, built-ins) are
known only at run time and left alone. Every check here is linear in the workflow's size.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping

from .definition_problems import ProblemLog
from .model import ActionDef, Condition, Step
from .paths import child
from .template import iter_references, path_problem


class ReferenceChecker:
    """Checks references against the registered step ids (`step_locations`)."""

    def __init__(self, report: ProblemLog, step_locations: Mapping[str, str]) -> None:
        self.report = report
        self.step_locations = step_locations

    def check_sequence_references(self, steps: Iterable[Step], path: str) -> None:
        # One growing set, never copied per step (copies made long sequences quadratic):
        # a step's references are checked before its own id and its branches are added.
        before: set[str] = set()
        for step in steps:
            self.check_step_references(step, before)
            before.add(step.id)
            for branch in step.branches:
                before.update(inner.id for inner in branch)

    def check_step_references(self, step: Step, before: Container[str]) -> None:
        if step.condition is not None:
            self.check_condition_references(step.condition, child(step.location, "if"), before)
        if step.action is not None:
            self.check_action_references(step.action, step.id, before)
        for branch in step.branches:
            earlier = Plus(before, set())
            for inner in branch:
                if inner.condition is not None:
                    self.check_condition_references(
                        inner.condition, child(inner.location, "if"), earlier
                    )
                if inner.action is not None:
                    self.check_action_references(inner.action, inner.id, earlier)
                earlier.extra.add(inner.id)

    def check_action_references(
        self, action: ActionDef, step_id: str, before: Container[str]
    ) -> None:
        for reference in iter_references(action.params):
            self.check_reference(reference, child(action.location, "params"), step_id, before)

    def check_condition_references(
        self, condition: Condition, path: str, before: Container[str]
    ) -> None:
        if condition.kind == "compare" and condition.path:
            self.check_reference(condition.path, child(path, "path"), None, before)
        for reference in iter_references(condition.operand):
            self.check_reference(reference, path, None, before)
        for inner in condition.children:
            self.check_condition_references(inner, path, before)

    def check_reference(
        self, reference: str, path: str, step_id: str | None, before: Container[str]
    ) -> None:
        if path_problem(reference):
            return
        head = reference.split(".", 1)[0]
        if head not in self.step_locations:
            return  # a variable or built-in: known only at run time
        if head == step_id:
            self.report.error(
                path, f"'${{{reference}}}' refers to its own step, which has not run yet"
            )
        elif head not in before:
            self.report.error(
                path,
                f"'${{{reference}}}' refers to step '{head}', which cannot have run yet here",
            )


class Known:
    """Steps whose results exist at some point of a workflow: answers `head in before`."""

    def __contains__(self, item: object) -> bool:
        raise NotImplementedError


class Before(Known):
    """Whether a step can have run before `target`: a backward search over `parents` (state
    machine predecessors or DAG dependencies), made only when asked and stopped once found."""

    __slots__ = ("include_self", "parents", "seen", "stack", "target")

    def __init__(
        self, target: str, parents: Mapping[str, list[str]], *, include_self: bool = True
    ) -> None:
        self.target = target
        self.parents = parents
        self.include_self = include_self  # a state in a loop sees its own earlier result
        self.seen: set[str] = set()
        self.stack: list[str] = list(parents.get(target, ()))

    def __contains__(self, item: object) -> bool:
        if item in self.seen:
            return item != self.target or self.include_self
        while self.stack:
            current = self.stack.pop()
            if current in self.seen:
                continue
            self.seen.add(current)
            self.stack.extend(self.parents.get(current, ()))
            if current == item:
                return item != self.target or self.include_self
        return False


class Plus(Known):
    """`before` plus a few more ids."""

    __slots__ = ("before", "extra")

    def __init__(self, before: Container[str], extra: set[str]) -> None:
        self.before = before
        self.extra = extra

    def __contains__(self, item: object) -> bool:
        return item in self.extra or item in self.before
