"""Drafts: workflow definitions proposed by a conversation (or the Studio) before they are saved.

A draft is validated when it is made; only a valid draft the user confirmed can be applied.
The store is in memory and bounded: at most `MAX_DRAFTS` drafts (the oldest go first), each
kept `DRAFT_TTL` seconds after its last change, each definition within the integration's size
limit. The Studio panel lists and reads drafts through `list_drafts` / `get_draft`.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

MAX_DRAFTS = 32
DRAFT_TTL = 3600.0  # seconds
MAX_PREVIOUS = 16  # previous versions of applied workflows kept for restoring


def _problem(path: str, message: str) -> dict[str, str]:
    return {"path": path, "message": message}


@dataclass(slots=True)
class Draft:
    """One proposed definition and what checking it found."""

    draft_id: str
    definition: dict[str, Any]
    problems: list[dict[str, str]]
    workflow_id: str | None
    based_on: str | None = None  # the workflow (or draft) a change_workflow started from
    origin: str = "conversation"  # conversation | ai_task | studio
    description: str = ""
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    applied_at: float | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, Any]:
        """What a list shows (no definition)."""
        return {
            "draft_id": self.draft_id,
            "workflow_id": self.workflow_id,
            "name": self.definition.get("name") if isinstance(self.definition, dict) else None,
            "valid": self.valid,
            "problems": list(self.problems),
            "based_on": self.based_on,
            "origin": self.origin,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "applied": self.applied_at is not None,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary(), "definition": self.definition, "description": self.description}


@dataclass(slots=True)
class PreviousVersion:
    """The document a workflow had before a draft replaced it (None: it did not exist)."""

    workflow_id: str
    document: dict[str, Any] | None
    replaced_at: float
    draft_id: str


class DraftStore:
    """Bounded drafts by id, plus the previous documents of applied drafts."""

    def __init__(
        self,
        *,
        max_drafts: int = MAX_DRAFTS,
        ttl: float = DRAFT_TTL,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._drafts: OrderedDict[str, Draft] = OrderedDict()
        self._previous: list[PreviousVersion] = []
        self.max_drafts = max_drafts
        self.ttl = ttl
        self._now = now

    def _expire(self) -> None:
        limit = self._now() - self.ttl
        for draft_id in [d.draft_id for d in self._drafts.values() if d.updated_at < limit]:
            del self._drafts[draft_id]

    def add(
        self,
        definition: dict[str, Any],
        problems: list[dict[str, str]],
        *,
        workflow_id: str | None,
        based_on: str | None = None,
        origin: str = "conversation",
        description: str = "",
    ) -> Draft:
        self._expire()
        now = self._now()
        draft = Draft(
            draft_id=f"draft_{secrets.token_hex(4)}",
            definition=definition,
            problems=problems,
            workflow_id=workflow_id,
            based_on=based_on,
            origin=origin,
            description=description,
            created_at=now,
            updated_at=now,
        )
        self._drafts[draft.draft_id] = draft
        while len(self._drafts) > self.max_drafts:
            self._drafts.popitem(last=False)
        return draft

    def get(self, draft_id: str) -> Draft | None:
        self._expire()
        return self._drafts.get(draft_id)

    def drafts(self) -> list[Draft]:
        """Newest first."""
        self._expire()
        return sorted(self._drafts.values(), key=lambda d: d.updated_at, reverse=True)

    def ready_to_apply(
        self, draft_id: str, *, confirmed: bool
    ) -> tuple[Draft | None, list[dict[str, str]]]:
        """The draft when it may be saved now, else why not (located problems): the user
        confirmed it, it is still kept, valid, and not applied already."""
        if confirmed is not True:
            return None, [_problem("confirmed", "ask the user first; apply only after a yes")]
        draft = self.get(draft_id)
        if draft is None:
            return None, [_problem("draft_id", "no such draft (it may have expired)")]
        if draft.applied_at is not None:
            return None, [_problem("draft_id", "this draft was saved already")]
        if not draft.valid:
            return None, list(draft.problems)
        return draft, []

    def discard(self, draft_id: str) -> bool:
        return self._drafts.pop(draft_id, None) is not None

    def mark_applied(self, draft: Draft, previous: dict[str, Any] | None) -> PreviousVersion:
        draft.applied_at = draft.updated_at = self._now()
        version = PreviousVersion(
            workflow_id=draft.workflow_id or "",
            document=previous,
            replaced_at=draft.applied_at,
            draft_id=draft.draft_id,
        )
        self._previous.append(version)
        del self._previous[:-MAX_PREVIOUS]
        return version

    def previous_versions(self, workflow_id: str) -> list[PreviousVersion]:
        """Newest first."""
        return [v for v in reversed(self._previous) if v.workflow_id == workflow_id]


def draft_store(hass: HomeAssistant) -> DraftStore:
    """The drafts of this Home Assistant instance (created on first use)."""
    store = hass.data.get(DRAFTS)
    if store is None:
        store = hass.data[DRAFTS] = DraftStore()
    return store


def list_drafts(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Every live draft's summary, newest first (for the Studio panel)."""
    return [draft.summary() for draft in draft_store(hass).drafts()]


def get_draft(hass: HomeAssistant, draft_id: str) -> dict[str, Any] | None:
    """One draft with its definition and graph description (for the Studio panel)."""
    draft = draft_store(hass).get(draft_id)
    return draft.as_dict() if draft else None


def previous_document(hass: HomeAssistant, workflow_id: str) -> dict[str, Any] | None:
    """The document a workflow had before the last draft applied to it (to restore it)."""
    versions = draft_store(hass).previous_versions(workflow_id)
    return versions[0].document if versions else None


# Drafts proposed by a conversation or the Studio, in memory.
DRAFTS: Final[HassKey[DraftStore]] = HassKey("stream_workflows_drafts")
