"""Checks a workflow definition passes before it is stored (the `save_workflow` action).

Stored workflows are validated exactly as files are, and then some: a definition that could
never load (a reserved id such as `run`, an id a file already uses) or never be written (nested
too deep for JSON) is refused with its problems, and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

import orjson
from homeassistant.exceptions import ServiceValidationError

from .const import DOMAIN, GENERIC_SERVICES, MAX_DEFINITION_BYTES, MAX_DEFINITION_DEPTH
from .engine import AdapterRegistry, Problem, WorkflowDefinition, load_definition
from .engine.limits import LimitError, measure


def refuse_oversized(document: Mapping[str, Any]) -> None:
    """A translated error for a definition above the documented size; cheap (the walk stops
    at the limit), so it runs on the event loop before anything else looks at it."""
    try:
        measure(document, max_depth=MAX_DEFINITION_DEPTH, max_bytes=MAX_DEFINITION_BYTES)
    except LimitError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="definition_too_large",
            translation_placeholders={
                "error": str(err),
                "max_kib": str(MAX_DEFINITION_BYTES // 1024),
                "max_depth": str(MAX_DEFINITION_DEPTH),
            },
        ) from None


def check_document(
    document: Mapping[str, Any], registry: AdapterRegistry, ids_of_files: Set[str]
) -> tuple[WorkflowDefinition | None, list[Problem]]:
    """The definition and its errors (blocking: run it in an executor)."""
    try:
        orjson.dumps(document)
    except (TypeError, orjson.JSONEncodeError) as err:
        return None, [Problem("", f"cannot be stored: {err}")]
    workflow_id = document.get("id")
    if not isinstance(workflow_id, str) or not workflow_id:
        return None, [Problem("id", "a stored workflow needs an 'id'")]
    definition, problems = load_definition(document, registry, source="storage")
    errors = [problem for problem in problems if problem.severity == "error"]
    if definition is None or errors:
        return None, errors or [Problem("", "invalid workflow")]
    if definition.id in GENERIC_SERVICES:
        errors.append(
            Problem(
                "id",
                f"'{definition.id}' is the name of a built-in Stream Workflows action; "
                "choose another id",
            )
        )
    elif definition.id in ids_of_files:
        errors.append(
            Problem("id", f"workflow id '{definition.id}' is already used by a workflow file")
        )
    return (None if errors else definition), errors
