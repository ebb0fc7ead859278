"""A run's history: the engine's own entries (`note`, the fast path) are counted as `add`
counts them, so the entry and byte bounds hold; users' texts still go through `add`."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.stream_workflows.engine.history import MAX_TEXT, History

AT = datetime(2026, 1, 1, tzinfo=UTC)
ENTRIES: list[tuple[str, str | None, dict[str, Any] | None]] = [
    ("run_started", None, None),
    ("step_entered", "a", None),
    ("action_started", "a", {"service": "internal", "action": "noop", "attempt": 1}),
    ("action_succeeded", "a", {"duration": 0.000012}),
    ("step_left", "a" * 100, {"outcome": "success"}),
    ("step_skipped", "b", {"reason": "dependency failed"}),
    ("run_restored", None, {"status": "running"}),
]


@pytest.mark.parametrize(("event", "step", "details"), ENTRIES)
def test_a_noted_entry_is_sized_as_an_added_one(
    event: str, step: str | None, details: dict[str, Any] | None
) -> None:
    noted, added = History(), History()
    noted.note(AT, event, step, details)
    added.add(AT, event, step, details)
    assert noted.size == added.size > 0
    assert noted.as_dicts() == added.as_dicts()


def test_noted_entries_keep_the_byte_bound() -> None:
    history = History(limit=10_000, max_bytes=2_000)
    for index in range(1_000):
        at = AT + timedelta(seconds=index)
        history.note(at, "step_entered", f"s{index}")
        history.note(at, "step_left", f"s{index}", {"outcome": "success"})
    assert history.size <= 2_000
    assert history.dropped == 2_000 - len(history)
    assert len(json.dumps(history.as_dicts())) <= 2_000 * 1.25  # "about": the estimate is close
    assert history.as_dicts()[-1]["step"] == "s999"


def test_texts_added_are_still_redacted_and_shortened() -> None:
    history = History(redact=lambda text: text.replace("hunter2", "**REDACTED**"))
    history.add(AT, "log", "a", {"message": "token hunter2 " + "x" * 1_000})
    history.add(AT, "action_failed", "a", {"type": "x", "message": "hunter2"})
    [log, failed] = history.as_dicts()
    assert log["message"].startswith("token **REDACTED** x")
    assert len(log["message"]) == MAX_TEXT
    assert log["message"].endswith("…")
    assert failed["message"] == "**REDACTED**"


def _eager(limit: int, max_bytes: int, sizes: list[int]) -> tuple[list[int], int]:
    """The rule the history keeps, applied after every entry: the indexes kept, and how
    many were dropped (the oldest go while more than one is kept and a bound is passed)."""
    kept: list[int] = []
    total = dropped = 0
    for index, size in enumerate(sizes):
        kept.append(index)
        total += size
        while len(kept) > 1 and (len(kept) > limit or total > max_bytes):
            total -= sizes[kept.pop(0)]
            dropped += 1
    return kept, dropped


@pytest.mark.parametrize("read_often", [True, False])
@pytest.mark.parametrize(
    ("limit", "max_bytes"), [(1, 4_096), (7, 10_000), (500, 4_096), (50, 300), (20, 0)]
)
def test_deferred_dropping_reads_as_dropping_at_once(
    limit: int, max_bytes: int, read_often: bool
) -> None:
    """Entries are dropped in cuts, but every read (length, entries, size, dropped) shows
    what dropping after each entry would: checked against that rule."""
    rng = random.Random(limit * 31 + max_bytes)
    history = History(limit, max_bytes=max_bytes)
    sizes: list[int] = []
    steps: list[str] = []
    for index in range(700):
        step = f"{index}-" + "s" * rng.randint(1, 120)
        alone = History(10_000, max_bytes=10**9)  # the entry's own size, as counted
        if rng.random() < 0.2:
            details = {"message": "m" * rng.randint(0, 2 * MAX_TEXT)}
            history.add(AT, "log", step, details)
            alone.add(AT, "log", step, details)
        else:
            history.note(AT, "step_entered", step, {"attempt": index})
            alone.note(AT, "step_entered", step, {"attempt": index})
        sizes.append(alone.size)
        steps.append(step)
        if (read_often and rng.random() < 0.3) or index == 699:
            kept, dropped = _eager(limit, max_bytes, sizes)
            assert [entry[2] for entry in history] == [steps[i] for i in kept]
            assert len(history) == len(kept)
            assert history.dropped == dropped
            assert history.size == sum(sizes[i] for i in kept)


@pytest.mark.parametrize(("limit", "max_bytes"), [(1, 4_096), (7, 10_000), (50, 300), (3, 0)])
def test_a_pair_of_entries_is_two_noted_entries(limit: int, max_bytes: int) -> None:
    """`noted_pair` (a step entered and its action started, at one moment) keeps what two
    `noted` calls keep: the same entries, sizes and drops, whatever the bounds."""
    paired, single = History(limit, max_bytes=max_bytes), History(limit, max_bytes=max_bytes)
    started = {"service": "internal", "action": "noop", "attempt": 1}
    for index in range(300):
        at = AT + timedelta(seconds=index)
        step = f"s{index}" * (1 + index % 7)
        entered_size = 60 + len(step)
        started_size = 90 + len(step)
        paired.noted_pair(
            at, step, "step_entered", None, entered_size, "action_started", started, started_size
        )
        single.noted(at, "step_entered", step, None, entered_size)
        single.noted(at, "action_started", step, started, started_size)
        if index % 13 == 0:
            assert paired.as_dicts() == single.as_dicts()
    assert paired.as_dicts() == single.as_dicts()
    assert (len(paired), paired.size, paired.dropped) == (len(single), single.size, single.dropped)
