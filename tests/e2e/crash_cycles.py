"""SIGKILL a real `hass` process at random moments while workflow runs move, and check what
survives: the crash test (a few cycles) and the soak benchmark (many) share this.

The probe workflow alternates an external action and a short wait. Each external action is a
`shell_command` that appends "RUN STEP" to a marks file outside Home Assistant, so the marks
are what really happened, whatever Home Assistant saved. After every kill:

- lost: a run with a mark (its first external step was dispatched) that is neither in the
  checkpoint on disk nor finished (its last step marked) — the contract says 0;
- repeated: a (run, step) marked twice — with `interrupted_action: error` an action that was in
  flight is failed, never run again, so the contract says 0;
- unsaved starts: runs whose start the `run` action answered but which are not on disk and never
  dispatched anything (the window between answering and the first write; reported, not a
  contract breach: nothing of them happened);
- not restored: runs on disk, unfinished, that the restarted Home Assistant does not run.
"""

from __future__ import annotations

import json
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.bridge.hass_process import HassProcess, _run

PROBE_ID = "crash_probe"
STEPS = 30  # external marks per run; each followed by a short wait
LAST_ACTION = 2 * STEPS - 2  # the index of the last mark among the steps


def probe_yaml(wait: float) -> str:
    lines = [
        f"id: {PROBE_ID}",
        "name: Crash probe",
        "mode: parallel",
        "max: 200",
        "interrupted_action: error",
        "error_policy: continue",
        "steps:",
    ]
    for index in range(1, STEPS + 1):
        lines += [
            f"  - id: m{index}",
            "    service: homeassistant",
            "    action: shell_command.mark",
            "    params:",
            f'      data: {{run: "${{run.id}}", step: m{index}}}',
            f"  - id: w{index}",
            "    service: internal",
            "    action: wait",
            f"    params: {{seconds: {wait}}}",
        ]
    return "\n".join(lines) + "\n"


class CrashHass(HassProcess):
    """`HassProcess` with the probe workflow, a `shell_command` writing marks, diagnostics."""

    def __init__(self, config_dir: Path, *, wait: float = 0.15) -> None:
        super().__init__(config_dir)
        self.wait = wait
        self.marks = config_dir / "marks.log"

    def write_config(self) -> None:
        super().write_config()
        (self.config_dir / "stream_workflows" / f"{PROBE_ID}.yaml").write_text(
            probe_yaml(self.wait)
        )
        with (self.config_dir / "configuration.yaml").open("a") as config:
            config.write(
                "diagnostics:\n"
                "logger:\n"
                "  logs:\n"
                "    custom_components.stream_workflows.coordinator: info\n"
                "    custom_components.stream_workflows.run_persistence: info\n"
                "shell_command:\n"
                f"  mark: \"/bin/sh -c 'echo {{{{ run }}}} {{{{ step }}}} >> {self.marks}'\"\n"
            )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def read_marks(self) -> list[tuple[str, str]]:
        if not self.marks.exists():
            return []
        found: list[tuple[str, str]] = []
        for line in self.marks.read_text().splitlines():
            run, _, step = line.strip().partition(" ")
            if run and step:
                found.append((run, step))
        return found

    def log_size(self) -> int:
        path = self.config_dir / "hass.log"
        return path.stat().st_size if path.exists() else 0

    def restored_since(self, offset: int) -> set[str]:
        """Run ids the log says were restored, after byte `offset` of the log."""
        with (self.config_dir / "hass.log").open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        return {
            line.split("Restored run ", 1)[1].split(" ", 1)[0]
            for line in text.splitlines()
            if "Restored run " in line
        }

    def saved_runs(self) -> dict[str, dict[str, Any]]:
        path = self.config_dir / ".storage" / "stream_workflows.runs"
        if not path.exists():
            return {}
        data = json.loads(path.read_text())["data"]
        return {run["run_id"]: run for run in data.get("runs", [])}

    async def start_runs(self, count: int) -> list[str]:
        """Start `count` probe runs; the run ids the `run` action answered with."""
        ids: list[str] = []
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{self.url}/api/websocket") as ws,
        ):
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": self.token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            for number in range(1, count + 1):
                await ws.send_json(
                    {
                        "id": number,
                        "type": "call_service",
                        "domain": "stream_workflows",
                        "service": "run",
                        "service_data": {"workflow_id": PROBE_ID},
                        "return_response": True,
                    }
                )
            while len(ids) < count:
                reply = await ws.receive_json()
                if reply.get("type") == "result":
                    if not reply["success"]:
                        raise RuntimeError(json.dumps(reply["error"]))
                    ids.extend(run["run_id"] for run in reply["result"]["response"]["runs"])
        return ids

    async def active_runs(self) -> set[str]:
        """Probe runs the running Home Assistant has, from its diagnostics."""
        entries = await self.command({"type": "config_entries/get", "domain": "stream_workflows"})
        core = next(entry for entry in entries if entry["title"] == "Stream Workflows")
        headers = {"Authorization": f"Bearer {self.token}"}
        url = f"{self.url}/api/diagnostics/config_entry/{core['entry_id']}"
        async with aiohttp.ClientSession(headers=headers) as session, session.get(url) as resp:
            assert resp.status == 200, await resp.text()
            found = await resp.json()
        return {run["run_id"] for run in found["data"]["runs"] if run["workflow_id"] == PROBE_ID}

    async def cancel_probe(self) -> None:
        """Cancel what is left of the probe (clean-up: every run may have finished by now)."""
        try:
            await self.command(
                {
                    "type": "call_service",
                    "domain": "stream_workflows",
                    "service": "cancel",
                    "service_data": {"workflow_id": PROBE_ID},
                }
            )
        except RuntimeError as err:
            if "no run that is running" not in str(err):
                raise


