"""The last runs of each workflow (the Studio's traces), kept across restarts in a Store.

A run that finishes is kept as a `FinishedRun` (run_record.py); its record is made when the
Studio reads it, or when the history is saved (with a delay, in the executor thread: no
transition waits on the disk or on the record). Bounded: `MAX_RUNS` per workflow and about
`MAX_TOTAL_BYTES` in all.

What a save reads from another thread is never changed: every change makes new lists and a
new mapping of them (copy on write), and the records are made from values that do not change.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from homeassistant.helpers.storage import Store

from ..checked_store import OFF_LOOP
from .run_record import FinishedRun, summary_of

MAX_RUNS = 20
MAX_TOTAL_BYTES = 1024 * 1024
STORAGE_KEY = "stream_workflows.studio_runs"
SAVE_DELAY = 5.0

type Kept = dict[str, Any] | FinishedRun
"""A record made (loaded, or read since), or a finished run whose record is made on demand."""


def _run_id(kept: Kept) -> str:
    return kept.run_id if isinstance(kept, FinishedRun) else str(kept["run_id"])


def _started(kept: Kept) -> str:
    if isinstance(kept, FinishedRun):
        return kept.started_at.isoformat() if kept.started_at else ""
    return str(kept.get("started_at"))


def _record(kept: Kept) -> dict[str, Any]:
    return kept.record() if isinstance(kept, FinishedRun) else kept


class RunHistory:
    """The last runs, newest first per workflow."""

    def __init__(self, hass: HomeAssistant) -> None:
        # Read from the executor thread: nothing it is given changes (module docstring).
        self._hass = hass
        self._store: Store[dict[str, Any]] = Store(hass, 1, STORAGE_KEY, **OFF_LOOP)
        # Loop time the save asked for is due; until then a change waits for it (the Store
        # would push a delayed save back at every call: never saved while runs keep ending).
        self._save_due: float | None = None
        self._runs: dict[str, list[Kept]] = {}
        self._sizes: dict[str, int] = {}
        self._total = 0  # sum of `_sizes`, kept as it changes (`add` is on every run's end)

    async def async_load(self) -> None:
        stored = await self._store.async_load()
        if isinstance(stored, dict) and isinstance(stored.get("runs"), dict):
            self._runs = stored["runs"]
            for records in self._runs.values():
                for record in records:
                    self._sized(_run_id(record), len(json_bytes(record)))

    def add(self, finished: FinishedRun) -> None:
        """Keep a run that finished (its record is made when it is read or saved)."""
        run_id = finished.run_id
        earlier = self._runs.get(finished.workflow_id, ())
        if run_id in self._sizes:  # kept already (a run id given again): this one replaces it
            earlier = [k for k in earlier if _run_id(k) != run_id]
        kept = [finished, *earlier]
        self._sized(run_id, finished.size)
        for dropped in kept[MAX_RUNS:]:
            self._unsized(_run_id(dropped))
        runs = {**self._runs, finished.workflow_id: kept[:MAX_RUNS]}
        while self._total > MAX_TOTAL_BYTES and self._drop_oldest(runs):
            pass
        self._runs = runs
        self._save_soon()

    def _save_soon(self) -> None:
        """Save within `SAVE_DELAY` of this change: the save due reads the runs as they are
        when it is made, so a change before it is due joins it."""
        now = self._hass.loop.time()
        if self._save_due is not None and now < self._save_due:
            return
        self._save_due = now + SAVE_DELAY
        self._store.async_delay_save(self._to_save, SAVE_DELAY)

    def _drop_oldest(self, runs: dict[str, list[Kept]]) -> bool:
        """Drop the oldest record of all from `runs` (not yet published: its lists may be)."""
        candidates = [workflow_id for workflow_id, kept in runs.items() if kept]
        if not candidates:
            return False
        oldest = min(candidates, key=lambda workflow_id: _started(runs[workflow_id][-1]))
        *rest, dropped = runs[oldest]
        runs[oldest] = rest
        self._unsized(_run_id(dropped))
        return True

    def _sized(self, run_id: str, size: int) -> None:
        self._unsized(run_id)
        self._sizes[run_id] = size
        self._total += size

    def _unsized(self, run_id: str) -> None:
        self._total -= self._sizes.pop(run_id, 0)

    def _to_save(self) -> dict[str, Any]:
        """What is written (in the executor thread on Home Assistant 2025.4): made from the
        mapping published last, which nothing changes."""
        runs = self._runs
        return {
            "runs": {workflow_id: [_record(k) for k in kept] for workflow_id, kept in runs.items()}
        }

    def summaries(self, workflow_id: str) -> list[dict[str, Any]]:
        """The runs' summaries (the runs list), newest first, without making their records."""
        return [
            k.summary() if isinstance(k, FinishedRun) else summary_of(k)
            for k in self._runs.get(workflow_id, ())
        ]

    def runs(self, workflow_id: str) -> list[dict[str, Any]]:
        """The runs' full records, newest first."""
        return [self._made(workflow_id, k) for k in self._runs.get(workflow_id, ())]

    def get(self, run_id: str) -> dict[str, Any] | None:
        for workflow_id, kept in self._runs.items():
            for k in kept:
                if _run_id(k) == run_id:
                    return self._made(workflow_id, k)
        return None

    def _made(self, workflow_id: str, kept: Kept) -> dict[str, Any]:
        """`kept`'s record; one made now replaces its run (in new lists: copy on write)."""
        if not isinstance(kept, FinishedRun):
            return kept
        record = kept.record()
        self._runs = {
            **self._runs,
            workflow_id: [record if k is kept else k for k in self._runs[workflow_id]],
        }
        return record

    async def async_flush(self) -> None:
        """Write what is pending now (tests, and unload)."""
        self._save_due = None  # the Store drops its delayed save: the next change asks again
        await self._store.async_save(self._to_save())
