"""Checkpoints of the active runs in `.storage/stream_workflows.runs`.

The contract (README, "Durability"):
- a change is written at most `max_delay` (1 s) after it happened, however busy the runs are:
  the delay counts from the oldest change not yet written and is never pushed back;
- a new run and a finished run are written at once (as soon as the write in progress ends):
  a new run when the turn of the loop it started in ends, if it is still going then. One that
  began and ended in that turn (a quick run) was never written: nothing of it can be lost or
  brought back, so its end (the workflow's last run) is written within `max_delay`;
- before an external action is dispatched, the run is written with the action marked in
  flight (`durable`): after a crash that action follows `interrupted_action`, and one whose
  completion was written is never dispatched again;
- every write is one consistent snapshot taken in one turn of the event loop: each run that
  changed since the last write is encoded to JSON there (a few kilobytes), the others reuse
  their encoding, and the file (assembling, writing) is made in an executor thread.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

import orjson
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes

from .checked_store import CheckedStore, StoreWriteError
from .const import CHECKPOINT_DELAY, STORAGE_KEY_RUNS, STORAGE_VERSION
from .engine import Run

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class WriteStats:
    """What the checkpoints cost, for diagnostics and the benchmarks."""

    writes: int = 0
    failures: int = 0
    bytes: int = 0  # of the runs' snapshots in the last write
    last_seconds: float = 0.0  # from taking the snapshot to the file written
    max_seconds: float = 0.0
    encode_seconds: float = 0.0  # on the event loop, in the last write


class RunStore:
    """Writes the runs `runs()` returns, plus `extra()` (saved state that is not a run)."""

    def __init__(
        self,
        hass: HomeAssistant,
        runs: Callable[[], Iterable[Run]],
        extra: Callable[[], tuple[list[dict[str, Any]], dict[str, Any]]],
        *,
        max_delay: float = CHECKPOINT_DELAY,
    ) -> None:
        self.hass = hass
        self._runs = runs
        self._extra = extra
        self.max_delay = max_delay
        self.store: CheckedStore[dict[str, Any]] = CheckedStore(
            hass, STORAGE_VERSION, STORAGE_KEY_RUNS
        )
        self.stats = WriteStats()
        self._encoded: dict[str, orjson.Fragment] = {}
        self._sizes: dict[str, int] = {}
        self._dirty: set[str] = set()
        # Dirty runs whose write is already scheduled, saved before and not finished: a
        # further change of theirs only counts (the hot path of every transition).
        self._due: set[str] = set()
        # Runs in the last write that finished, and in the write under way: what the disk
        # holds, or is about to (`agreed`).
        self._on_disk: frozenset[str] = frozenset()
        self._writing: frozenset[str] = frozenset()
        self._changes = 0  # every change counts one
        self._written = 0  # the count the newest finished write covered
        self._oldest: float | None = None  # loop time of the oldest change not yet written
        self._urgent = False
        self._timer: asyncio.TimerHandle | None = None
        # Runs not yet written that changed in this turn, and the look at them when it ends.
        self._new: list[Run] = []
        self._check: asyncio.Handle | None = None
        self._writer: asyncio.Task[None] | None = None
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._stopped = False

    @property
    def due(self) -> AbstractSet[str]:
        """Ids of the runs whose next write is due already (written before, not ending): a
        further change of one of them is collected by that write, so it needs no `changed`
        call. The same set for the store's life: a caller may keep it."""
        return self._due

    async def async_load(self) -> dict[str, Any]:
        return dict((await self.store.async_load()) or {})

    # -- changes ------------------------------------------------------------------------

    def changed(self, run: Run | None = None, *, urgent: bool = False) -> None:
        """Something to save changed (`run`, or what `extra()` returns)."""
        if self._stopped:
            return
        fresh = finished = False
        if run is not None:
            run_id = run.run_id
            # `final` is set once the run's end is decided, before it finishes: a plain
            # read instead of `finished`'s two properties, on every transition.
            if not urgent and run_id in self._due and run.final is None:
                self._changes += 1  # the hot path of every transition: its write is due
                return
            # A crash must not bring back a run that ended, nor lose one that started.
            if run.finished:
                # Nothing of it is encoded again (a write holds active runs only): only
                # whether the disk holds it as running matters. Its later changes are none.
                finished = True
                self._due.discard(run_id)
                urgent = urgent or run_id in self._on_disk or run_id in self._writing
            elif run_id in self._encoded:
                self._dirty.add(run_id)  # encoded again by the next write
            else:
                # Never encoded: the next write encodes it anyway (no mark to keep: a run
                # that starts and ends in one turn leaves nothing behind).
                fresh = True
                # written as soon as the write under way ends, as any urgent change
                urgent = urgent or self._writer is not None
        self._changes += 1
        if self._oldest is None:
            self._oldest = self.hass.loop.time()
        if fresh and not urgent and run is not None:
            # A new run: written when this turn of the loop ends, if it is still going then.
            self._new.append(run)
            if self._check is None:
                self._check = self.hass.loop.call_soon(self._write_new_runs)
        else:
            self._schedule(urgent)
        if run is not None and not urgent and not finished:
            # Its write is due now (a timer, a writer at work, or the look at the turn's
            # end), and the next write collects the run as it is then.
            self._due.add(run.run_id)

    async def durable(self, run: Run) -> None:
        """Return once `run`, as it is now, is written (the engine's `before_dispatch`)."""
        if self._stopped:
            return
        self.changed(run, urgent=True)
        await self._written_up_to(self._changes)

    async def agreed(self, runs: Iterable[Run]) -> None:
        """Return once what is written agrees with `runs` as a caller is told of them now: a
        run still going is written, and one that finished is not left written as running (a
        crash right after the answer can neither lose the one nor bring back the other). A
        run that finished before it was ever written leaves nothing to wait for."""
        held = self._on_disk | self._writing
        if any(not run.finished or run.run_id in held for run in runs):
            await self.async_flush()

    async def _written_up_to(self, changes: int) -> None:
        if self._written >= changes or self._stopped:
            return
        waiter: asyncio.Future[None] = self.hass.loop.create_future()
        self._waiters.append((changes, waiter))
        await asyncio.shield(waiter)

    def _write_new_runs(self) -> None:
        """The end of the turn new runs started in: write those still going now, and leave
        the rest (runs that began and ended in it) to the timer."""
        self._check = None
        new, self._new = self._new, []
        if self._stopped or self._writer is not None:
            return
        if any(not run.finished for run in new):
            self._schedule(True)
        elif self._changes > self._written:
            self._schedule(False)

    def _schedule(self, urgent: bool) -> None:
        self._urgent = self._urgent or urgent
        if self._writer is not None:
            return  # the writer looks again when its write is done
        if self._urgent:
            # At once, in a task of its own: the changes of this turn of the loop join it.
            self._start_writer()
            return
        assert self._oldest is not None
        when = self._oldest + self.max_delay
        if self._timer is not None:
            if self._timer.when() <= when:
                return
            self._timer.cancel()
        self._timer = self.hass.loop.call_at(when, self._start_writer)

    def _start_writer(self) -> None:
        if self._check is not None:
            self._check.cancel()
            self._check = None
        self._new.clear()  # the write collects them as they are now
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writer is None and not self._stopped:
            self._writer = self.hass.async_create_task(
                self._write_while_changed(), "stream_workflows checkpoint", eager_start=False
            )

    async def _write_while_changed(self) -> None:
        try:
            while self._changes > self._written and not self._stopped:
                await self._write_once()
                if self._changes > self._written and not (self._urgent or self._waiters):
                    break  # the next write is due `max_delay` after its oldest change
        finally:
            self._writer = None
        if self._changes > self._written and not self._stopped:
            self._schedule(False)

    async def _write_once(self) -> None:
        covers = self._changes
        started = time.perf_counter()
        data = self._collect()
        self._writing = frozenset(self._encoded)  # after a collect: the runs the data holds
        self._oldest = None
        self._urgent = False
        try:
            await self.store.async_save_checked(data)
        except StoreWriteError as err:
            self.stats.failures += 1
            _LOGGER.error("Could not save the runs' checkpoint: %s", err)
            self._on_disk |= self._writing  # the disk may hold either write
        else:
            self._on_disk = self._writing
        self._writing = frozenset()
        self._written = max(self._written, covers)
        took = time.perf_counter() - started
        self.stats.writes += 1
        self.stats.last_seconds = took
        self.stats.max_seconds = max(self.stats.max_seconds, took)
        self._release(covers)

    def _release(self, covers: int) -> None:
        waiting: list[tuple[int, asyncio.Future[None]]] = []
        for needed, waiter in self._waiters:
            if needed <= covers:
                if not waiter.done():
                    waiter.set_result(None)
            else:
                waiting.append((needed, waiter))
        self._waiters = waiting

    def _collect(self) -> dict[str, Any]:
        """One consistent snapshot: runs that changed are encoded now, the others reuse
        their last encoding (nothing about them changed since)."""
        started = time.perf_counter()
        fragments: list[orjson.Fragment] = []
        alive: set[str] = set()
        for run in self._runs():
            run_id = run.run_id
            alive.add(run_id)
            if run_id in self._dirty or run_id not in self._encoded:
                self._encode(run)
            fragment = self._encoded.get(run_id)
            if fragment is not None:
                fragments.append(fragment)
        for run_id in set(self._encoded) - alive:
            del self._encoded[run_id]
            self._sizes.pop(run_id, None)
        self._dirty.clear()
        self._due.clear()
        self._new.clear()
        pending, last = self._extra()
        self.stats.encode_seconds = time.perf_counter() - started
        self.stats.bytes = sum(self._sizes.values())
        return {"runs": [*fragments, *pending], "last": last}

    def _encode(self, run: Run) -> None:
        snapshot = run.snapshot()
        try:
            encoded = json_bytes(snapshot)
        except (TypeError, ValueError) as err:
            # One value the encoder refuses (an integer past 64 bits, nesting past 255 levels)
            # must not lose the run, nor stop the others being saved: the run is saved
            # without the parts that cannot be, and says so.
            dropped = [
                key for key in ("variables", "results", "trigger") if not _encodes(snapshot[key])
            ]
            for key in dropped:
                snapshot[key] = None if key == "trigger" else {}
            try:
                encoded = json_bytes(snapshot)
            except (TypeError, ValueError):
                _LOGGER.error(
                    "Run %s of %s could not be saved: %s", run.run_id, run.definition.id, err
                )
                return
            _LOGGER.error(
                "Run %s of %s is saved without its %s, which could not be: %s",
                run.run_id,
                run.definition.id,
                " and ".join(dropped),
                err,
            )
        self._encoded[run.run_id] = orjson.Fragment(encoded)
        self._sizes[run.run_id] = len(encoded)

    def size_of(self, run_id: str) -> int | None:
        """Bytes of the run's last checkpoint (benchmarks, diagnostics)."""
        return self._sizes.get(run_id)

    # -- stopping -----------------------------------------------------------------------

    async def async_flush(self) -> None:
        """Write now what changed, and return when it is written."""
        if self._stopped or self._changes <= self._written:
            return
        self._schedule(True)
        await self._written_up_to(self._changes)

    async def async_final_save(self, runs: Iterable[Run]) -> None:
        """The last write, of `runs` as they are now (Home Assistant stops, or the entry
        unloads); later changes are not saved."""
        self._stopped = True
        self._due.clear()
        self._new.clear()
        if self._check is not None:
            self._check.cancel()
            self._check = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._writer is not None:
            await asyncio.shield(self._writer)
        listed = list(runs)
        self._runs = lambda: listed
        self._dirty.update(run.run_id for run in listed)
        try:
            await self.store.async_save_checked(self._collect())
        except StoreWriteError as err:
            _LOGGER.error("Could not save the runs at shutdown: %s", err)
        self._release(self._changes)


def _encodes(value: Any) -> bool:
    try:
        json_bytes(value)
    except (TypeError, ValueError):
        return False
    return True
