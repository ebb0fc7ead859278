"""Checking a proposed definition exactly as saving it would, with located problems.

Everything here is bounded: text and documents above the integration's size limit are refused
before they are parsed or walked, and the engine's validation runs in the executor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant

from ..const import MAX_DEFINITION_BYTES, MAX_DEFINITION_DEPTH
from ..engine import Problem, WorkflowDefinition
from ..engine.limits import LimitError, measure
from ..engine.loading import parse_text
from ..stored_workflows import check_document
from ..triggers import validate_triggers

if TYPE_CHECKING:
    from ..coordinator import WorkflowCoordinator

type ProblemList = list[dict[str, str]]


def problem(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": message}


def as_problems(problems: list[Problem], coordinator: WorkflowCoordinator) -> ProblemList:
    """Errors (not warnings) as {"path", "message"}, secrets taken out."""
    redact = coordinator.secrets.redact
    return [
        problem(p.path or "(document)", redact(p.message))
        for p in problems
        if p.severity == "error"
    ][:50]


def parse_definition(value: Any) -> tuple[dict[str, Any] | None, ProblemList]:
    """A definition given as an object, or as JSON or YAML text (models send both)."""
    if isinstance(value, str):
        if len(value) > MAX_DEFINITION_BYTES:
            return None, [
                problem(
                    "definition",
                    f"the text is {len(value) // 1024} KiB; a definition may be at most "
                    f"{MAX_DEFINITION_BYTES // 1024} KiB",
                )
            ]
        text = value.strip()
        document, problems = parse_text(text, "json" if text.startswith(("{", "[")) else "yaml")
        if problems:
            return None, [
                problem(f"definition.{p.path}" if p.path else "definition", p.message)
                for p in problems
            ][:50]
        value = document
    if not isinstance(value, dict):
        return None, [problem("definition", "a workflow definition must be an object")]
    try:
        measure(value, max_depth=MAX_DEFINITION_DEPTH, max_bytes=MAX_DEFINITION_BYTES)
    except LimitError as err:
        return None, [
            problem(
                "definition",
                f"too large: {err} (at most {MAX_DEFINITION_BYTES // 1024} KiB, "
                f"{MAX_DEFINITION_DEPTH} levels)",
            )
        ]
    return value, []


def ids_of_files(coordinator: WorkflowCoordinator) -> set[str]:
    return {
        source.definition.id
        for source in coordinator.sources
        if not source.stored and source.definition is not None
    }


async def async_check(
    hass: HomeAssistant, coordinator: WorkflowCoordinator, document: dict[str, Any]
) -> tuple[WorkflowDefinition | None, ProblemList]:
    """The definition and its problems, as `async_save_workflow` would find them."""
    _, size_problems = parse_definition(document)
    if size_problems:
        return None, size_problems
    definition, problems = await hass.async_add_executor_job(
        check_document, document, coordinator.registry, ids_of_files(coordinator)
    )
    if definition is not None and not problems:
        problems = await validate_triggers(coordinator.hass, definition)
    found = as_problems(problems, coordinator)
    if definition is None and not found:
        found = [problem("(document)", "invalid workflow")]
    return (definition if not found else None), found
