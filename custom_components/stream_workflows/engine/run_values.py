"""What a run's `${...}` and conditions read: its steps' results, its variables and the
built-ins (`built_ins`), in that order; a condition that cannot be decided fails the run."""

from __future__ import annotations

from functools import partial
from typing import Any

from .built_ins import BUILT_INS, RunFacts
from .conditions import TemplateEvaluator, evaluate
from .errors import ActionError, TemplateError
from .model import Condition
from .run_state import RunState
from .run_types import RunError, RunFailedError
from .template import lookup


def resolve(state: RunState, facts: RunFacts, path: str) -> Any:
    """The value `${path}` names: a step's result, a variable, or a built-in."""
    head, _, _ = path.partition(".")
    if head in state.results:
        return lookup(state.results, path)
    if head in state.variables:
        return lookup(state.variables, path)
    if head in BUILT_INS:
        return lookup({head: BUILT_INS[head](facts)}, path)
    if head in state.definition.steps_by_id():
        raise TemplateError(f"'${{{path}}}': step '{head}' has not produced a result")
    raise TemplateError(f"'${{{path}}}': nothing is named '{head}'")


def scope(state: RunState, facts: RunFacts) -> dict[str, Any]:
    """Everything a template condition may see."""
    values: dict[str, Any] = {name: build(facts) for name, build in BUILT_INS.items()}
    values.update(state.variables)
    values.update(state.results)
    return values


def decide(
    condition: Condition,
    step_id: str,
    state: RunState,
    facts: RunFacts,
    templates: TemplateEvaluator | None,
) -> bool:
    """Decide `condition` of step `step_id`; one that cannot be decided is that step's error,
    recorded in `state`, and fails the run (RunFailedError)."""
    try:
        return evaluate(
            condition, partial(resolve, state, facts), partial(scope, state, facts), templates
        )
    except ActionError as err:
        error = RunError(step_id, err.error_type, f"condition: {err}")
    except Exception as err:  # whatever a value does in a comparison: this step's error
        error = RunError(step_id, "condition_error", f"condition: {type(err).__name__}: {err}")
    state.last_error = state.error = error
    raise RunFailedError(error)


__all__ = ["decide", "resolve", "scope"]
