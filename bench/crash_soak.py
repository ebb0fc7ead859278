"""Crash soak: SIGKILL a real `hass` process at random moments, many times, and count what a
crash cost: runs lost, completed steps repeated (the contract says 0 of each).

    .venv/bin/python bench/crash_soak.py --json [--cycles 100] [--runs 4] [--seed 14]

Each cycle starts `--runs` runs of a probe workflow (30 external actions, each a
`shell_command` writing a mark outside Home Assistant, with short waits between) at random
moments, kills Home Assistant at a random moment within `--max-kill` seconds, reads the
checkpoint on disk and the marks, starts Home Assistant again and checks the restore
(tests/e2e/crash_cycles.py says exactly what is counted). Prints one JSON object with --json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.crash_cycles import CrashHass, crash_cycles  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--runs", type=int, default=4, help="runs started per cycle")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--max-kill", type=float, default=2.0, help="latest kill, seconds")
    parser.add_argument("--wait", type=float, default=0.15, help="the probe's waits, seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="crash-soak-") as folder:
        hass = CrashHass(Path(folder) / "config", wait=args.wait)
        try:
            tally = crash_cycles(
                hass, args.cycles, seed=args.seed, runs_per_cycle=args.runs, max_kill=args.max_kill
            )
        finally:
            hass.stop()
    result = {
        "benchmark": "crash_soak",
        **tally.as_dict(),
        "restart_seconds_median": round(statistics.median(tally.restart_seconds), 2),
        "seconds": round(time.monotonic() - began, 1),
        "goals": {"runs_lost": 0, "steps_repeated": 0},
        "ok": not tally.lost and not tally.repeated and not tally.not_restored,
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
