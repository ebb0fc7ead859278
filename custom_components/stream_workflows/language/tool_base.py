"""One base for every tool: arguments checked with voluptuous, problems returned, never raised."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import llm
from homeassistant.util.json import JsonObjectType

from ..runtime import core_coordinator
from .checking import problem

if TYPE_CHECKING:
    from ..coordinator import WorkflowCoordinator

_LOGGER = logging.getLogger(__name__)


def _path(error: vol.Invalid) -> str:
    return ".".join(str(part) for part in error.path) or "(arguments)"


class WorkflowTool(llm.Tool):
    """A Stream Workflows tool; subclasses set name, description, parameters and `run`."""

    async def run(
        self, hass: HomeAssistant, coordinator: WorkflowCoordinator, args: dict[str, Any]
    ) -> dict[str, Any]:
        raise NotImplementedError

    async def async_call(
        self, hass: HomeAssistant, tool_input: llm.ToolInput, llm_context: llm.LLMContext
    ) -> JsonObjectType:
        return cast(JsonObjectType, await self._call(hass, tool_input))

    async def _call(self, hass: HomeAssistant, tool_input: llm.ToolInput) -> dict[str, Any]:
        args = tool_input.tool_args if isinstance(tool_input.tool_args, dict) else {}
        try:
            checked = self.parameters(args)
        except vol.MultipleInvalid as err:
            return {"problems": [problem(_path(e), e.msg) for e in err.errors][:20]}
        except vol.Invalid as err:
            return {"problems": [problem(_path(err), err.msg)]}
        coordinator = core_coordinator(hass)
        if coordinator is None:
            return {"problems": [problem("", "Stream Workflows is not set up")]}
        try:
            result = await self.run(hass, coordinator, checked)
        except HomeAssistantError as err:
            return {"problems": [problem("", coordinator.secrets.redact(str(err)))]}
        except Exception:
            _LOGGER.exception("Tool %s failed", self.name)
            return {"problems": [problem("", "internal error; see the Home Assistant log")]}
        return result
