"""The `internal` service: waits, variables, logging and events inside the engine."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

import voluptuous as vol

from ..engine.adapter import ActionContext, ActionSpec, Adapter
from ..engine.errors import ActionError, ActionTimeoutError
from ..engine.numbers import MAX_WAIT_SECONDS, real
from .table import ActionTable, Params

_LOGGER = logging.getLogger(__name__)
# A number of seconds from 0 to 31 days, kept as written (30 stays 30); no NaN, no true/false.
_number = real(0, MAX_WAIT_SECONDS, what="a number of seconds", keep=True)
_EVENT_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,255}")  # one line of text, as HA event types


def _event_name(value: Any) -> str:
    if not isinstance(value, str) or not _EVENT_NAME.fullmatch(value):
        raise vol.Invalid("expected an event name: 1 to 255 characters, no control characters")
    return value


def _until(value: Any) -> str:
    """`HH:MM`, `HH:MM:SS` or an ISO date-time that a clock can reach (years 1 to 9998)."""
    if not isinstance(value, str) or len(value) > 64:
        raise vol.Invalid("expected a time such as '21:00' or an ISO date-time")
    try:
        time.fromisoformat(value)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise vol.Invalid(f"'{value}' is not a time ('21:00') or ISO date-time") from None
        try:
            moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
            if not 1 < moment.year < 9999:
                raise OverflowError
        except (OverflowError, ValueError):
            raise vol.Invalid(f"'{value}' is out of range: use a year from 2 to 9998") from None
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

TABLE: ActionTable[None] = ActionTable("internal")
"""The internal actions; they need no client, so their handlers get None for it."""


@TABLE.action(
    "wait",
    "Wait a number of seconds, or until a time of day / date-time.",
    params=vol.Schema(WAIT),
    result={"waited": "seconds waited"},
    timeout=None,
)
async def wait(_client: None, params: Params, ctx: ActionContext) -> Any:
    seconds = params["seconds"] if "seconds" in params else _seconds_until(params["until"], ctx)
    await ctx.sleep(seconds)
    return {"waited": seconds}


@TABLE.action(
    "set_variables",
    "Set run variables; later steps read them as ${name}.",
    params=vol.Schema({str: object}),
    result={"*": "the variables set"},
    timeout=None,
)
async def set_variables(_client: None, params: Params, ctx: ActionContext) -> Any:
    ctx.variables.update(params)
    return dict(params)


@TABLE.action(
    "log",
    "Write a message to the run's history and the log.",
    params={
        vol.Required("message"): str,
        vol.Optional("level", default="info"): vol.In(LOG_LEVELS),
    },
    result={"message": "the message written"},
    timeout=None,
)
async def log(_client: None, params: Params, ctx: ActionContext) -> Any:
    _LOGGER.log(logging.getLevelName(params["level"].upper()), "%s", params["message"])
    ctx.log(params["message"])
    return {"message": params["message"]}


@TABLE.action(
    "fire_event",
    "Fire a named event (in Home Assistant: on its event bus).",
    params={vol.Required("event"): _event_name, vol.Optional("data", default=dict): dict},
    result={"event": "the event name", "data": "the data sent"},
    timeout=None,
)
async def fire_event(_client: None, params: Params, ctx: ActionContext) -> Any:
    ctx.events.fire(params["event"], params["data"])
    return {"event": params["event"], "data": params["data"]}


@TABLE.action(
    "wait_for_event",
    "Wait for a named event, optionally matching data; times out.",
    params={
        vol.Required("event"): _event_name,
        vol.Optional("match", default=dict): dict,
        vol.Optional("timeout", default=300.0): _number,
    },
    result={"*": "the event's data"},
    rehearsal=lambda params: dict(params.get("match", {})),
    timeout=None,
)
async def wait_for_event(_client: None, params: Params, ctx: ActionContext) -> Any:
    return await _wait_for_event(params, ctx)


@TABLE.action(
    "noop",
    "Do nothing (a placeholder, or a state that only routes).",
    timeout=None,
)
async def noop(_client: None, _params: Params, _ctx: ActionContext) -> Any:
    return None


ACTIONS = TABLE.specs


class InternalAdapter(Adapter):
    """Actions that need no outside service."""

    service = "internal"
    external = False

    def actions(self) -> Mapping[str, ActionSpec]:
        return ACTIONS

    def execute(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Awaitable[Any]:
        # The handler's own coroutine, not one around it: one frame less on every step.
        return TABLE.handler(action)(None, params, ctx)


def _seconds_until(until: str, ctx: ActionContext) -> float:
    try:
        seconds = _until_seconds(until, ctx.now())
    except (OverflowError, ValueError) as err:
        raise ActionError(f"cannot wait until '{until}': {err}", error_type="invalid_wait") from err
    if seconds > MAX_WAIT_SECONDS:
        raise ActionError(
            f"'{until}' is {seconds / 86400:.0f} days away; a wait lasts at most "
            f"{MAX_WAIT_SECONDS // 86400} days",
            error_type="invalid_wait",
        )
    return seconds


def _until_seconds(until: str, now: datetime) -> float:
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