@dataclass
class Tally:
    cycles: int = 0
    runs_started: int = 0
    steps_marked: int = 0
    lost: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)
    unsaved_starts: list[str] = field(default_factory=list)
    not_restored: list[str] = field(default_factory=list)
    kill_after: list[float] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cycles": self.cycles,
            "runs_started": self.runs_started,
            "steps_marked": self.steps_marked,
            "runs_lost": len(self.lost),
            "steps_repeated": len(self.repeated),
            "unsaved_starts": len(self.unsaved_starts),
            "not_restored": len(self.not_restored),
            "examples": {
                "lost": self.lost[:5],
                "repeated": self.repeated[:5],
                "unsaved_starts": self.unsaved_starts[:5],
                "not_restored": self.not_restored[:5],
            },
        }


def crash_cycles(
    hass: CrashHass, cycles: int, *, seed: int, runs_per_cycle: int = 4, max_kill: float = 2.0
) -> Tally:
    """`cycles` times: start runs at random moments, SIGKILL at a random moment, check the
    disk, start again, check the restore."""
    rng = random.Random(seed)
    tally = Tally()
    answered: set[str] = set()
    finished: set[str] = set()
    last_index: dict[str, int] = {}  # each run's position in the newest checkpoint it was in
    hass.start()
    # Once gracefully, so that Home Assistant saves the test's access token: its auth store
    # is written a moment after the token is made, and a kill then would lose it.
    hass.restart()
    for _ in range(cycles):
        kill_at = rng.uniform(0.05, max_kill)
        starts = sorted(rng.uniform(0, kill_at) for _ in range(runs_per_cycle))
        began = time.monotonic()
        for at in starts:
            time.sleep(max(0.0, at - (time.monotonic() - began)))
            answered.update(_run(hass.start_runs(1)))
        time.sleep(max(0.0, kill_at - (time.monotonic() - began)))
        hass.kill()
        tally.cycles += 1
        tally.kill_after.append(kill_at)

        marks = hass.read_marks()
        saved = hass.saved_runs()
        marked_runs = {run for run, _ in marks}
        finished |= {run for run, step in marks if step == f"m{STEPS}"}
        # A run whose last action was in flight at an earlier kill ends without its last
        # mark (interrupted_action: error): seen saved at its last action, it finished.
        finished |= {run for run, index in last_index.items() if index >= LAST_ACTION}
        for run in sorted(marked_runs - set(saved) - finished):
            if run not in tally.lost:
                tally.lost.append(run)
        for run_id, run in saved.items():
            last_index[run_id] = int(run.get("position", {}).get("index", 0))
        for run in sorted(answered - set(saved) - marked_runs - finished):
            if run not in tally.unsaved_starts:
                tally.unsaved_starts.append(run)

        offset = hass.log_size()
        started = time.monotonic()
        hass.start()
        tally.restart_seconds.append(time.monotonic() - started)
        restored = _wait_restored(hass, offset, saved)
        unfinished = {
            run_id
            for run_id, run in saved.items()
            if run.get("workflow_id") == PROBE_ID and run.get("status") in ("running", "paused")
        }
        for run in sorted(unfinished - restored):
            if run not in tally.not_restored:
                tally.not_restored.append(run)
    time.sleep(1.0)  # let restored runs dispatch again, where repeats would show
    marks = hass.read_marks()
    tally.runs_started = len(answered)
    tally.steps_marked = len(marks)
    tally.repeated = [f"{run} {step}" for (run, step), n in Counter(marks).items() if n > 1]
    _run(hass.cancel_probe())
    return tally


def _wait_restored(hass: CrashHass, offset: int, saved: dict[str, Any]) -> set[str]:
    """The runs restored after this start (they are restored once Home Assistant has
    started, which `start` waited for; the log line can come a moment later)."""
    wanted = {run_id for run_id, run in saved.items() if run.get("workflow_id") == PROBE_ID}
    deadline = time.monotonic() + 10
    restored = hass.restored_since(offset)
    while not wanted <= restored and time.monotonic() < deadline:
        time.sleep(0.1)
        restored = hass.restored_since(offset)
    return restored
