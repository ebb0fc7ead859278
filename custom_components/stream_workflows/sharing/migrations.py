"""Share document schema versions, and the migration from each to the next.

- 1 (integration 0.0.x): `{schema_version: 1, integration_version, name, author,
  description, definitions: [workflow, ...]}`; no `requires`, no templates.
- 2 (now): the list is `workflows`, or a single `template`; `requires` says what the
  document needs (services and actions, entities, connections, scenes, channels, inputs).

A document of any older version is brought to the current one step by step; a newer one is
refused with a message saying to update the integration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..engine.errors import Problem
from .needs import requirements

CURRENT_SCHEMA = 2
Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(document: dict[str, Any]) -> dict[str, Any]:
    migrated = {key: value for key, value in document.items() if key != "definitions"}
    workflows = document.get("definitions", [])
    migrated["workflows"] = workflows
    if isinstance(workflows, list):
        migrated["requires"] = requirements(w for w in workflows if isinstance(w, dict))
    migrated["schema_version"] = 2
    return migrated


MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2}  # version -> to the next one


def migrate(document: dict[str, Any]) -> tuple[dict[str, Any] | None, int | None, list[Problem]]:
    """`document` in the current schema, the version it was written in, and problems."""
    version = document.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        return None, None, [Problem("schema_version", "missing or not a whole number")]
    if version > CURRENT_SCHEMA:
        return (
            None,
            version,
            [
                Problem(
                    "schema_version",
                    f"this was exported by a newer Stream Workflows (schema {version}; this "
                    f"version reads schemas 1 to {CURRENT_SCHEMA}): update the integration to "
                    "import it",
                )
            ],
        )
    if version < 1:
        return None, version, [Problem("schema_version", f"there is no schema {version}")]
    written = version
    while version < CURRENT_SCHEMA:
        document = MIGRATIONS[version](document)
        version += 1
    return document, written, []
