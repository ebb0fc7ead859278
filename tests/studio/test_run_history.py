"""The Studio's stores on a real Home Assistant core: a finished run's record is made when
it is read or saved, with the secrets of the run's end; what a save reads (in the executor
thread on Home Assistant 2025.4) is never changed, for the runs and the versions alike; the
history keeps within its bytes."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers.json import json_bytes
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.runtime import coordinator_of
from custom_components.stream_workflows.studio import run_history
from custom_components.stream_workflows.studio.data import STUDIO
from custom_components.stream_workflows.studio.run_record import FinishedRun
from tests.studio.test_ws_studio import QUICK, SECRET, entry  # noqa: F401
from tests.studio.ws_client import failed, ok, sender


async def run_and_wait(hass: HomeAssistant, workflow_id: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "run",
        {"workflow_id": workflow_id, "wait": True},
        blocking=True,
        return_response=True,
    )
    await hass.async_block_till_done()
    assert response is not None
    (outcome,) = response["runs"]
    assert outcome["status"] == "succeeded", outcome
    return dict(outcome)


async def test_a_record_is_made_when_read_with_the_secrets_of_the_runs_end(
    hass: HomeAssistant,
    entry: MockConfigEntry,  # noqa: F811
    hass_ws_client: Any,
) -> None:
    coordinator = coordinator_of(entry)
    seen: list[Any] = []
    coordinator.async_add_run_listener(lambda run, _change: seen.append(run))
    response = await run_and_wait(hass, "watched")
    run = next(run for run in seen if run.run_id == response["run_id"])
    # The log step's result holds the rendered message: the secret, unless redacted.
    assert SECRET in json.dumps(run.results, default=str)
    history = hass.data[STUDIO].history
    assert isinstance(history._runs["watched"][0], FinishedRun)  # no record made at the end

    # The secrets change (the option is cleared) before anyone reads the record.
    coordinator.secrets.update({}, [])
    send = sender(await hass_ws_client(hass))
    detail = ok(await send("run_detail", run_id=run.run_id))
    assert [step["step"] for step in detail["steps"]] == ["say", "hold", "last"]
    # A real run's steps show their parameters as the definition writes them.
    params = {step["step"]: step["params"] for step in detail["steps"]}
    assert params == {
        "say": {"message": "key ${config.api_key} now"},
        "hold": {"seconds": 0.2},
        "last": {"message": "hello"},
    }
    assert all(step["duration_ms"] is not None for step in detail["steps"])
    assert SECRET not in json.dumps(detail)
    assert SECRET not in json.dumps(ok(await send("runs", workflow_id="watched")))
    saved = json.dumps(history._to_save())
    assert run.run_id in saved
    assert SECRET not in saved


async def test_what_a_save_reads_is_never_changed(
    hass: HomeAssistant,
    entry: MockConfigEntry,  # noqa: F811
    hass_ws_client: Any,
) -> None:
    send = sender(await hass_ws_client(hass))
    ok(await send("save", definition=QUICK))
    for _ in range(3):
        await run_and_wait(hass, "quick")
    history = hass.data[STUDIO].history
    published = history._runs
    as_published = {workflow_id: list(kept) for workflow_id, kept in published.items()}

    # New runs push the oldest out, a record is read (made), the byte bound drops runs.
    for _ in range(run_history.MAX_RUNS + 2):
        await run_and_wait(hass, "quick")
    newest = ok(await send("runs", workflow_id="quick"))["runs"][0]["run_id"]
    assert ok(await send("run_detail", run_id=newest))["steps"]
    assert len(history.runs("quick")) == run_history.MAX_RUNS

    assert history._runs is not published
    assert {workflow_id: list(kept) for workflow_id, kept in published.items()} == as_published


async def test_the_history_keeps_within_its_bytes(
    hass: HomeAssistant,
    entry: MockConfigEntry,  # noqa: F811
    hass_ws_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bound = 12_000
    monkeypatch.setattr(run_history, "MAX_TOTAL_BYTES", bound)
    send = sender(await hass_ws_client(hass))
    ok(await send("save", definition=QUICK))
    for _ in range(15):
        await run_and_wait(hass, "quick")
    await run_and_wait(hass, "watched")
    saved = hass.data[STUDIO].history._to_save()["runs"]
    kept = [record for records in saved.values() for record in records]
    assert 0 < len(kept) < 16  # the oldest went
    assert sum(len(json_bytes(record)) for record in kept) <= bound
    assert saved["watched"][0]["steps"]  # the newest is kept whole


async def test_saves_keep_coming_while_runs_keep_finishing(
    hass: HomeAssistant,
    entry: MockConfigEntry,  # noqa: F811
    hass_ws_client: Any,
    hass_storage: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A finished run is saved at most `SAVE_DELAY` after it finished, however often runs
    finish: with a trailing debounce nothing would be saved until they stop."""
    monkeypatch.setattr(run_history, "SAVE_DELAY", 0.3)
    send = sender(await hass_ws_client(hass))
    ok(await send("save", definition=QUICK))
    first = (await run_and_wait(hass, "quick"))["run_id"]
    deadline = time.monotonic() + 20  # a hang guard, not a timing assertion
    runs = 1
    while time.monotonic() < deadline:
        saved = hass_storage.get(run_history.STORAGE_KEY, {}).get("data", {}).get("runs", {})
        if any(record["run_id"] == first for record in saved.get("quick", ())):
            break
        await run_and_wait(hass, "quick")  # another run finishes before the delay is over
        runs += 1
        await asyncio.sleep(0.05)
    else:
        pytest.fail(f"no save in 20 s while {runs} runs finished")
    assert runs >= 3  # several runs finished while the first one's save was due


