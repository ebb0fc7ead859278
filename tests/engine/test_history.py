"""A run's history: the engine's own entries (`note`, the fast path) are counted as `add`
counts them, so the entry and byte bounds hold; users' texts still go through `add`."""

from __future__ import annotations

import json
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
