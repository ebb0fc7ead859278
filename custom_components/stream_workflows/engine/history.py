"""A run's append-only history, capped so a long run cannot grow without bound."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import datetime
from typing import Any

# (time, event, step, details); details is None or a small dict. Tuples keep the hot path cheap;
# they become dicts only when someone reads the history.
Entry = tuple[datetime, str, str | None, dict[str, Any] | None]


class History:
    """Entries in the order they happened; the oldest are dropped past `limit` and counted."""

    __slots__ = ("_added", "_dropped_before", "_entries", "_limit")

    def __init__(self, limit: int = 500) -> None:
        self._entries: deque[Entry] = deque(maxlen=limit)
        self._limit = limit
        self._added = 0  # entries added since this object was made (or restored)
        self._dropped_before = 0  # dropped before a restore

    @property
    def dropped(self) -> int:
        """How many of the oldest entries were dropped to keep within the limit."""
        return self._dropped_before + max(0, self._added - self._limit)

    def add(
        self,
        at: datetime,
        event: str,
        step: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self._added += 1
        self._entries.append((at, event, step, details))

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def as_dicts(self) -> list[dict[str, Any]]:
        """JSON-ready entries: `{"at": iso time, "event": ..., "step": ..., **details}`."""
        result: list[dict[str, Any]] = []
        for at, event, step, details in self._entries:
            entry: dict[str, Any] = {"at": at.isoformat(), "event": event}
            if step is not None:
                entry["step"] = step
            if details:
                entry.update(details)
            result.append(entry)
        return result

    @classmethod
    def from_dicts(cls, entries: list[dict[str, Any]], limit: int, dropped: int = 0) -> History:
        """Rebuild a history saved with `as_dicts`."""
        history = cls(limit)
        for entry in entries:
            details = {k: v for k, v in entry.items() if k not in ("at", "event", "step")}
            history._entries.append(
                (
                    datetime.fromisoformat(entry["at"]),
                    entry["event"],
                    entry.get("step"),
                    details or None,
                )
            )
        history._added = len(history._entries)
        history._dropped_before = dropped + max(0, len(entries) - limit)
        return history
