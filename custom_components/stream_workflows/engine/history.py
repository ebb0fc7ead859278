"""A run's append-only history, capped by entry count and by size, with secrets taken out."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from datetime import datetime
from operator import itemgetter
from typing import Any

# (time, event, step, details); details is None or a small dict. Tuples keep the hot path
# cheap; they become dicts only when someone reads the history.
Entry = tuple[datetime, str, str | None, dict[str, Any] | None]
# An entry as kept: with its mark last (the bytes of every entry added up to it).
MarkedEntry = tuple[datetime, str, str | None, dict[str, Any] | None, int]

MAX_ENTRIES = 100
"""Entries a run keeps by default (the oldest are dropped and counted)."""
MAX_BYTES = 4 * 1024
"""About how many bytes of JSON a run's history may take; the oldest entries go first."""
MAX_TEXT = 300
"""Longest text kept in one entry's details (error and log messages); longer is shortened."""
_ENTRY_OVERHEAD = 48  # the time and the keys of one entry as JSON, about
_MARK = itemgetter(4)  # an entry's mark: the bytes of every entry added up to it, kept last

type Redact = Callable[[str], str]


def _sized(
    details: dict[str, Any] | None, redact: Redact | None
) -> tuple[dict[str, Any] | None, int]:
    """Details with long texts shortened and secrets redacted, and their size (about)."""
    if not details:
        return None, 0
    size = 0
    cleaned: dict[str, Any] | None = None
    for key, value in details.items():
        size += len(key) + 4
        if isinstance(value, str):
            text = redact(value) if redact is not None else value
            if len(text) > MAX_TEXT:
                text = text[: MAX_TEXT - 1] + "…"
            if text is not value:
                cleaned = dict(details) if cleaned is None else cleaned
                cleaned[key] = text
            size += len(text) + 2
        elif isinstance(value, dict):
            inner, inner_size = _sized(value, redact)
            if inner is not value:
                cleaned = dict(details) if cleaned is None else cleaned
                cleaned[key] = inner
            size += inner_size + 2
        else:
            size += 8
    return (details if cleaned is None else cleaned), size


def note_size(event: str, step: str | None, details: dict[str, str | int | float] | None) -> int:
    """The size `History.note` counts for an entry: for callers that work it out once."""
    size = _ENTRY_OVERHEAD + len(event) + (len(step) if step is not None else 0)
    if details:
        for key, value in details.items():
            size += len(key) + (len(value) + 6 if type(value) is str else 12)
    return size


