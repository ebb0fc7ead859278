"""Our engine inside Home Assistant next to Home Assistant's own script engine, in one process.

    python bench/ha_engine.py          a readable table
    python bench/ha_engine.py --json   one JSON object

For chains of 20, 100 and 1,000 steps it measures, in the same Home Assistant instance (asyncio
debug off, logging at WARNING):
- `ours_us_per_transition`: a state machine of N `internal.noop` states run through the
  integration, with its switch, state sensor, buttons and bus events mirroring every state;
- `ha_script_us_per_step`: a Home Assistant `Script` of N `variables` steps (the cheapest step a
  script has), run with `Script.async_run`;
- `ratio`: HA's cost per step divided by ours (above 1 means we are faster);
- the same as means (`mean_…`): they count the runs a garbage collection fell in;
- `cpu_…`: the medians of the event loop thread's CPU time instead of wall time. This shared
  machine's speed varies from hour to hour (other tenants); CPU time moves less with it.
Each figure is the median over several runs after a warm-up run, ours and theirs taken in
turns.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Imported before Home Assistant starts so this repository's integration is the one found.
import custom_components.stream_workflows  # noqa: F401

CHAIN_LENGTHS = (20, 100, 1_000)
REPEATS = 7  # runs of each chain at least
SAMPLE_TRANSITIONS = 2_000  # short chains run more often: each median covers this many steps
GOAL_RATIO = 2.0
GOAL_FLATNESS = 1.2  # the 1,000-state chain within 20 % of the 20-state one, per transition

type Timing = tuple[float, float]  # one run: (wall seconds, seconds of the loop thread's CPU)


def chain_document(workflow_id: str, states: int) -> dict[str, Any]:
    """A state machine of `states` noop states, each moving on to the next."""
    return {
        "id": workflow_id,
        "name": f"Chain {states}",
        "mode": "parallel",
        "initial_state": "s0",
        "states": [
            {
                "name": f"s{index}",
                "action": {"service": "internal", "action": "noop"},
                "transitions": {"success": f"s{index + 1}"} if index + 1 < states else {},
            }
            for index in range(states)
        ],
    }


async def measure(repeats: int) -> tuple[dict[str, Any], dict[str, Any]]:
    from homeassistant import loader
    from homeassistant.core import Context
    from homeassistant.helpers import config_validation as cv
    from homeassistant.helpers.script import Script
    from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
        MockConfigEntry,
        async_test_home_assistant,
    )

    from custom_components.stream_workflows.const import DOMAIN

    results: dict[str, Any] = {}
    actions: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as config_dir:
        folder = Path(config_dir) / "stream_workflows"
        folder.mkdir()
        for length in CHAIN_LENGTHS:
            (folder / f"chain_{length}.json").write_text(
                json.dumps(chain_document(f"chain_{length}", length))
            )
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
            entry = MockConfigEntry(
                domain=DOMAIN, data={"folder": "stream_workflows"}, unique_id="core"
            )
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
            coordinator = entry.runtime_data
            for length in CHAIN_LENGTHS:
                script = Script(
                    hass,
                    cv.SCRIPT_SCHEMA([{"variables": {"step": index}} for index in range(length)]),
                    f"bench {length}",
                    "script",
                )

                async def ours(length: int = length) -> Timing:
                    started, cpu = time.perf_counter(), time.thread_time()
                    run = coordinator.start(f"chain_{length}")
                    await run.wait()
                    elapsed = time.perf_counter() - started, time.thread_time() - cpu
                    assert run.status.value == "succeeded", run.error
                    return elapsed

                async def theirs(script: Script = script) -> Timing:
                    started, cpu = time.perf_counter(), time.thread_time()
                    await script.async_run(context=Context())
                    return time.perf_counter() - started, time.thread_time() - cpu

                results[str(length)] = await paired(ours, theirs, length, repeats)
            actions = await measure_actions(hass, repeats)
            await hass.config_entries.async_unload(entry.entry_id)
            await hass.async_block_till_done()
    return results, actions


async def paired(
    ours: Callable[[], Awaitable[Timing]],
    theirs: Callable[[], Awaitable[Timing]],
    length: int,
    repeats: int,
) -> dict[str, Any]:
    """Both sides' cost per step of a chain of `length`: medians and means, in turns."""
    await ours()
    await theirs()
    # Taken in turns, so a slower minute of this shared machine weighs on both.
    ours_times: list[float] = []
    their_times: list[float] = []
    ours_cpu: list[float] = []
    their_cpu: list[float] = []
    for _ in range(max(repeats, SAMPLE_TRANSITIONS // length)):
        wall, cpu = await ours()
        ours_times.append(wall)
        ours_cpu.append(cpu)
        wall, cpu = await theirs()
        their_times.append(wall)
        their_cpu.append(cpu)
    ours_us = statistics.median(ours_times) / length * 1e6
    theirs_us = statistics.median(their_times) / length * 1e6
    # Means too: a median leaves out the runs a garbage collection fell in.
    ours_mean = statistics.fmean(ours_times) / length * 1e6
    theirs_mean = statistics.fmean(their_times) / length * 1e6
    ours_cpu_us = statistics.median(ours_cpu) / length * 1e6
    theirs_cpu_us = statistics.median(their_cpu) / length * 1e6
    return {
        "ours_us_per_transition": round(ours_us, 1),
        "ha_script_us_per_step": round(theirs_us, 1),
        "ratio": round(theirs_us / ours_us, 2),
        "mean_ours_us_per_transition": round(ours_mean, 1),
        "mean_ha_script_us_per_step": round(theirs_mean, 1),
        "mean_ratio": round(theirs_mean / ours_mean, 2),
        "cpu_ours_us_per_transition": round(ours_cpu_us, 1),
        "cpu_ha_script_us_per_step": round(theirs_cpu_us, 1),
        "cpu_ratio": round(theirs_cpu_us / ours_cpu_us, 2),
    }


async def measure_actions(hass: Any, repeats: int) -> dict[str, Any]:
    """What a user's automation sees: our `stream_workflows.run` (`wait: true`) against a
    Home Assistant script entity of the same length (`script.<name>`, which waits), each
    with its own entities written and Home Assistant's own bookkeeping (a script keeps a
    trace of every run)."""
    from homeassistant.setup import async_setup_component

    from custom_components.stream_workflows.const import DOMAIN

    scripts = {
        f"bench_{length}": {
            "mode": "parallel",
            "sequence": [{"variables": {"step": index}} for index in range(length)],
        }
        for length in CHAIN_LENGTHS
    }
    assert await async_setup_component(hass, "script", {"script": scripts})
    await hass.async_block_till_done()
    results: dict[str, Any] = {}
    for length in CHAIN_LENGTHS:

        async def ours(length: int = length) -> Timing:
            started, cpu = time.perf_counter(), time.thread_time()
            response = await hass.services.async_call(
                DOMAIN,
                "run",
                {"workflow_id": f"chain_{length}", "wait": True},
                blocking=True,
                return_response=True,
            )
            elapsed = time.perf_counter() - started, time.thread_time() - cpu
            assert response["runs"][0]["status"] == "succeeded", response
            return elapsed

        async def theirs(length: int = length) -> Timing:
            started, cpu = time.perf_counter(), time.thread_time()
            await hass.services.async_call("script", f"bench_{length}", blocking=True)
            return time.perf_counter() - started, time.thread_time() - cpu

        results[str(length)] = await paired(ours, theirs, length, repeats)
    await hass.async_block_till_done()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per chain, at least")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    # Both sides log nothing per step; these are start-up notices only.
    logging.getLogger("homeassistant.loader").setLevel(logging.ERROR)
    logging.getLogger("aiohttp_fast_zlib").setLevel(logging.ERROR)
    chains, actions = asyncio.run(measure(args.repeats), debug=False)
    smallest, largest = chains[str(CHAIN_LENGTHS[0])], chains[str(CHAIN_LENGTHS[-1])]
    report = {
        "chains": chains,
        "via_actions": actions,
        "flatness": round(
            largest["ours_us_per_transition"] / smallest["ours_us_per_transition"], 2
        ),
        "goals": {"ratio_at_least": GOAL_RATIO, "flatness_at_most": GOAL_FLATNESS},
    }
    if args.json:
        print(json.dumps(report))
        return
    print(
        f"{'chain':>6}  {'ours µs/transition':>19}  {'HA script µs/step':>18}  {'ratio':>6}"
        f"  {'CPU ratio':>9}"
    )
    for length, figures in chains.items():
        print(
            f"{length:>6}  {figures['ours_us_per_transition']:>19}  "
            f"{figures['ha_script_us_per_step']:>18}  {figures['ratio']:>6}"
            f"  {figures['cpu_ratio']:>9}"
        )
    print(f"flatness (1,000 vs 20 per transition): {report['flatness']}")


if __name__ == "__main__":
    main()
