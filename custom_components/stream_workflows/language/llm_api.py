"""The LLM API `stream_workflows` (and `stream_workflows_with_assist` for one-API agents)."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import llm

from .tools import TOOLS

API_ID = "stream_workflows"
API_WITH_ASSIST_ID = "stream_workflows_with_assist"

PROMPT = (
    "You can build, change, rehearse and control the user's Stream Workflows (OBS, Twitch, "
    "Discord and Home Assistant automations for streaming). Call describe_capabilities before "
    "drafting. draft_workflow and change_workflow return a draft_id or located problems: repair "
    "the problems and draft again. Before apply_draft, ALWAYS show the user a short summary of "
    "the draft (what it does, step by step) and ask whether to save it; call apply_draft with "
    "confirmed: true only after the user said yes. Use rehearse to show what a workflow would do."
)


class StreamWorkflowsAPI(llm.API):
    """Our tools, optionally with Assist's (for agents that take only one API)."""

    def __init__(self, hass: HomeAssistant, *, with_assist: bool = False) -> None:
        super().__init__(
            hass=hass,
            id=API_WITH_ASSIST_ID if with_assist else API_ID,
            name="Stream Workflows + Assist" if with_assist else "Stream Workflows",
        )
        self._with_assist = with_assist

    async def async_get_api_instance(self, llm_context: llm.LLMContext) -> llm.APIInstance:
        tools: list[llm.Tool] = [tool() for tool in TOOLS]
        prompt = PROMPT
        serializer = None
        if self._with_assist:
            try:
                assist = await llm.async_get_api(self.hass, llm.LLM_API_ASSIST, llm_context)
            except HomeAssistantError:
                assist = None
            if assist is not None:
                ours = {tool.name for tool in tools}
                tools.extend(t for t in assist.tools if t.name not in ours)
                prompt = f"{assist.api_prompt}\n{PROMPT}"
                serializer = assist.custom_serializer
        return llm.APIInstance(
            api=self,
            api_prompt=prompt,
            llm_context=llm_context,
            tools=tools,
            custom_serializer=serializer,
        )


def async_register_apis(hass: HomeAssistant) -> Callable[[], None]:
    """Register both APIs; the returned function unregisters them."""
    removers = [
        llm.async_register_api(hass, StreamWorkflowsAPI(hass)),
        llm.async_register_api(hass, StreamWorkflowsAPI(hass, with_assist=True)),
    ]

    def remove() -> None:
        for remover in removers:
            remover()

    return remove
