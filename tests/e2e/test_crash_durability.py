"""SIGKILL a real `hass` process at random moments: no run lost, no completed step repeated.

A bounded number of cycles for CI; `bench/crash_soak.py` runs the same for as long as wanted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .crash_cycles import CrashHass, crash_cycles

pytestmark = pytest.mark.usefixtures("socket_enabled")

CYCLES = int(os.environ.get("STREAM_WORKFLOWS_CRASH_CYCLES", "3"))


def test_sigkill_at_random_moments_loses_no_run_and_repeats_no_step(
    tmp_path: Path,
) -> None:
    hass = CrashHass(tmp_path / "config")
    try:
        tally = crash_cycles(hass, CYCLES, seed=14)
    finally:
        hass.stop()
    summary = tally.as_dict()
    assert tally.cycles == CYCLES
    assert tally.steps_marked > 0, summary  # the probe really ran and dispatched
    assert tally.lost == [], summary
    assert tally.repeated == [], summary
    assert tally.not_restored == [], summary
