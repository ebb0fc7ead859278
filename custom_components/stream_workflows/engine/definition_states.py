"""State machines: states, their transitions and transition options.

Each state's work is a step (`StepBuilder`); a transition names a state or lists options
(`if` → `target`, the default last). Every state must be reachable from the initial one
(a warning otherwise) and read only results of states that can have run before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .definition_conditions import build_condition
from .definition_problems import ProblemLog, known
from .definition_references import Before, Plus, ReferenceChecker
from .definition_schemas import ACTION_SCHEMA, STATE_SCHEMA, STEP_CORE, STEP_ID
from .definition_steps import StepBuilder
from .model import State, TransitionOption
from .paths import child


class StateBuilder:
    """Builds a state machine's states; knows every state name written (`state_names`)."""

    def __init__(
        self, report: ProblemLog, steps: StepBuilder, references: ReferenceChecker
    ) -> None:
        self.report = report
        self.steps = steps
        self.references = references
        self.state_names: set[str] = set()
        self._known_states: str | None = None

    def known_states(self) -> str:
        """The " (known: ...)" hint, worked out once: a file may have thousands of problems."""
        if self._known_states is None:
            self._known_states = known(self.state_names)
        return self._known_states

    def build_states(self, raw: list[Any], initial: str | None) -> dict[str, State]:
        states: dict[str, State] = {}
        if not raw:
            self.report.error("states", "needs at least one state")
        # Every name written, even of states with problems of their own: a transition to
        # such a state is not a second problem.
        self.state_names = {
            item["name"]
            for item in raw
            if isinstance(item, dict) and isinstance(item.get("name"), str)
        }
        raw_transitions: list[tuple[str, str, Any]] = []
        for index, item in enumerate(raw):
            path = child("states", index)
            checked = self.report.check(
                STATE_SCHEMA, item, path, core=("name", "action", "parallel")
            )
            if checked is None:
                continue
            name = checked["name"]
            raw_transitions.append((name, path, checked["transitions"]))
            step_raw: dict[str, Any] = {"id": name, "continue_on_error": False}
            if "action" in checked and "parallel" in checked:
                self.report.error(path, "a state has 'action' or 'parallel', not both")
                self.steps.register_id(name, child(path, "name"))
                continue
            if "action" in checked:
                action_raw = self.report.check(
                    ACTION_SCHEMA, checked["action"], child(path, "action"), core=STEP_CORE
                )
                if action_raw is None:
                    self.steps.register_id(name, child(path, "name"))
                    continue
                step_raw.update(action_raw)
            if "parallel" in checked:
                step_raw["parallel"] = checked["parallel"]
            step = self.steps.step_from(
                step_raw, path, allow_parallel=True, action_path=child(path, "action")
            )
            if step is None:
                continue
            if name not in states:
                states[name] = State(step=step, transitions={})
        if initial is None:
            if self.state_names:
                self.report.error("initial_state", "missing required key 'initial_state'")
        elif initial not in self.state_names:
            self.report.error(
                "initial_state", f"there is no state named '{initial}'{self.known_states()}"
            )
        for name, path, transitions in raw_transitions:
            built = self.build_transitions(transitions, child(path, "transitions"), states)
            if name in states and states[name].step.location == path:
                states[name] = State(step=states[name].step, transitions=built)
        if initial in states:
            self.check_reachable(states, initial)
            self.check_state_references(states, initial)
        return states

    def build_transitions(
        self, raw: dict[str, Any], path: str, states: Mapping[str, State]
    ) -> dict[str, tuple[TransitionOption, ...]]:
        built: dict[str, tuple[TransitionOption, ...]] = {}
        for event, value in raw.items():
            event_path = child(path, str(event))
            if not isinstance(event, str) or not STEP_ID.fullmatch(event):
                self.report.error(event_path, f"'{event}' is not a valid event name")
                continue
            options: list[TransitionOption] = []
            if isinstance(value, str):
                options.append(TransitionOption(target=value))
                self.check_target(value, event_path, states)
            elif isinstance(value, list) and value:
                for index, item in enumerate(value):
                    option = self.option(item, child(event_path, index), states)
                    if option is not None:
                        options.append(option)
                defaults = [i for i, option in enumerate(options) if option.condition is None]
                if defaults and defaults[0] != len(options) - 1:
                    self.report.error(
                        child(event_path, defaults[0]),
                        "an option without 'if' is the default and must come last",
                    )
                if not defaults:
                    self.report.warning(
                        event_path,
                        "no default option: when no condition matches, the run fails",
                    )
            else:
                self.report.error(
                    event_path,
                    "a transition is a state name or a list of {'if': ..., 'target': ...} options",
                )
                continue
            built[event] = tuple(options)
        return built

    def option(self, raw: Any, path: str, states: Mapping[str, State]) -> TransitionOption | None:
        if not isinstance(raw, dict) or "target" not in raw or not set(raw) <= {"if", "target"}:
            self.report.error(
                path, "an option is {'if': condition, 'target': state} ('if' optional)"
            )
            return None
        target = raw["target"]
        if not isinstance(target, str):
            self.report.error(child(path, "target"), "'target' names a state")
            return None
        self.check_target(target, child(path, "target"), states)
        condition = (
            build_condition(self.report, raw["if"], child(path, "if")) if "if" in raw else None
        )
        if "if" in raw and condition is None:
            return None
        return TransitionOption(target=target, condition=condition)

    def check_target(self, target: str, path: str, states: Mapping[str, State]) -> None:
        if target in self.state_names:
            return
        if target in self.steps.step_locations:
            self.report.error(path, f"'{target}' is a step inside a parallel block, not a state")
        else:
            self.report.error(path, f"there is no state named '{target}'{self.known_states()}")

    def check_reachable(self, states: Mapping[str, State], initial: str) -> None:
        reached = _reach(initial, states)
        for name, state in states.items():
            if name not in reached and name != initial:
                self.report.warning(
                    state.step.location, f"state '{name}' can never be reached from '{initial}'"
                )

    def check_state_references(self, states: Mapping[str, State], initial: str) -> None:
        # A state's result exists once it has run: on any path that leads to the referrer.
        # `before` answers only for the steps a state refers to, searching backwards from it
        # and stopping once found, so a long chain stays linear (no all-pairs reachability).
        predecessors: dict[str, list[str]] = {}
        for name, state in states.items():
            for options in state.transitions.values():
                for option in options:
                    predecessors.setdefault(option.target, []).append(name)
        for name, state in states.items():
            before = Before(name, predecessors)
            self.references.check_step_references(state.step, before)
            for event, options in state.transitions.items():
                for index, option in enumerate(options):
                    if option.condition is not None:
                        self.references.check_condition_references(
                            option.condition,
                            child(child(child(state.step.location, "transitions"), event), index),
                            Plus(before, {name} | {s.id for b in state.step.branches for s in b}),
                        )


def _reach(start: str, states: Mapping[str, State]) -> set[str]:
    """States reachable from `start` by one or more transitions (start only if in a loop)."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        current = stack.pop()
        state = states.get(current)
        if state is None:
            continue
        for options in state.transitions.values():
            for option in options:
                if option.target not in seen:
                    seen.add(option.target)
                    stack.append(option.target)
    return seen
