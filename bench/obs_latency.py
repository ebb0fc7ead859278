"""Scene-switch latency: our OBS adapter vs obsws-python called directly, same OBS, one run.

Starts its own headless OBS (local_peers/obs_headless.py), then switches the program
scene `--samples` times each way, interleaved (ours then direct, direct then ours, with a
10 ms rest before each call) so both see the same conditions:
- ours: `await ObsAdapter(ObsConnection).execute("set_current_scene", ...)`, i.e. the
  executor hop, request/answer matching and result building the engine pays for an action.
- direct: `obsws_python.ReqClient.set_current_program_scene(...)`, blocking, on the same thread.

`--json` prints one JSON object: ours_p50_ms, ours_p99_ms, direct_p50_ms, direct_p99_ms,
samples, plus overhead figures and the OBS version.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from custom_components.stream_workflows.adapters.obs import ObsAdapter  # noqa: E402
from custom_components.stream_workflows.adapters.obs.connection import ObsConnection  # noqa: E402
from local_peers.obs_headless import HeadlessObs, missing_tools  # noqa: E402

SCENES = ("Main", "BRB")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


GAP = 0.01  # seconds of rest before each measured call


async def _ours(adapter: ObsAdapter, scene: str) -> float:
    params = {"scene_name": scene}
    start = time.perf_counter()
    await adapter.execute("set_current_scene", params, None)  # type: ignore[arg-type]
    return time.perf_counter() - start


def _direct(client: Any, scene: str) -> float:
    start = time.perf_counter()
    client.set_current_program_scene(scene)
    return time.perf_counter() - start


async def measure(obs: HeadlessObs, samples: int, warmup: int) -> dict[str, Any]:
    import obsws_python

    connection = ObsConnection("127.0.0.1", obs.port, obs.password)
    await connection.start()
    if not connection.connected:
        raise RuntimeError(f"cannot connect to OBS: {connection.last_error}")
    adapter = ObsAdapter(connection)
    direct = obsws_python.ReqClient(
        host="127.0.0.1", port=obs.port, password=obs.password, timeout=10
    )
    ours_ms: list[float] = []
    direct_ms: list[float] = []
    try:
        gc.disable()
        for index in range(warmup + samples):
            # Each call really switches (Main <-> BRB); who goes first alternates, and OBS gets
            # a short rest before each measured call so neither pays for the other's switch.
            first, second = SCENES[index % 2], SCENES[(index + 1) % 2]
            ours_first = index % 4 < 2
            await asyncio.sleep(GAP)
            if ours_first:
                ours = await _ours(adapter, first)
            else:
                straight = _direct(direct, first)
            await asyncio.sleep(GAP)
            if ours_first:
                straight = _direct(direct, second)
            else:
                ours = await _ours(adapter, second)
            if index >= warmup:
                ours_ms.append(ours * 1000)
                direct_ms.append(straight * 1000)
    finally:
        gc.enable()
        direct.disconnect()
        version = connection.snapshot().obs_version
        await connection.stop()
    overhead = [a - b for a, b in zip(ours_ms, direct_ms, strict=True)]
    return {
        "ours_p50_ms": round(percentile(ours_ms, 0.50), 3),
        "ours_p99_ms": round(percentile(ours_ms, 0.99), 3),
        "direct_p50_ms": round(percentile(direct_ms, 0.50), 3),
        "direct_p99_ms": round(percentile(direct_ms, 0.99), 3),
        "samples": samples,
        "overhead_p50_ms": round(percentile(ours_ms, 0.50) - percentile(direct_ms, 0.50), 3),
        "overhead_p99_ms": round(percentile(ours_ms, 0.99) - percentile(direct_ms, 0.99), 3),
        "ours_mean_ms": round(statistics.fmean(ours_ms), 3),
        "direct_mean_ms": round(statistics.fmean(direct_ms), 3),
        "paired_overhead_p50_ms": round(percentile(overhead, 0.50), 3),
        "obs_version": version,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=30)
    args = parser.parse_args(argv)
    if args.samples < 200:
        parser.error("--samples must be at least 200")
    missing = missing_tools()
    if missing:
        print(f"error: {', '.join(missing)} not installed", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="obs-bench-") as tmp:
        obs = HeadlessObs(Path(tmp))
        obs.start()
        try:
            result = asyncio.run(measure(obs, args.samples, args.warmup))
        finally:
            obs.stop()
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
