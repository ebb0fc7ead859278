"""Injected time: the real clock for production, a virtual one for rehearsals and tests."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


class Cancellable(Protocol):
    """A scheduled callback that can be called off."""

    def cancel(self) -> None:
        """Call the callback off."""


class Clock(Protocol):
    """What the engine needs of time."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds`."""

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Cancellable:
        """Call `callback` after `seconds`, on the event loop."""


class RealClock:
    """Wall-clock time and the event loop's timers."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        # The time source itself, not a method around it: a call less on every step.
        self.now: Callable[[], datetime] = now or self._local_now
        self._zone: tzinfo | None = None
        self._zone_until = 0.0

    def _local_now(self) -> datetime:
        """The local time, as `datetime.now(UTC).astimezone()` gives it, a few times faster:
        the local UTC offset only changes on a minute boundary, so it is looked up once a
        minute (this is on every step's path)."""
        stamp = time.time()
        if stamp >= self._zone_until:
            self._zone = datetime.fromtimestamp(stamp, UTC).astimezone().tzinfo
            self._zone_until = (stamp // 60 + 1) * 60
        return datetime.fromtimestamp(stamp, self._zone)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Cancellable:
        return asyncio.get_running_loop().call_later(max(0.0, seconds), callback)


class _Timer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], object]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """Time that jumps forward as soon as every task is waiting on it; nothing really sleeps.

    A background task lets the loop settle (every ready callback runs), then moves time to
    the earliest timer and fires it. Timers due at the same moment fire in the order they
    were set, so runs are deterministic. With `auto_advance=False` time moves only through
    `advance()`: for tests whose actions wait on real network peers, where jumping ahead would
    fire their timeouts.

    The driver ends once no timer is left and the next timer starts a new one, so a clock of
    one run (a rehearsal inside Home Assistant) leaves no task behind when the run is over.
    """

    _SETTLE_ROUNDS = 30
    _MAX_SETTLE_ROUNDS = 1_000

    def __init__(self, start: datetime | None = None, *, auto_advance: bool = True) -> None:
        self._now = start or datetime(2026, 1, 1, 20, 0, tzinfo=UTC)
        self._auto_advance = auto_advance
        self._timers: list[tuple[datetime, int, _Timer]] = []
        self._order = itertools.count()
        self._driver: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        return self._now

    def call_later(self, seconds: float, callback: Callable[[], object]) -> Cancellable:
        timer = _Timer(callback)
        due = self._now + timedelta(seconds=max(0.0, seconds))
        heapq.heappush(self._timers, (due, next(self._order), timer))
        self._ensure_driver()
        return timer

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        timer = self.call_later(seconds, wake)
        try:
            await future
        finally:
            timer.cancel()

    def advance(self, seconds: float) -> None:
        """Move time forward by hand, firing the timers that fall due."""
        target = self._now + timedelta(seconds=seconds)
        while self._timers and self._timers[0][0] <= target:
            due, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, due)
            if not timer.cancelled:
                timer.callback()
        self._now = target

    def pending(self) -> list[float]:
        """Seconds until each live timer fires, soonest first."""
        return sorted(
            (due - self._now).total_seconds()
            for due, _, timer in self._timers
            if not timer.cancelled
        )

    def _ensure_driver(self) -> None:
        if not self._auto_advance:
            return
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(self._drive())

    async def _settle(self) -> None:
        """Let every task that can run, run: at least `_SETTLE_ROUNDS` turns of the loop, and
        on as long as the loop still has callbacks ready (bounded, so a task that spins on
        `sleep(0)` cannot stop time for ever)."""
        for _ in range(self._SETTLE_ROUNDS):
            await asyncio.sleep(0)
        ready = getattr(asyncio.get_running_loop(), "_ready", None)
        if ready is None:
            return
        for _ in range(self._MAX_SETTLE_ROUNDS):
            if not ready:
                return
            await asyncio.sleep(0)

    async def _drive(self) -> None:
        while True:
            await self._settle()
            while self._timers and self._timers[0][2].cancelled:
                heapq.heappop(self._timers)
            if not self._timers:
                return  # `call_later` starts a new driver
            due, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, due)
            timer.callback()

    def close(self) -> None:
        """Stop the background driver now, from synchronous code (a host closes a run's own
        clock when the run has finished); a later timer would start a new one."""
        if self._driver is not None:
            self._driver.cancel()
            self._driver = None

    async def aclose(self) -> None:
        """Stop the background driver (tests call this before the loop closes)."""
        if self._driver is not None:
            self._driver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._driver
            self._driver = None
