"""A failed run told to people: a translated message keyed by the engine's error code.

A run's error (`RunError`: step, type, message) stays machine-readable where automations and
templates read it (the sensor's `last_error`, bus events, service responses). What a person
reads comes from `exceptions.run_failed_<type>` of strings.json, with the workflow, the step
and the engine's message (secrets redacted) as placeholders, as the control errors are
translated (`state_errors.py`). A code without a message of its own reads `run_failed`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .engine import Run, RunError, RunStatus

# The codes with a message of their own (strings.json `exceptions.run_failed_<code>`).
STEP_ERRORS: Final = frozenset(
    {
        "action_failed",
        "auth_failed",
        "cannot_connect",
        "condition_error",
        "forbidden",
        "interrupted",
        "invalid_params",
        "missing_scope",
        "not_connected",
        "not_found",
        "rate_limited",
        "simulated",
        "template_error",
        "timeout",
        "unavailable",
        "unknown_action",
    }
)
# Errors of the run itself, not of one step: their messages name no step.
RUN_ERRORS: Final = frozenset({"internal_error", "workflow_changed"})
GENERIC: Final = "run_failed"
GENERIC_NO_STEP: Final = "run_failed_no_step"


def run_error_key(error: RunError) -> str:
    """The translation key (of `exceptions`) for `error`."""
    if error.type in RUN_ERRORS:
        return f"run_failed_{error.type}"
    if error.step is None:
        return GENERIC_NO_STEP
    return f"run_failed_{error.type}" if error.type in STEP_ERRORS else GENERIC


class WorkflowRunError(HomeAssistantError):
    """A run that failed, for whoever waited for it; `str()` is the translated message."""

    def __init__(self, workflow: str, error: RunError, redact: Callable[[str], str]) -> None:
        super().__init__(
            translation_domain=DOMAIN,
            translation_key=run_error_key(error),
            translation_placeholders={
                "workflow": workflow,
                "step": error.step or "",
                "type": error.type,
                "message": redact(error.message),
            },
        )
        self.error = error


def run_failure(run: Run, redact: Callable[[str], str]) -> WorkflowRunError | None:
    """The translated error of a run that failed; None for any other ending."""
    if run.status is not RunStatus.FAILED or run.error is None:
        return None
    return WorkflowRunError(run.definition.name, run.error, redact)
