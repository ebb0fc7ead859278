"""How a run's outcome is told beyond its entities: the calls a rehearsal recorded, a warning
per handled error, the logbook line, and the optional persistent notification."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN
from .engine import ActionDispatch, Run, RunError, RunStatus

_LOGGER = logging.getLogger(__package__)

CONF_NOTIFY_ON_FAILURE = "notify_on_failure"
CONF_NOTIFY_ON_HANDLED_ERRORS = "notify_on_handled_errors"
# How many rehearsals keep their recorded calls for a response (a caller waiting for one
# reads them once it has ended; older ones are dropped so nothing grows without bound).
KEPT_REHEARSALS = 32
# Actions one rehearsal may dispatch before it is stopped as a loop (as the command line's
# limit; a real workflow is far shorter). On virtual time a loop would otherwise keep the
# event loop busy for ever: stopping at 1000 takes about 3 s of a test Home Assistant.
MAX_REHEARSAL_ACTIONS = 1_000

type Redact = Callable[[str], str]  # takes secret shared variables out of a text


class RehearsalCalls:
    """The actions each recent rehearsal dispatched, with their rendered parameters.

    A rehearsal on virtual time never waits, so a workflow that loops for ever would spin:
    as `stream-workflows simulate` does, one is stopped after `limit` actions."""

    def __init__(self, limit: int = MAX_REHEARSAL_ACTIONS) -> None:
        self.limit = limit
        self._calls: dict[str, list[dict[str, Any]]] = {}
        self._limited: dict[str, dict[str, Any]] = {}

    def started(self, run: Run) -> None:
        self._calls[run.run_id] = []
        while len(self._calls) > KEPT_REHEARSALS:
            oldest = next(iter(self._calls))
            del self._calls[oldest]
            self._limited.pop(oldest, None)

    def dispatched(self, run: Run, dispatch: ActionDispatch) -> bool:
        """Record a call; False once the rehearsal has reached the limit (stop it)."""
        calls = self._calls.get(run.run_id)
        if calls is None:
            return True
        if len(calls) >= self.limit:
            self._limited.setdefault(
                run.run_id,
                {
                    "step": dispatch.step,
                    "type": "rehearsal_limit",
                    "message": f"stopped after {self.limit} actions: the workflow seems to loop",
                },
            )
            return False
        calls.append(
            {
                "step": dispatch.step,
                "service": dispatch.service,
                "action": dispatch.action,
                "params": dict(dispatch.params),
            }
        )
        return True

    def of(self, run: Run) -> list[dict[str, Any]]:
        return list(self._calls.get(run.run_id, []))

    def limited(self, run: Run) -> dict[str, Any] | None:
        """Why the rehearsal was stopped, when it reached the limit."""
        return self._limited.get(run.run_id)


def log_handled_error(run: Run, error: RunError, redact: Redact) -> None:
    """One warning per handled error: the run goes on (and may succeed), but it failed."""
    _LOGGER.warning(
        "%s%s (run %s): step %s failed (%s: %s); %s",
        "Rehearsal of " if run.rehearsal else "",
        run.definition.name,
        run.run_id,
        error.step or "?",
        error.type,
        redact(error.message),
        "the run continued" if error.handled == "continued" else f"it took the {error.handled}",
    )


def describe_errors(errors: list[Mapping[str, Any]]) -> str:
    """`announce_raid: Twitch is not connected; ...` for logbook lines and notifications."""
    return "; ".join(f"{error.get('step') or 'run'}: {error.get('message')}" for error in errors)


def finished_message(data: Mapping[str, Any]) -> str:
    """The logbook line of a finished run, from its `stream_workflows_run_finished` data."""
    status = data.get("status")
    handled = list(data.get("errors") or [])
    count = f"{len(handled)} handled error{'s' if len(handled) != 1 else ''}"
    error = data.get("error")
    if status == RunStatus.SUCCEEDED.value and handled:
        message = f"finished with {count}: {describe_errors(handled)}"
    else:
        message = f"finished: {status}"
        if error:
            message += f" ({describe_errors([error])})"
        if handled:
            message += f"; {count}: {describe_errors(handled)}"
    return f"rehearsal {message}" if data.get("rehearsal") else message


def wants_notification(run: Run, options: Mapping[str, Any]) -> bool:
    """Whether this run's end raises a persistent notification: the workflow's `notify`,
    else the integration's options. Rehearsals never do (their caller has the outcome)."""
    status = run.status
    if (
        run.rehearsal
        or status is RunStatus.CANCELLED
        or (status is RunStatus.SUCCEEDED and not run.errors)
    ):
        return False  # most runs: no setting is read
    raw = run.definition.raw.get("notify")
    own: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    on_failure = own.get("on_failure", options.get(CONF_NOTIFY_ON_FAILURE, False))
    on_handled = own.get("on_handled_errors", options.get(CONF_NOTIFY_ON_HANDLED_ERRORS, False))
    if status is RunStatus.FAILED:
        return bool(on_failure)
    return status is RunStatus.SUCCEEDED and bool(on_handled)


async def async_notify_outcome(hass: HomeAssistant, run: Run, redact: Redact) -> None:
    """Raise (or replace) the workflow's persistent notification about this run's end."""
    strings = await async_get_translations(hass, hass.config.language, "common", {DOMAIN})

    def text(key: str, **placeholders: str) -> str:
        template = strings.get(f"component.{DOMAIN}.common.{key}", key)
        return template.format(**placeholders)

    name = run.definition.name
    if run.status is RunStatus.FAILED and run.error is not None:
        message = text(
            "notification_failed",
            name=name,
            error=redact(describe_errors([run.error.as_dict()])),
        )
    else:
        message = text(
            "notification_handled_errors",
            name=name,
            count=str(len(run.errors)),
            errors=redact(describe_errors([error.as_dict() for error in run.errors])),
        )
    persistent_notification.async_create(
        hass,
        message,
        title=text("notification_title", name=name),
        notification_id=f"{DOMAIN}_{run.definition.id}",
    )
