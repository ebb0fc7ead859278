"""Where workflows come from: files in `<config>/stream_workflows/` and Home Assistant storage.

Loading never stops at a bad file: each source comes back with its definition or its located
problems, so one broken file leaves every other workflow running.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .const import GENERIC_SERVICES
from .engine import AdapterRegistry, Problem, WorkflowDefinition, load_definition, load_file
from .engine.definition import SUFFIXES

_LOGGER = logging.getLogger(__name__)
MAX_FILES = 1000  # workflow files read from the folder


@dataclass(slots=True)
class WorkflowSource:
    """One file or stored document and what came of loading it."""

    label: str
    definition: WorkflowDefinition | None
    problems: list[Problem] = field(default_factory=list)
    stored: bool = False

    @property
    def valid(self) -> bool:
        return self.definition is not None and not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]


def load_folder(folder: Path, registry: AdapterRegistry) -> list[WorkflowSource]:
    """Every workflow file in `folder`, sorted by name (blocking: run in an executor).

    Never raises: a file that cannot be read or understood is a source with its problems
    (each its own Repairs issue), even when the cause is a bug of ours; the folder itself
    failing to list is one source named after the folder."""
    try:
        if not folder.is_dir():
            return []
        names = sorted(
            entry.name
            for entry in os.scandir(folder)
            if entry.name.lower().endswith(SUFFIXES) and not entry.name.startswith(".")
        )
    except OSError as err:
        return [
            WorkflowSource(
                folder.name, None, [Problem("", f"cannot list the folder: {err.strerror or err}")]
            )
        ]
    sources: list[WorkflowSource] = []
    for index, name in enumerate(names):
        if index >= MAX_FILES:
            sources.append(
                WorkflowSource(
                    name, None, [Problem("", f"more than {MAX_FILES} workflow files; not read")]
                )
            )
            continue
        sources.append(_load_one(folder / name, registry))
    return sources


def _load_one(path: Path, registry: AdapterRegistry) -> WorkflowSource:
    try:
        definition, problems = load_file(path, registry)
    except Exception as err:  # a bug must not take the other files down with this one
        _LOGGER.exception("Loading workflow file %s failed unexpectedly", path)
        return WorkflowSource(
            path.name,
            None,
            [Problem("", f"internal error while loading: {type(err).__name__}: {err}")],
        )
    return WorkflowSource(path.name, definition, problems)


def load_stored(documents: Mapping[str, Any], registry: AdapterRegistry) -> list[WorkflowSource]:
    """Workflows saved through the `save_workflow` action."""
    sources: list[WorkflowSource] = []
    for workflow_id, document in documents.items():
        try:
            definition, problems = load_definition(
                document, registry, source=f"storage:{workflow_id}", default_id=workflow_id
            )
        except Exception as err:  # as for files: one stored document never stops the rest
            _LOGGER.exception("Loading stored workflow %s failed unexpectedly", workflow_id)
            definition = None
            problems = [Problem("", f"internal error while loading: {type(err).__name__}: {err}")]
        sources.append(WorkflowSource(f"storage:{workflow_id}", definition, problems, stored=True))
    return sources


def check_ids(sources: Iterable[WorkflowSource]) -> dict[str, WorkflowSource]:
    """Valid sources by workflow id; reserved and duplicate ids become problems of their source."""
    by_id: dict[str, WorkflowSource] = {}
    for source in sources:
        definition = source.definition
        if definition is None:
            continue
        if definition.id in GENERIC_SERVICES:
            source.problems.append(
                Problem(
                    "id",
                    f"'{definition.id}' is the name of a built-in Stream Workflows action; "
                    "choose another id",
                )
            )
            source.definition = None
            continue
        if definition.id in by_id:
            source.problems.append(
                Problem(
                    "id",
                    f"workflow id '{definition.id}' is already used by "
                    f"{by_id[definition.id].label}",
                )
            )
            source.definition = None
            continue
        by_id[definition.id] = source
    return by_id
