"""Benchmark the workflow engine: cost of a state transition, memory of a parked run, start rate.

    python bench/engine.py          a readable summary
    python bench/engine.py --json   one JSON object (the figures below, plus the goals)

Figures:
- `us_per_transition`: median microseconds per state transition of a 2,000-state machine whose
  states each run the internal `noop` action (real clock, no listener), over several runs.
- `parked_run_kib`: memory per run parked in an internal `wait`, measured with tracemalloc
  over 1,000 runs.
- `runs_started_per_s`: runs started per second (`WorkflowEngine.start` until each run's
  task has begun its first step); `runs_completed_per_s`: one-step runs started and finished.
- `one_step_run_us` / `one_step_run_us_beside_parked`: median microseconds of a one-step run
  (start to end), alone and with 1,000 runs of another workflow parked in waits: a start
  looks at its own workflow's runs, so the two should be close.
Goals on a 2-core machine: <= 20 us per transition, <= 10 KiB per parked run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine import (
    RealClock,
    RunStatus,
    WorkflowDefinition,
    WorkflowEngine,
    load_definition,
)

CHAIN_STATES = 2_000
CHAIN_REPEATS = 9
PARKED_RUNS = 1_000
START_RUNS = 1_000
START_REPEATS = 5
GOAL_US_PER_TRANSITION = 20.0
GOAL_PARKED_RUN_KIB = 10.0


def _definition(document: dict[str, Any]) -> WorkflowDefinition:
    definition, problems = load_definition(document, default_registry())
    if definition is None:
        raise SystemExit("\n".join(problem.format() for problem in problems))
    return definition


def chain(states: int) -> WorkflowDefinition:
    """A state machine of `states` states, each a noop that moves on to the next."""
    noop = {"service": "internal", "action": "noop"}
    return _definition(
        {
            "id": "bench_chain",
            "mode": "parallel",
            "initial_state": "s0",
            "states": [
                {
                    "name": f"s{index}",
                    "action": noop,
                    "transitions": {"success": f"s{index + 1}"} if index + 1 < states else {},
                }
                for index in range(states)
            ],
        }
    )


def parked() -> WorkflowDefinition:
    """A state machine that parks in an hour-long internal wait."""
    return _definition(
        {
            "id": "bench_parked",
            "mode": "parallel",
            "max": 1000,
            "initial_state": "hold",
            "states": [
                {
                    "name": "hold",
                    "action": {
                        "service": "internal",
                        "action": "wait",
                        "params": {"seconds": 3600},
                    },
                    "transitions": {"success": "done"},
                },
                {"name": "done"},
            ],
        }
    )


def one_step() -> WorkflowDefinition:
    """A sequence of one noop step."""
    return _definition(
        {
            "id": "bench_one_step",
            "mode": "parallel",
            "max": 1000,
            "steps": [{"id": "only", "service": "internal", "action": "noop"}],
        }
    )


async def transition_cost() -> list[float]:
    """Microseconds per transition, one figure per repetition."""
    definition = chain(CHAIN_STATES)
    engine = WorkflowEngine(default_registry(), clock=RealClock())
    figures: list[float] = []
    for _ in range(CHAIN_REPEATS):
        gc.collect()
        began = time.perf_counter()
        run = engine.start(definition)
        status = await run.wait()
        elapsed = time.perf_counter() - began
        if status is not RunStatus.SUCCEEDED or len(run.path) != CHAIN_STATES:
            raise SystemExit(f"the chain ended {status} after {len(run.path)} states")
        figures.append(elapsed / (CHAIN_STATES - 1) * 1e6)
    return figures


async def _until(condition: Any, limit: int = 10_000) -> None:
    for _ in range(limit):
        if condition():
            return
        await asyncio.sleep(0)
    raise SystemExit("the runs did not get where the benchmark expected")


async def parked_memory() -> float:
    """KiB per run parked in an internal wait."""
    definition = parked()
    engine = WorkflowEngine(default_registry(), clock=RealClock())
    # One run first, so that caches (static parameters, code objects) are not counted.
    warm = engine.start(definition)
    await _until(lambda: warm.wait_ends_at() is not None)
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    runs = [engine.start(definition) for _ in range(PARKED_RUNS - 1)]
    await _until(lambda: all(run.wait_ends_at() is not None for run in runs))
    gc.collect()
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await engine.cancel_all()
    return (after - before) / len(runs) / 1024


async def start_rates() -> tuple[float, float]:
    """(runs started per second, one-step runs started and finished per second)."""
    definition = one_step()
    engine = WorkflowEngine(default_registry(), clock=RealClock())
    started: list[float] = []
    completed: list[float] = []
    for _ in range(START_REPEATS):
        gc.collect()
        began = time.perf_counter()
        runs = [engine.start(definition) for _ in range(START_RUNS)]
        await _until(lambda runs=runs: all(run.path for run in runs))
        started.append(START_RUNS / (time.perf_counter() - began))
        await asyncio.gather(*(run.wait() for run in runs))
        completed.append(START_RUNS / (time.perf_counter() - began))
    return statistics.median(started), statistics.median(completed)


async def beside_parked() -> tuple[float, float]:
    """(µs of a one-step run alone, the same with `PARKED_RUNS` of another workflow parked)."""
    engine = WorkflowEngine(default_registry(), clock=RealClock(), eager_start=True)
    definition = one_step()

    async def one_run_us() -> float:
        figures: list[float] = []
        for _ in range(START_RUNS):
            began = time.perf_counter()
            await engine.start(definition).wait()
            figures.append((time.perf_counter() - began) * 1e6)
        return statistics.median(figures)

    await one_run_us()
    alone = await one_run_us()
    waiting = parked()
    runs = [engine.start(waiting) for _ in range(PARKED_RUNS)]
    await _until(lambda: all(run.wait_ends_at() is not None for run in runs))
    beside = await one_run_us()
    await engine.cancel_all()
    return alone, beside


async def measure() -> dict[str, Any]:
    transitions = await transition_cost()
    parked_kib = await parked_memory()
    started, completed = await start_rates()
    alone, beside = await beside_parked()
    us = statistics.median(transitions)
    return {
        "us_per_transition": round(us, 2),
        "us_per_transition_runs": [round(value, 2) for value in transitions],
        "chain_states": CHAIN_STATES,
        "parked_run_kib": round(parked_kib, 2),
        "parked_runs": PARKED_RUNS,
        "runs_started_per_s": round(started),
        "runs_completed_per_s": round(completed),
        "one_step_run_us": round(alone, 1),
        "one_step_run_us_beside_parked": round(beside, 1),
        "goals": {
            "us_per_transition": GOAL_US_PER_TRANSITION,
            "parked_run_kib": GOAL_PARKED_RUN_KIB,
        },
        "goals_met": us <= GOAL_US_PER_TRANSITION and parked_kib <= GOAL_PARKED_RUN_KIB,
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = asyncio.run(measure())
    if args.json:
        print(json.dumps(result))
        return 0
    verdict = "met" if result["goals_met"] else "MISSED"
    print(f"Stream Workflows engine benchmark (Python {result['python']})")
    print(
        f"  state transition (noop, {CHAIN_STATES} states): "
        f"{result['us_per_transition']} us median (goal <= {GOAL_US_PER_TRANSITION:g} us)"
    )
    print(
        f"  run parked in a wait: {result['parked_run_kib']} KiB each over {PARKED_RUNS} runs "
        f"(goal <= {GOAL_PARKED_RUN_KIB:g} KiB)"
    )
    print(f"  runs started: {result['runs_started_per_s']} per second")
    print(f"  one-step runs started and finished: {result['runs_completed_per_s']} per second")
    print(
        f"  one-step run: {result['one_step_run_us']} us alone, "
        f"{result['one_step_run_us_beside_parked']} us beside {PARKED_RUNS} parked runs"
    )
    print(f"  goals {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
