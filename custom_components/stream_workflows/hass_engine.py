"""The engine's injected parts, backed by Home Assistant: clock, events, templates, actions."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timezone, tzinfo
from typing import Any

import voluptuous as vol
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceNotFound, TemplateError
from homeassistant.helpers.json import JSONEncoder
from homeassistant.helpers.template import Template, result_as_boolean
from homeassistant.util import dt as dt_util

from .adapters.homeassistant import HomeAssistantAdapter
from .engine import ActionContext, ActionError, RealClock, VirtualClock
from .engine.conditions import ConditionError


class HassClock(RealClock):
    """The engine's clock: the time in Home Assistant's time zone, as that zone's UTC
    offset when it was last looked up (`refresh`: at a run's start, at most once a minute;
    tests freeze the time with freezer). A fixed offset makes the clock read on every step
    cheaper than the zone's own rules, and the difference of two times exact across a
    change of daylight saving time (times of one zone subtract as wall clocks). Until the
    next look-up after such a change, times show the offset before it: the same instants,
    an hour off on the wall clock."""

    REFRESH_SECONDS = 60.0

    def __init__(self) -> None:
        super().__init__()
        self._offset: tzinfo = UTC
        self._refresh_at = 0.0  # `time.monotonic()` of the next look-up
        self.refresh()
        self.now = self._now

    def _now(self) -> datetime:
        return datetime.now(self._offset)

    def refresh(self) -> None:
        """Look Home Assistant's time zone up again if a minute has passed (its offset may
        have changed, or the zone itself)."""
        now = time.monotonic()
        if now < self._refresh_at:
            return
        self._refresh_at = now + self.REFRESH_SECONDS
        local = dt_util.now()
        offset, name = local.utcoffset(), local.tzname()
        if offset is None:
            self._offset = UTC
        else:  # named as the zone names itself then (`%Z`: "CET", "PST")
            self._offset = timezone(offset, name) if name else timezone(offset)


def hass_clock() -> HassClock:
    """The engine's clock in Home Assistant's time zone (`HassClock`)."""
    return HassClock()


def rehearsal_clock() -> VirtualClock:
    """A rehearsal's own clock: virtual time from now on, jumping over every wait, as
    `stream-workflows simulate` rehearses. Its driver task ends with the run's last timer."""
    return VirtualClock(dt_util.now())


class HassEventHub:
    """`fire_event` / `wait_for_event` on Home Assistant's event bus."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._hass = hass

    def fire(self, event: str, data: Mapping[str, Any]) -> None:
        self._hass.bus.async_fire(event, dict(data))

    def listen(
        self, event: str, callback_: Callable[[Mapping[str, Any]], None]
    ) -> Callable[[], None]:
        @callback
        def forward(hass_event: Event) -> None:
            callback_(json_safe(hass_event.data))

        return self._hass.bus.async_listen(event, forward)


def template_evaluator(hass: HomeAssistant) -> Callable[[str, Mapping[str, Any]], bool]:
    """Render condition templates in Home Assistant's sandbox; never Python evaluation."""

    def evaluate(template: str, variables: Mapping[str, Any]) -> bool:
        try:
            rendered = Template(template, hass).async_render(dict(variables), parse_result=False)
        except TemplateError as err:
            raise ConditionError(f"template error: {err}") from err
        return result_as_boolean(rendered)

    return evaluate


class HomeAssistantConnection:
    """Performs `homeassistant` steps: any Home Assistant action, its response as the result."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._hass = hass

    async def perform(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        domain, service = action.split(".", 1)
        return_response = bool(params.get("return_response"))
        try:
            response = await self._hass.services.async_call(
                domain,
                service,
                dict(params.get("data", {})),
                blocking=True,
                target=dict(params.get("target", {})) or None,
                return_response=return_response,
            )
        except ServiceNotFound as err:
            raise ActionError(
                f"Home Assistant has no action {action}", error_type="unknown_action"
            ) from err
        except vol.Invalid as err:
            raise ActionError(
                f"{action} rejected its data: {err}", error_type="invalid_params"
            ) from err
        except HomeAssistantError as err:
            raise ActionError(f"{action} failed: {err}") from err
        return json_safe(response) if return_response else {}


def homeassistant_adapter(hass: HomeAssistant) -> HomeAssistantAdapter:
    """The `homeassistant` adapter connected to this Home Assistant."""
    return HomeAssistantAdapter(HomeAssistantConnection(hass))


def json_safe(value: Any) -> Any:
    """Turn Home Assistant objects (states, datetimes) into plain JSON data for run snapshots."""
    return json.loads(json.dumps(value, cls=JSONEncoder))
