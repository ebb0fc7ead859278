"""Validation time and peak memory: 1,000- and 10,000-state chains, and a 1 MiB YAML file.

    .venv/bin/python bench/validate.py [--json]

Each case is written to a temporary file and loaded through `load_file` (read, parse,
validate), as `stream-workflows validate` and Home Assistant do. Time is the best of a few
rounds, as wall-clock `seconds` and as `cpu_seconds` (the process's own CPU time, steadier
on a shared machine); peak memory is measured by `tracemalloc` in a separate round. `growth`
is the CPU time of 10,000 states divided by that of 1,000: linear validation keeps it near 10.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine.definition import load_file
from custom_components.stream_workflows.engine.loading import MAX_FILE_BYTES

ROUNDS = 3


def state_chain(count: int) -> str:
    """A state machine of `count` states in a chain, listed in reverse order (the order
    that used to recurse); every tenth state logs its predecessor's result (a reference that
    needs the reachability check), the others do nothing (so 10,000 states fit in 1 MiB)."""
    lines = ["id: chain", "initial_state: s0", "states:"]
    for index in reversed(range(count)):
        if index and index % 10 == 0:
            action = f"{{service: internal, action: log, params: {{message: '${{s{index - 1}}}'}}}}"
        else:
            action = "{service: internal, action: noop}"
        route = f", transitions: {{success: s{index + 1}}}" if index + 1 < count else ""
        lines.append(f"  - {{name: s{index}, action: {action}{route}}}")
    return "\n".join(lines) + "\n"


def dag_chain(count: int) -> str:
    """A DAG of `count` nodes, each depending on the one before, listed in reverse order."""
    nodes = [
        {
            "id": f"n{index}",
            "service": "internal",
            "action": "noop",
            **({"depends_on": [f"n{index - 1}"]} if index else {}),
        }
        for index in reversed(range(count))
    ]
    return json.dumps({"id": "dag", "nodes": nodes})


def big_yaml() -> str:
    """A sequence of log steps filling almost `MAX_FILE_BYTES`."""
    lines = ["id: big", "steps:"]
    size = 20
    index = 0
    while True:
        step = (
            f"  - id: s{index}\n    service: internal\n    action: log\n"
            f"    params: {{message: 'step {index} of a long file, padded with some words'}}\n"
        )
        if size + len(step) > MAX_FILE_BYTES - 64:
            break
        lines.append(step.rstrip("\n"))
        size += len(step)
        index += 1
    return "\n".join(lines) + "\n"


def measure(name: str, text: str, suffix: str) -> dict[str, Any]:
    registry = default_registry()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}{suffix}"
        path.write_text(text)

        def load() -> None:
            definition, problems = load_file(path, registry)
            if definition is None:
                raise SystemExit(f"{name}: invalid: {problems[:3]}")

        seconds = _best(load, time.perf_counter)
        cpu_seconds = _best(load, time.process_time)
        tracemalloc.start()
        load()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "bytes": len(text.encode()),
        "seconds": round(seconds, 4),
        "cpu_seconds": round(cpu_seconds, 4),
        "peak_mib": round(peak / 2**20, 2),
    }


def _best(action: Callable[[], None], clock: Callable[[], float]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = clock()
        action()
        best = min(best, clock() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    results = {
        "states_1000": measure("states_1000", state_chain(1_000), ".yaml"),
        "states_10000": measure("states_10000", state_chain(10_000), ".yaml"),
        "dag_1000": measure("dag_1000", dag_chain(1_000), ".json"),
        "dag_10000": measure("dag_10000", dag_chain(10_000), ".json"),
        "yaml_1mib": measure("yaml_1mib", big_yaml(), ".yaml"),
    }
    report: dict[str, Any] = {
        **results,
        "growth_states": round(
            results["states_10000"]["cpu_seconds"] / results["states_1000"]["cpu_seconds"], 2
        ),
        "growth_dag": round(
            results["dag_10000"]["cpu_seconds"] / results["dag_1000"]["cpu_seconds"], 2
        ),
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