class History:
    """Entries in the order they happened; the oldest are dropped past `limit` entries or
    `max_bytes` of JSON, and counted.

    Dropping is deferred: entries pile up to a slack above the limits and the oldest go in
    one cut, and every read cuts first. What a reader sees is the same as if each addition
    had dropped at once (the entries kept are the newest that fit either way); a transition
    then costs an append, not a pop from the front."""

    __slots__ = (
        "_base",
        "_cut_bytes",
        "_cut_count",
        "_dropped",
        "_entries",
        "_limit",
        "_max_bytes",
        "_redact",
        "_total",
    )

    def __init__(
        self,
        limit: int = MAX_ENTRIES,
        redact: Redact | None = None,
        *,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        # Each entry with its mark last, in a list: a deque takes half a kilobyte even when
        # nearly empty, and thousands of runs may be parked. Marks grow with every entry,
        # so the oldest entries to drop are found by bisection, and the size kept is
        # `_total - _base` (the bytes of every entry added, less those dropped).
        self._entries: list[MarkedEntry] = []
        self._limit = max(1, limit)
        self._max_bytes = max_bytes
        # Past these, the oldest entries are cut (a quarter more entries, half as many more
        # bytes as the limits). A run of noop states passes 4 KiB in about 60 entries:
        # with 1 KiB of slack it cut every 14 entries, with 2 KiB every 28.
        self._cut_count = self._limit + max(16, self._limit // 4)
        self._cut_bytes = max_bytes + max(2048, max_bytes // 2)
        self._redact = redact
        self._total = 0
        self._base = 0
        self._dropped = 0

    @property
    def dropped(self) -> int:
        """How many of the oldest entries were dropped to keep within the limits."""
        self._settle()
        return self._dropped

    @property
    def size(self) -> int:
        """About how many bytes the entries take as JSON."""
        self._settle()
        return self._total - self._base

    def add(
        self,
        at: datetime,
        event: str,
        step: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        details, size = _sized(details, self._redact)
        self.noted(at, event, step, details, size + _ENTRY_OVERHEAD + len(event) + len(step or ""))

    def note(
        self,
        at: datetime,
        event: str,
        step: str | None = None,
        details: dict[str, str | int | float] | None = None,
    ) -> None:
        """`add` for the engine's own entries: the details hold only names the definition's
        checks bound (step ids, services, actions, outcomes, statuses) and numbers, so
        nothing is redacted or shortened; the size is still counted, so the byte bound
        holds. A user's text (a message, an error) goes through `add`."""
        self.noted(at, event, step, details or None, note_size(event, step, details))

    def noted(
        self,
        at: datetime,
        event: str,
        step: str | None,
        details: dict[str, Any] | None,
        size: int,
    ) -> None:
        """`note` with its size worked out already (`note_size`): the path of every
        transition. `details` is kept as it is and must not change afterwards."""
        entries = self._entries
        total = self._total = self._total + size
        entries.append((at, event, step, details, total))
        if total - self._base > self._cut_bytes or len(entries) > self._cut_count:
            self._cut()

    def noted_pair(
        self,
        at: datetime,
        step: str,
        first: str,
        first_details: dict[str, Any] | None,
        first_size: int,
        second: str,
        second_details: dict[str, Any] | None,
        second_size: int,
    ) -> None:
        """Two `noted` entries of `step` at one moment: a step entered and its action
        started, or its action succeeded and the step left (most transitions)."""
        entries = self._entries
        total = self._total + first_size
        entries.append((at, first, step, first_details, total))
        total = self._total = total + second_size
        entries.append((at, second, step, second_details, total))
        if total - self._base > self._cut_bytes or len(entries) > self._cut_count:
            self._cut()

    def _settle(self) -> None:
        if self._total - self._base > self._max_bytes or len(self._entries) > self._limit:
            self._cut()

    def _cut(self) -> None:
        """Drop the oldest entries until the rest fit (one is always kept)."""
        entries = self._entries
        count = len(entries)
        cut = count - self._limit
        # Kept bytes are `_total` less the mark of the last entry dropped: drop up to the
        # first entry whose mark reaches `target`.
        target = self._total - self._max_bytes
        if target > self._base:
            cut = max(cut, bisect_left(entries, target, key=_MARK) + 1)
        cut = min(cut, count - 1)
        if cut <= 0:
            return
        self._base = entries[cut - 1][4]
        del entries[:cut]
        self._dropped += cut

    def __len__(self) -> int:
        self._settle()
        return len(self._entries)

    def marked(self) -> tuple[MarkedEntry, ...]:
        """The entries as kept, marks included: one copy, no entry rebuilt (a finished
        run's record takes them; `__iter__` gives them without their marks)."""
        self._settle()
        return tuple(self._entries)

    def __iter__(self) -> Iterator[Entry]:
        self._settle()
        return ((at, event, step, details) for at, event, step, details, _ in self._entries)

    def as_dicts(self) -> list[dict[str, Any]]:
        """JSON-ready entries: `{"at": iso time, "event": ..., "step": ..., **details}`."""
        self._settle()
        result: list[dict[str, Any]] = []
        for at, event, step, details, _ in self._entries:
            entry: dict[str, Any] = {"at": at.isoformat(), "event": event}
            if step is not None:
                entry["step"] = step
            if details:
                entry.update(details)
            result.append(entry)
        return result

    @classmethod
    def from_dicts(
        cls,
        entries: list[dict[str, Any]],
        limit: int = MAX_ENTRIES,
        dropped: int = 0,
        redact: Redact | None = None,
        *,
        max_bytes: int = MAX_BYTES,
    ) -> History:
        """Rebuild a history saved with `as_dicts` (within this history's limits)."""
        history = cls(limit, redact, max_bytes=max_bytes)
        overhead = _ENTRY_OVERHEAD
        for entry in entries:
            event = entry["event"]
            step = entry.get("step")
            details = {k: v for k, v in entry.items() if k not in ("at", "event", "step")}
            # Saved entries were shortened and redacted when they were added: only sized here
            # (restoring a thousand runs reads a lot of them).
            cleaned, size = _sized(details, None) if details else (None, 0)
            at = datetime.fromisoformat(entry["at"])
            history.noted(at, event, step, cleaned, size + overhead + len(event) + len(step or ""))
        history._dropped += dropped
        return history