async def test_what_a_versions_save_reads_is_never_changed(
    hass: HomeAssistant,
    entry: MockConfigEntry,  # noqa: F811
    hass_ws_client: Any,
) -> None:
    send = sender(await hass_ws_client(hass))
    ok(await send("save", definition=QUICK))
    ok(await send("save", definition={**QUICK, "name": "Quick 2"}))
    versions = hass.data[STUDIO].versions
    published = versions._to_save()["workflows"]
    as_published = {workflow_id: list(kept) for workflow_id, kept in published.items()}
    ok(await send("save", definition={**QUICK, "name": "Quick 3"}))
    ok(await send("save", definition={**QUICK, "id": "quick_other"}))
    assert versions._to_save()["workflows"] is not published
    assert {workflow_id: list(kept) for workflow_id, kept in published.items()} == as_published
    assert len(ok(await send("versions", workflow_id="quick"))["versions"]) == 2


async def test_run_detail_answers_a_run_going_and_exactly_the_runs_listed(
    hass: HomeAssistant,
    entry: MockConfigEntry,  # noqa: F811
    hass_ws_client: Any,
) -> None:
    """A run still going is the engine's: its detail is what it shows now. A finished run
    is the history's: its detail is there as long as `runs` lists it, and not after."""
    coordinator = coordinator_of(entry)
    send = sender(await hass_ws_client(hass))
    going = coordinator.start("watched")  # its `hold` step waits 0.2 s
    detail = ok(await send("run_detail", run_id=going.run_id))
    assert detail["run_id"] == going.run_id
    assert detail["status"] == "running"
    await going.wait()
    await hass.async_block_till_done()
    assert ok(await send("run_detail", run_id=going.run_id))["status"] == "succeeded"

    ok(await send("save", definition=QUICK))
    first = (await run_and_wait(hass, "quick"))["run_id"]
    for _ in range(run_history.MAX_RUNS):
        await run_and_wait(hass, "quick")
    listed = [run["run_id"] for run in ok(await send("runs", workflow_id="quick"))["runs"]]
    assert len(listed) == run_history.MAX_RUNS
    assert first not in listed
    failed(await send("run_detail", run_id=first), "unknown_run")
    assert ok(await send("run_detail", run_id=listed[-1]))["run_id"] == listed[-1]
