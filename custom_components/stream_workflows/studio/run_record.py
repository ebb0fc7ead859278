"""A finished run's record (what `run_detail` answers), made when someone needs it.

When a run finishes, `FinishedRun.of` takes what its record is made of: plain values, the
history's entries, results bounded in size and a copy of the redaction as it is then. Nothing
in it changes afterwards, so the record (the steps walked from the history, times as text,
secrets redacted) is made later: when the Studio reads it, or when the history is saved, in
the executor thread. A run's end costs the copy, not the record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from homeassistant.helpers.json import json_bytes

from ..engine import Run
from ..engine.history import Entry, MarkedEntry

MAX_VALUE_BYTES = 2048
"""Rendered parameters or a result larger than this is kept as a note, not as is."""
_STEP_BYTES = 220  # one step's entry in a record as JSON, without its parameters, about
_HEAD_BYTES = 400  # a record's fields other than its steps, about

type RedactData = Callable[[Any], Any]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _bounded(value: Any) -> tuple[Any, int]:
    """`value`, or a note in its place when it is too large (or not JSON); its size."""
    if value is None:
        return None, 4  # most actions' result (noops, scenes, lights): nothing to encode
    try:
        size = len(json_bytes(value))
    except TypeError:
        text = repr(value)[:200]
        return text, len(text) + 2
    if size > MAX_VALUE_BYTES:
        return {"too_large": f"{size} bytes"}, 32
    return value, size


def trigger_kind(
    history: Sequence[Entry | MarkedEntry], trigger: Mapping[str, Any] | None, rehearsal: bool
) -> dict[str, Any]:
    """How a run was started: restore, rehearsal, deck, dashboard, trigger or service."""
    if any(entry[1] == "run_restored" for entry in history):
        return {"kind": "restore"}
    trigger = trigger or {}
    source = trigger.get("source")
    if source in ("deck", "dashboard"):
        return {"kind": source}
    if rehearsal:
        return {"kind": "rehearsal"}
    if source is not None:  # the run action's `source`: panel, automation, voice
        return {"kind": "service", "detail": str(source)[:100]}
    if trigger:
        detail = trigger.get("platform") or trigger.get("trigger") or trigger.get("id")
        return {"kind": "trigger", **({"detail": str(detail)[:100]} if detail else {})}
    return {"kind": "service"}


class FinishedRun(NamedTuple):
    """What a finished run's record is made of; nothing in it changes after `of` (a named
    tuple: made at every run's end, it costs a third of a frozen dataclass)."""

    run_id: str
    workflow_id: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    trigger: dict[str, Any]
    rehearsal: bool
    path: tuple[str, ...]
    history: tuple[MarkedEntry, ...]
    written: Mapping[str, Mapping[str, Any]]  # the definition's parameters, by step (shared)
    rendered: dict[str, Any]  # a rehearsal's rendered parameters, bounded, by step
    results: dict[str, Any]  # bounded, by step
    error: dict[str, Any] | None
    errors: tuple[dict[str, Any], ...]
    redact: RedactData
    size: int  # about how many bytes the record takes as JSON

    @classmethod
    def of(cls, run: Run, calls: list[dict[str, Any]], redact: RedactData) -> FinishedRun:
        """Take `run`'s parts now (`redact`: a redaction that will not change later)."""
        history = run.history.marked()  # the bound applied: `size` is of these entries
        size = _HEAD_BYTES + run.history.size
        rendered: dict[str, Any] = {}
        for call in calls:
            rendered[call["step"]], value_size = _bounded(call.get("params"))
            size += value_size
        results: dict[str, Any] = dict(run.results)
        size += 4 * len(results)  # most steps' result (noops, scenes, lights): None
        if list(results.values()).count(None) != len(results):  # one pass in C, no loop
            for step, result in results.items():
                if result is not None:
                    results[step], value_size = _bounded(result)
                    size += value_size - 4
        path = run.path
        # a step per state entered, about: the states entered, at most one per entry kept
        size += _STEP_BYTES * min(len(path), len(history))
        error = run.error
        errors = run.errors
        trigger = run.trigger
        # In the fields' order, by position, without the named tuple's `__new__` (one
        # Python call less): made at every run's end.
        return tuple.__new__(
            cls,
            (
                run.run_id,
                run.definition.id,
                str(run.status),
                run.started_at,
                run.finished_at,
                dict(trigger) if trigger else {},
                run.rehearsal,
                tuple(path),
                history,
                # every step's, shared by the definition's runs: a record reads the steps it has
                run.definition.written_params(),
                rendered,
                results,
                error.as_dict() if error else None,
                tuple(item.as_dict() for item in errors) if errors else (),
                redact,
                size,
            ),
        )

    def summary(self) -> dict[str, Any]:
        """The record without its steps (the runs list), secrets redacted."""
        head: dict[str, Any] = self.redact(self._head())
        return summary_of(head)

    def record(self) -> dict[str, Any]:
        """The full record, secrets redacted."""
        head = self._head()
        record = {
            **{key: value for key, value in head.items() if key != "error"},
            "steps": self._steps(),
            "error": head["error"],
            "errors": list(self.errors),
        }
        redacted: dict[str, Any] = self.redact(record)
        return redacted

    def _head(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "workflow_id": self.workflow_id,
            "status": self.status,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "trigger": trigger_kind(self.history, self.trigger, self.rehearsal),
            "rehearsal": self.rehearsal,
            "path": list(self.path),
            "error": self.error,
        }

    def _steps(self) -> list[dict[str, Any]]:
        """One entry per step entered, from the history (rendered parameters of a rehearsal
        from the calls it recorded; of a real run, the definition's parameters)."""
        steps: dict[str, dict[str, Any]] = {}
        order: list[dict[str, Any]] = []
        for at, event, step, entry_details, _mark in self.history:
            if step is None:
                continue
            details = entry_details or {}
            entry = steps.get(step)
            if event == "step_entered" or entry is None:
                entry = {
                    "step": step,
                    "outcome": None,
                    "started_at": at.isoformat(),
                    "finished_at": None,
                    "duration_ms": None,
                    "params": None,
                    "result": None,
                    "retries": 0,
                    "error": None,
                }
                steps[step] = entry
                order.append(entry)
                if event == "step_entered":
                    continue
            if event == "step_left":
                entry["outcome"] = details.get("outcome")
                entry["finished_at"] = at.isoformat()
            elif event == "step_skipped":
                entry["outcome"] = "skipped"
            elif event == "action_retried":
                entry["retries"] += 1
            elif event in ("action_succeeded", "action_failed"):
                if "duration" in details:
                    entry["duration_ms"] = round(float(details["duration"]) * 1000, 3)
                if event == "action_failed":
                    entry["error"] = {
                        "type": details.get("type"),
                        "message": details.get("message"),
                    }
        for entry in order:
            step = str(entry["step"])
            if step in self.rendered:
                entry["params"] = self.rendered[step]
            elif step in self.written:
                entry["params"] = _bounded(dict(self.written[step]))[0]
            if step in self.results:
                entry["result"] = self.results[step]
        return order


def record_of(run: Run, calls: list[dict[str, Any]], redact: RedactData) -> dict[str, Any]:
    """The full record of a run, now (a run still going: the Studio follows it)."""
    return FinishedRun.of(run, calls, redact).record()


def summary_of(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("run_id", "status", "started_at", "finished_at", "path", "trigger", "rehearsal")
    return {**{key: record.get(key) for key in keys}, "error": record.get("error")}
