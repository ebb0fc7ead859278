"""The last runs of each workflow (the Studio's traces), kept across restarts in a Store.

A record is made when a run finishes, from the run's own history entries; it is saved with a
delay, so no transition waits on the disk. Secret shared variables are redacted before a
record is kept. Bounded: `MAX_RUNS` per workflow and about `MAX_TOTAL_BYTES` in all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import Store

from ..engine import Run

MAX_RUNS = 20
MAX_TOTAL_BYTES = 1024 * 1024
MAX_VALUE_BYTES = 2048
"""Rendered parameters or a result larger than this is kept as a note, not as is."""
STORAGE_KEY = "stream_workflows.studio_runs"
SAVE_DELAY = 5.0

type RedactData = Callable[[Any], Any]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _bounded(value: Any) -> Any:
    try:
        size = len(json_bytes(value))
    except TypeError:
        return repr(value)[:200]
    if size > MAX_VALUE_BYTES:
        return {"too_large": f"{size} bytes"}
    return value


def trigger_kind(run: Run) -> dict[str, Any]:
    """How a run was started: restore, rehearsal, deck, dashboard, trigger or service."""
    if any(event == "run_restored" for _at, event, _step, _details in run.history):
        return {"kind": "restore"}
    trigger = run.trigger or {}
    source = trigger.get("source")
    if source in ("deck", "dashboard"):
        return {"kind": source}
    if run.rehearsal:
        return {"kind": "rehearsal"}
    if source is not None:  # the run action's `source`: panel, automation, voice
        return {"kind": "service", "detail": str(source)[:100]}
    if trigger:
        detail = trigger.get("platform") or trigger.get("trigger") or trigger.get("id")
        return {"kind": "trigger", **({"detail": str(detail)[:100]} if detail else {})}
    return {"kind": "service"}


def steps_of(run: Run, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per step entered, from the run's history entries (rendered parameters of a
    rehearsal from the calls it recorded; of a real run, the definition's parameters)."""
    rendered = {call["step"]: call.get("params") for call in calls}
    steps: dict[str, dict[str, Any]] = {}
    order: list[dict[str, Any]] = []
    for at, event, step, entry_details in run.history:
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
                entry["error"] = {"type": details.get("type"), "message": details.get("message")}
    for entry in order:
        step = str(entry["step"])
        spec = _step_def(run, step)
        if step in rendered:
            entry["params"] = _bounded(rendered[step])
        elif spec is not None and spec.action is not None:
            entry["params"] = _bounded(dict(spec.action.params))
        if step in run.results:
            entry["result"] = _bounded(run.results[step])
    return order


def _step_def(run: Run, step_id: str) -> Any:
    for step in run.definition.top_steps:
        if step.id == step_id:
            return step
        for branch in step.branches:
            for inner in branch:
                if inner.id == step_id:
                    return inner
    return None


def record_of(run: Run, calls: list[dict[str, Any]], redact: RedactData) -> dict[str, Any]:
    """The full record of a run (what `run_detail` answers), secrets redacted."""
    record = {
        "run_id": run.run_id,
        "workflow_id": run.definition.id,
        "status": run.status.value,
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "trigger": trigger_kind(run),
        "rehearsal": run.rehearsal,
        "path": list(run.path),
        "steps": steps_of(run, calls),
        "error": run.error.as_dict() if run.error else None,
        "errors": [error.as_dict() for error in run.errors],
    }
    redacted: dict[str, Any] = redact(record)
    return redacted


def summary_of(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("run_id", "status", "started_at", "finished_at", "path", "trigger", "rehearsal")
    return {**{key: record.get(key) for key in keys}, "error": record.get("error")}


class RunHistory:
    """Records of the last runs, newest first per workflow."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._store: Store[dict[str, Any]] = Store(hass, 1, STORAGE_KEY)
        self._runs: dict[str, list[dict[str, Any]]] = {}
        self._sizes: dict[str, int] = {}

    async def async_load(self) -> None:
        stored = await self._store.async_load()
        if isinstance(stored, dict) and isinstance(stored.get("runs"), dict):
            self._runs = stored["runs"]
            for records in self._runs.values():
                for record in records:
                    self._sizes[record["run_id"]] = len(json_bytes(record))

    def add(self, record: dict[str, Any]) -> None:
        records = self._runs.setdefault(record["workflow_id"], [])
        records[:] = [kept for kept in records if kept["run_id"] != record["run_id"]]
        records.insert(0, record)
        self._sizes[record["run_id"]] = len(json_bytes(record))
        for dropped in records[MAX_RUNS:]:
            self._sizes.pop(dropped["run_id"], None)
        del records[MAX_RUNS:]
        while sum(self._sizes.values()) > MAX_TOTAL_BYTES and self._drop_oldest():
            pass
        self._store.async_delay_save(lambda: {"runs": self._runs}, SAVE_DELAY)

    def _drop_oldest(self) -> bool:
        candidates = [records for records in self._runs.values() if records]
        if not candidates:
            return False
        records = min(candidates, key=lambda kept: str(kept[-1].get("started_at")))
        self._sizes.pop(records.pop()["run_id"], None)
        return True

    def runs(self, workflow_id: str) -> list[dict[str, Any]]:
        return list(self._runs.get(workflow_id, []))

    def get(self, run_id: str) -> dict[str, Any] | None:
        for records in self._runs.values():
            for record in records:
                if record["run_id"] == run_id:
                    return record
        return None

    async def async_flush(self) -> None:
        """Write what is pending now (tests, and unload)."""
        await self._store.async_save({"runs": self._runs})
