"""The `internal` service: waits, variables, logging and events inside the engine."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

import voluptuous as vol

from ..engine.adapter import ActionContext, ActionSpec, Adapter
from ..engine.errors import ActionError, ActionTimeoutError

_LOGGER = logging.getLogger(__name__)


def _number(value: Any) -> float | int:
    """A non-negative number of seconds, kept as written (30 stays 30)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise vol.Invalid(f"expected a number of seconds, got {value!r}")
    seconds: float | int = value
    if seconds < 0:
        raise vol.Invalid(f"expected a number of seconds of 0 or more, got {seconds}")
    return seconds


def _until(value: Any) -> str:
    """`HH:MM`, `HH:MM:SS` or an ISO date-time."""
    if not isinstance(value, str):
        raise vol.Invalid("expected a time such as '21:00' or an ISO date-time")
    try:
        time.fromisoformat(value)
    except ValueError:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise vol.Invalid(f"'{value}' is not a time ('21:00') or ISO date-time") from None
    return value


def _one_of_seconds_or_until(params: dict[str, Any]) -> dict[str, Any]:
    if ("seconds" in params) == ("until" in params):
        raise vol.Invalid("give either 'seconds' or 'until'")
    return params


WAIT = vol.All(
    vol.Schema({vol.Optional("seconds"): _number, vol.Optional("until"): _until}),
    _one_of_seconds_or_until,
)
LOG_LEVELS = ("debug", "info", "warning", "error")

ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec(
            name="wait",
            description="Wait a number of seconds, or until a time of day / date-time.",
            params=vol.Schema(WAIT),
            result={"waited": "seconds waited"},
            timeout=None,
        ),
        ActionSpec(
            name="set_variables",
            description="Set run variables; later steps read them as ${name}.",
            params=vol.Schema({str: object}),
            result={"*": "the variables set"},
            timeout=None,
        ),
        ActionSpec(
            name="log",
            description="Write a message to the run's history and the log.",
            params=vol.Schema(
                {
                    vol.Required("message"): str,
                    vol.Optional("level", default="info"): vol.In(LOG_LEVELS),
                }
            ),
            result={"message": "the message written"},
            timeout=None,
        ),
        ActionSpec(
            name="fire_event",
            description="Fire a named event (in Home Assistant: on its event bus).",
            params=vol.Schema(
                {vol.Required("event"): str, vol.Optional("data", default=dict): dict}
            ),
            result={"event": "the event name", "data": "the data sent"},
            timeout=None,
        ),
        ActionSpec(
            name="wait_for_event",
            description="Wait for a named event, optionally matching data; times out.",
            params=vol.Schema(
                {
                    vol.Required("event"): str,
                    vol.Optional("match", default=dict): dict,
                    vol.Optional("timeout", default=300.0): _number,
                }
            ),
            result={"*": "the event's data"},
            rehearsal=lambda params: dict(params.get("match", {})),
            timeout=None,
        ),
        ActionSpec(
            name="noop",
            description="Do nothing (a placeholder, or a state that only routes).",
            params=vol.Schema({}),
            timeout=None,
        ),
    )
}


class InternalAdapter(Adapter):
    """Actions that need no outside service."""

    service = "internal"
    external = False

    def actions(self) -> Mapping[str, ActionSpec]:
        return ACTIONS

    async def execute(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        if action == "noop":
            return None
        if action == "wait":
            seconds = (
                params["seconds"] if "seconds" in params else _seconds_until(params["until"], ctx)
            )
            await ctx.sleep(seconds)
            return {"waited": seconds}
        if action == "set_variables":
            ctx.variables.update(params)
            return dict(params)
        if action == "log":
            _LOGGER.log(logging.getLevelName(params["level"].upper()), "%s", params["message"])
            ctx.log(params["message"])
            return {"message": params["message"]}
        if action == "fire_event":
            ctx.events.fire(params["event"], params["data"])
            return {"event": params["event"], "data": params["data"]}
        if action == "wait_for_event":
            return await _wait_for_event(params, ctx)
        raise ActionError(f"unknown internal action '{action}'", error_type="unknown_action")


def _seconds_until(until: str, ctx: ActionContext) -> float:
    now = ctx.now()
    try:
        moment = datetime.fromisoformat(until)
    except ValueError:
        moment = None
    if moment is None:
        clock_time = time.fromisoformat(until)
        moment = now.replace(
            hour=clock_time.hour, minute=clock_time.minute, second=clock_time.second, microsecond=0
        )
        if moment <= now:
            moment += timedelta(days=1)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return max(0.0, (moment - now).total_seconds())


async def _wait_for_event(params: Mapping[str, Any], ctx: ActionContext) -> Any:
    match: Mapping[str, Any] = params["match"]
    if ctx.rehearsal:
        # Nothing outside a rehearsal fires events: the event arrives, as its spec says.
        return ACTIONS["wait_for_event"].rehearsal(params)
    loop = asyncio.get_running_loop()
    arrived: asyncio.Future[Mapping[str, Any]] = loop.create_future()

    def on_event(data: Mapping[str, Any]) -> None:
        if not arrived.done() and all(data.get(key) == value for key, value in match.items()):
            arrived.set_result(data)

    remove = ctx.events.listen(params["event"], on_event)
    timer = loop.create_task(ctx.sleep(params["timeout"]))
    try:
        waiting: set[asyncio.Future[Any]] = {arrived, timer}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        remove()
        timer.cancel()
        await asyncio.gather(timer, return_exceptions=True)
        if not arrived.done():
            arrived.cancel()
    if arrived.done() and not arrived.cancelled():
        return dict(arrived.result())
    raise ActionTimeoutError(
        f"event '{params['event']}' did not arrive within {params['timeout']:g} s"
    )
