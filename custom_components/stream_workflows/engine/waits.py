"""A run's waits (a `wait` action, a retry delay): they stop counting while the run is
paused, and record their progress in the step's `ActiveStep` so that a snapshot can restore
them with the time they had left."""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta
from typing import Any

from .clock import Clock
from .errors import ActionError
from .numbers import MAX_WAIT_SECONDS
from .run_host import RunControl
from .run_state import ActiveStep
from .run_types import RunChange


async def pausable_sleep(
    run: RunControl, clock: Clock, info: ActiveStep, step_id: str, seconds: float, total: float
) -> None:
    """Sleep `seconds` on `clock` (of a wait of `total` seconds), the time left recorded in
    `info`; a pause of `run` stops the count until it is resumed."""
    remaining = checked_seconds(seconds)
    info["wait_total"] = checked_seconds(total)
    loop = asyncio.get_running_loop()
    try:
        while True:
            if run.pause_requested:
                info.pop("wait_ends_at", None)
                info["wait_remaining"] = remaining
                await run.boundary()
            info.pop("wait_remaining", None)
            ends = clock.now() + timedelta(seconds=remaining)
            info["wait_ends_at"] = ends
            waiter: asyncio.Future[bool] = loop.create_future()

            def wake(waiter: asyncio.Future[bool] = waiter) -> None:
                if not waiter.done():
                    waiter.set_result(False)

            timer = clock.call_later(remaining, wake)
            run.waiters.add(waiter)
            try:
                # after the waiter exists: a listener that pauses here stops this wait
                run.notify(RunChange.WAITING, step_id)
                paused = await waiter
            finally:
                timer.cancel()
                run.waiters.discard(waiter)
            if not paused:
                return
            remaining = max(0.0, (ends - clock.now()).total_seconds())
    finally:
        if not run.stopping:
            info.pop("wait_ends_at", None)
            info.pop("wait_remaining", None)
            info.pop("wait_total", None)


def checked_seconds(seconds: Any) -> float:
    """A wait or timeout the clock can hold; anything else is the step's error."""
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise ActionError(f"a wait needs a number of seconds, got {type(seconds).__name__}")
    if (isinstance(seconds, float) and math.isnan(seconds)) or seconds > MAX_WAIT_SECONDS:
        shown = f"{seconds:g}" if isinstance(seconds, float) or seconds < 10**15 else "too many"
        raise ActionError(
            f"a wait of {shown} s is out of range (at most {MAX_WAIT_SECONDS} s)",
            error_type="invalid_wait",
        )
    return max(0.0, float(seconds))


__all__ = ["checked_seconds", "pausable_sleep"]
