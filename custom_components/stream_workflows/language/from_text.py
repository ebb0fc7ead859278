"""A sentence becomes a draft through Home Assistant's AI Task (`ai_task.generate_data` with a
structure, Home Assistant 2025.8 and newer), for `stream_workflows.draft_from_text` and the
Studio's Describe box.

AI Task is found by its action, never imported, so the integration loads unchanged on older
Home Assistant: there, and where no AI Task entity generates data, the caller gets a translated
`ServiceValidationError`. The model's answer is checked as a saved workflow would be; when it has
problems the model is asked once more with them, and whatever comes back is a draft in the same
store the conversation tools and the panel use (nothing is saved).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..const import DOMAIN
from .describe import DEFINITION_HELP, compact_catalog
from .drafts import draft_store
from .tools import async_draft

if TYPE_CHECKING:
    from ..coordinator import WorkflowCoordinator

AI_TASK = "ai_task"
GENERATE_DATA = "generate_data"
GENERATE_DATA_FEATURE = 1  # ai_task.AITaskEntityFeature.GENERATE_DATA
MAX_TEXT = 2000  # characters of the user's sentence
ATTEMPTS = 2  # the first answer, and one repair with its problems
TIMEOUT = 180.0  # seconds for one answer (a local model on a small machine is slow)
MAX_ECHO = 16_000  # characters of a wrong answer shown back to the model
TASK_NAME = "Stream Workflows: draft a workflow"

# ai_task's structure: Ollama turns it into the JSON schema of its `format` (structured output).
STRUCTURE: dict[str, Any] = {
    "definition": {
        "description": "the workflow definition object",
        "required": True,
        "selector": {"object": {}},
    },
    "summary": {
        "description": "one sentence saying what the workflow does",
        "required": False,
        "selector": {"text": {}},
    },
}

PROMPT = (
    "Write one Stream Workflows workflow definition for the streamer's request below. "
    "Answer with JSON: {'definition': the definition object, 'summary': one sentence}.\n"
    "How a definition is written: " + DEFINITION_HELP + "\n"
    "Use only these actions (service.action(params), * = required):\n"
)


def generating_entities(hass: HomeAssistant) -> list[str]:
    """The AI Task entities that can generate data."""
    return [
        state.entity_id
        for state in hass.states.async_all(AI_TASK)
        if int(state.attributes.get("supported_features") or 0) & GENERATE_DATA_FEATURE
    ]


def availability(hass: HomeAssistant) -> dict[str, Any]:
    """Whether a sentence can become a draft here: {"available", "reason", "entities"}."""
    if not hass.services.has_service(AI_TASK, GENERATE_DATA):
        return {"available": False, "reason": "ai_task_missing", "entities": []}
    entities = generating_entities(hass)
    if not entities:
        return {"available": False, "reason": "ai_task_no_entity", "entities": []}
    return {"available": True, "reason": None, "entities": entities}


def _preferred(hass: HomeAssistant) -> str | None:
    # ai_task's own preference (Settings → System → AI Task), read without importing ai_task
    preferences = hass.data.get(f"{AI_TASK}_preferences")
    entity_id = getattr(preferences, "gen_data_entity_id", None)
    return entity_id if isinstance(entity_id, str) else None


def choose_entity(hass: HomeAssistant, entity_id: str | None) -> str:
    """The AI Task entity to ask, or a translated error saying why there is none."""
    found = availability(hass)
    if found["reason"] == "ai_task_missing":
        raise ServiceValidationError(translation_domain=DOMAIN, translation_key="ai_task_missing")
    entities: list[str] = found["entities"]
    wanted = entity_id or _preferred(hass)
    if wanted in entities:
        return wanted
    if entity_id is None and entities:
        return entities[0]
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="ai_task_no_entity",
        translation_placeholders={"entity_id": entity_id or "-"},
    )


def instructions(coordinator: WorkflowCoordinator, text: str) -> str:
    existing = ", ".join(sorted(coordinator.workflows)[:100]) or "none"
    return (
        f"{PROMPT}{compact_catalog(coordinator)}\n"
        f"Existing workflow ids (choose a new id unless the request changes one of them): "
        f"{existing}\n\nThe request: {text}"
    )


def repair_instructions(first: str, answer: Any, problems: list[dict[str, str]]) -> str:
    shown = json.dumps(answer, ensure_ascii=False, default=str)
    if len(shown) > MAX_ECHO:
        shown = "(too large to show)"
    listed = "\n".join(f"- {p['path']}: {p['message']}" for p in problems[:20])
    return (
        f"{first}\n\nYour previous answer was:\n{shown}\nIt has these problems "
        f"(path: message):\n{listed}\nAnswer again with the whole corrected definition."
    )


async def _generate(hass: HomeAssistant, entity_id: str, text: str) -> Any:
    """The model's structured answer (`data`), or a translated error naming what failed."""
    try:
        async with asyncio.timeout(TIMEOUT):
            response = await hass.services.async_call(
                AI_TASK,
                GENERATE_DATA,
                {
                    "task_name": TASK_NAME,
                    "entity_id": entity_id,
                    "instructions": text,
                    "structure": STRUCTURE,
                },
                blocking=True,
                return_response=True,
            )
    except TimeoutError:
        error = f"no answer from {entity_id} within {TIMEOUT:.0f} s"
    except HomeAssistantError as err:
        error = str(err) or type(err).__name__
    else:
        return (response or {}).get("data")
    raise HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="ai_task_failed",
        translation_placeholders={"entity_id": entity_id, "error": error[:500]},
    )


def _definition_of(hass: HomeAssistant, draft_id: str | None) -> dict[str, Any] | None:
    # the parsed document (a model may answer with JSON or YAML text instead of an object)
    draft = draft_store(hass).get(draft_id) if draft_id else None
    return draft.definition if draft is not None else None


async def async_draft_from_text(
    hass: HomeAssistant,
    coordinator: WorkflowCoordinator,
    text: str,
    *,
    entity_id: str | None = None,
) -> dict[str, Any]:
    """{"draft_id", "valid", "problems", "definition", "graph", "summary", "attempts",
    "entity_id"}: the draft made from `text` (valid, or with its located problems)."""
    entity = choose_entity(hass, entity_id)
    request = text.strip()[:MAX_TEXT]
    if not request:
        return {"valid": False, "problems": [{"path": "text", "message": "say what it should do"}]}
    first = prompt = instructions(coordinator, request)
    result: dict[str, Any] = {}
    for attempt in range(1, ATTEMPTS + 1):
        data = await _generate(hass, entity, prompt)
        answer = data.get("definition") if isinstance(data, dict) else None
        if answer is None:
            result = {
                "valid": False,
                "problems": [
                    {"path": "definition", "message": "the model's answer holds no definition"}
                ],
            }
        else:
            result = await async_draft(hass, coordinator, answer, "ai_task")
        summary = data.get("summary") if isinstance(data, dict) else None
        result.update(
            attempts=attempt,
            entity_id=entity,
            summary=summary[:500] if isinstance(summary, str) else "",
            definition=_definition_of(hass, result.get("draft_id")),
        )
        if result["valid"] or attempt == ATTEMPTS:
            break
        if result.get("draft_id"):  # only the last answer stays a draft
            draft_store(hass).discard(result["draft_id"])
        prompt = repair_instructions(first, data, result["problems"])
    return coordinator.secrets.redact_data(result)  # type: ignore[no-any-return]
