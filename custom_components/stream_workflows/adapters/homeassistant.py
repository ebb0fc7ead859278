"""The `homeassistant` service: any Home Assistant action (`light.turn_on`) as a step.

The action name is the Home Assistant action itself, so the catalog is open-ended. The
connection that calls Home Assistant is supplied by the integration; this module imports
nothing from Home Assistant so the command line can validate and rehearse these steps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import voluptuous as vol

from ..engine.adapter import ActionSpec
from .base import ConnectedAdapter

HA_ACTION = re.compile(r"[a-z0-9_]+\.[a-z0-9_]+")

PARAMS = vol.Schema(
    {
        vol.Optional("data", default=dict): dict,
        vol.Optional("target", default=dict): vol.Schema(
            {
                vol.Optional("entity_id"): vol.Any(str, [str]),
                vol.Optional("device_id"): vol.Any(str, [str]),
                vol.Optional("area_id"): vol.Any(str, [str]),
                vol.Optional("floor_id"): vol.Any(str, [str]),
                vol.Optional("label_id"): vol.Any(str, [str]),
            }
        ),
        vol.Optional("return_response", default=False): bool,
    }
)


def spec_for(action: str) -> ActionSpec:
    """The spec every Home Assistant action shares."""
    return ActionSpec(
        name=action,
        description=f"Call the Home Assistant action {action}.",
        params=PARAMS,
        result={"*": "the action's response, when return_response is true"},
        rehearsal=lambda _params: {},
        timeout=60.0,
    )


class HomeAssistantAdapter(ConnectedAdapter):
    """Home Assistant actions."""

    service = "homeassistant"
    setup_hint = "Home Assistant actions run only inside Home Assistant"

    def actions(self) -> Mapping[str, ActionSpec]:
        return {}

    def spec(self, action: str) -> ActionSpec | None:
        return spec_for(action) if HA_ACTION.fullmatch(action) else None

    def describe_unknown(self, action: str) -> str:
        return f"'{action}' is not a Home Assistant action name such as 'light.turn_on'"
