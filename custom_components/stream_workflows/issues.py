"""The Repairs issues the integration raises, kept in step with what is true now.

- one per workflow file or stored workflow that cannot load, naming its errors (secrets
  redacted); a stored workflow's issue is fixable: its fix deletes it (repairs.py);
- one per Twitch connection whose token lacks scopes some actions or stream events need.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import slugify

from .const import DOMAIN
from .sources import WorkflowSource

_LOGGER = logging.getLogger(__name__)


class WorkflowIssues:
    """An issue per invalid workflow; the issues of workflows fixed since go."""

    def __init__(self, hass: HomeAssistant, redact: Callable[[str], str]) -> None:
        self.hass = hass
        self._redact = redact
        self._raised: set[str] = set()

    def update(self, sources: Iterable[WorkflowSource]) -> None:
        """Raise (or update) the issue of every source with errors; delete the others'."""
        current: set[str] = set()
        for source in sources:
            if not source.errors:
                continue
            issue_id = f"invalid_workflow_{slugify(source.label)}"
            current.add(issue_id)
            errors = "\n".join(f"- {p.format()}" for p in source.errors)
            workflow_id = source.label.removeprefix("storage:")
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                # a stored workflow has no file to fix: its issue offers to delete it
                is_fixable=source.stored,
                data={"workflow_id": workflow_id} if source.stored else None,
                severity=ir.IssueSeverity.ERROR,
                translation_key="invalid_stored_workflow" if source.stored else "invalid_workflow",
                translation_placeholders={
                    "file": source.label,
                    "workflow_id": workflow_id,
                    "errors": self._redact(errors),
                },
            )
            _LOGGER.error(
                "Workflow %s is invalid:\n%s",
                source.label,
                "\n".join(p.format() for p in source.errors),
            )
        for issue_id in self._raised - current:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        self._raised = current


def _scope_issue_id[T](entry: ConfigEntry[T]) -> str:
    return f"twitch_missing_scopes_{entry.entry_id}"


def update_scope_issue[T](hass: HomeAssistant, entry: ConfigEntry[T], missing: list[str]) -> None:
    """A Repairs issue while a Twitch token lacks `missing` scopes; none once it has them."""
    if not missing:
        delete_scope_issue(hass, entry)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        _scope_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="twitch_missing_scopes",
        translation_placeholders={"title": entry.title, "scopes": ", ".join(missing)},
    )


def delete_scope_issue[T](hass: HomeAssistant, entry: ConfigEntry[T]) -> None:
    ir.async_delete_issue(hass, DOMAIN, _scope_issue_id(entry))
