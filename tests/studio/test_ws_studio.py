"""The Studio's websocket commands on a real Home Assistant core: list, get, validate, save,
delete, duplicate, versions, restore, runs, run_detail, catalog and subscribe."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import CONF_FOLDER, DOMAIN
from custom_components.stream_workflows.studio.data import STUDIO
from custom_components.stream_workflows.studio.run_history import MAX_RUNS
from tests.studio.ws_client import Client, failed, ok, sender

WORKFLOWS = Path(__file__).parents[2] / "workflows"
SECRET = "sk-studio-very-secret"
NOOP = {"service": "internal", "action": "log", "params": {"message": "hello"}}

WATCHED: dict[str, Any] = {
    "id": "watched",
    "name": "Watched",
    "steps": [
        {
            "id": "say",
            "service": "internal",
            "action": "log",
            "params": {"message": "key ${config.api_key} now"},
        },
        {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 0.2}},
        {"id": "last", **NOOP},
    ],
}
STORED: dict[str, Any] = {
    "id": "stored_machine",
    "name": "Stored machine",
    "initial_state": "first",
    "states": [
        {
            "name": "first",
            "action": {"service": "internal", "method": "log", "params": {"message": "a"}},
            "transitions": {
                "success": [
                    {"if": {"path": "x", "equals": 1}, "target": "far"},
                    {"target": "done"},
                ],
                "error": "done",
            },
        },
        {"name": "far", "transitions": {"success": "done"}},
        {"name": "done"},
    ],
}
PARALLEL: dict[str, Any] = {
    "id": "forked",
    "name": "Forked",
    "steps": [
        {
            "id": "p",
            "parallel": [
                {"id": "a", **NOOP},
                {"steps": [{"id": "b", **NOOP}, {"id": "c", **NOOP}]},
            ],
        },
        {"id": "after", **NOOP, "if": {"path": "x", "equals": 1}},
    ],
}

QUICK: dict[str, Any] = {"id": "quick", "name": "Quick", "steps": [{"id": "a", **NOOP}]}


@pytest.fixture
async def entry(
    hass: HomeAssistant, enable_custom_integrations: None, tmp_path: Path
) -> MockConfigEntry:
    hass.config.config_dir = str(tmp_path)
    folder = tmp_path / "stream_workflows"
    folder.mkdir()
    shutil.copy(WORKFLOWS / "raid_workflow.json", folder / "raid_workflow.json")
    shutil.copy(WORKFLOWS / "stream_end_processing.json", folder / "stream_end_processing.json")
    (folder / "watched.json").write_text(json.dumps(WATCHED))
    (folder / "broken.json").write_text(json.dumps({"id": "broken", "steps": [{"id": 5}]}))
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Stream Workflows",
        data={CONF_FOLDER: "stream_workflows"},
        options={
            "variables": {"config": {"api_key": SECRET, "discord_channel_id": "1"}},
            "secret_variables": ["config.api_key"],
        },
        entry_id="stream_workflows_entry",
        unique_id="core",
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def ws(hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client: Any) -> Client:
    return sender(await hass_ws_client(hass))


async def test_list_shows_files_stored_and_invalid(ws: Client) -> None:
    assert ok(await ws("save", definition=STORED)) == {"workflow_id": "stored_machine"}
    workflows = {w["workflow_id"]: w for w in ok(await ws("list"))["workflows"]}
    assert workflows["watched"]["source"] == "file"
    assert workflows["watched"]["editable"] is False
    assert workflows["watched"]["path"].endswith("watched.json")
    assert workflows["stored_machine"]["source"] == "stored"
    assert workflows["stored_machine"]["editable"] is True
    assert workflows["stored_machine"]["shape"] == "state_machine"
    broken = next(w for w in workflows.values() if not w["valid"])
    assert broken["problems"]
    assert all(p["path"] and p["message"] for p in broken["problems"])
    assert workflows["watched"]["last_run"] is None
    assert workflows["watched"]["status"] == "idle"


async def test_get_gives_document_yaml_and_graph(ws: Client) -> None:
    got = ok(await ws("get", workflow_id="raid_workflow"))
    assert got["source"] == "file"
    assert got["editable"] is False
    assert got["definition"]["id"] == "raid_workflow"
    assert "initial_state: prepare_raid" in got["yaml"]
    graph = got["graph"]
    assert graph["shape"] == "state_machine"
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes["prepare_raid"]["action"] == "obs.set_current_scene"
    assert nodes["end_stream"]["kind"] == "final"
    labels = {(e["source"], e["target"]): (e["label"], e["kind"]) for e in graph["edges"]}
    assert labels[("prepare_raid", "announce_raid")] == ("success", "outcome")
    assert labels[("prepare_raid", "end_stream")] == ("error", "error")
    assert labels[("__start__", "prepare_raid")][1] == "next"
    dag = ok(await ws("get", workflow_id="stream_end_processing"))["graph"]
    assert dag["shape"] == "dag"
    assert {"source": "end_stream", "target": "save_vod", "kind": "dependency"}.items() <= next(
        e for e in dag["edges"] if e["target"] == "save_vod"
    ).items()
    assert failed(await ws("get", workflow_id="nope"), "unknown_workflow")


async def test_validate_locates_problems_and_draws_graphs(ws: Client) -> None:
    bad = ok(await ws("validate", definition={"id": "x", "steps": [{"id": "a", "service": "obs"}]}))
    assert bad["valid"] is False
    assert bad["graph"] is None
    assert any(p["path"].startswith("steps[0]") for p in bad["problems"]), bad
    good = ok(await ws("validate", definition=PARALLEL))
    assert good["valid"] is True
    assert good["problems"] == []
    nodes = {n["id"]: n for n in good["graph"]["nodes"]}
    assert nodes["p"]["kind"] == "parallel"
    assert nodes["a"]["parent"] == "p"
    assert nodes["c"]["parent"] == "p"
    edges = good["graph"]["edges"]
    assert any(e["source"] == "b" and e["target"] == "c" for e in edges)
    condition = next(e for e in edges if e["target"] == "after")
    assert condition["label"].startswith("if ")
    assert "x" in condition["label"]
    machine = ok(await ws("validate", definition=STORED))["graph"]
    conditional = next(e for e in machine["edges"] if e["target"] == "far")
    assert conditional["kind"] == "condition"
    assert conditional["label"].startswith("success if")


async def test_save_refuses_invalid_oversized_and_files(ws: Client, hass: HomeAssistant) -> None:
    message = failed(
        await ws("save", definition={"id": "x", "steps": [{"id": "a", "service": "obs"}]}),
        "invalid_definition",
    )
    assert "steps[0]" in message
    huge = {"id": "huge", "steps": [{"id": "a", **NOOP, "description": "x" * 300_000}]}
    assert failed(await ws("save", definition=huge), "definition_too_large")
    assert failed(await ws("validate", definition=huge), "definition_too_large")
    assert "duplicate" in failed(await ws("save", definition=WATCHED), "not_editable")
    assert failed(await ws("delete", workflow_id="watched"), "not_editable")
    assert failed(await ws("delete", workflow_id="nope"), "not_stored")
    listed = {w["workflow_id"] for w in ok(await ws("list"))["workflows"]}
    assert "huge" not in listed
    assert "x" not in listed


async def test_writes_need_an_administrator(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    hass_ws_client: Any,
    hass_read_only_access_token: str,
) -> None:
    reader = sender(await hass_ws_client(hass, hass_read_only_access_token))
    for command, data in (
        ("save", {"definition": STORED}),
        ("delete", {"workflow_id": "watched"}),
        ("duplicate", {"workflow_id": "watched"}),
        ("restore", {"workflow_id": "watched", "version": 1}),
    ):
        assert failed(await reader(command, **data), "unauthorized")
    assert ok(await reader("list"))["workflows"]  # reading is for everyone


async def test_versions_restore_and_duplicate(ws: Client) -> None:
    ok(await ws("save", definition=STORED))
    assert ok(await ws("versions", workflow_id="stored_machine")) == {"versions": []}
    ok(await ws("save", definition={**STORED, "name": "Renamed"}))
    versions = ok(await ws("versions", workflow_id="stored_machine"))["versions"]
    assert [v["version"] for v in versions] == [1]
    assert versions[0]["summary"] == "Stored machine: 3 states"
    assert versions[0]["saved_at"]
    assert ok(await ws("restore", workflow_id="stored_machine", version=1))
    got = ok(await ws("get", workflow_id="stored_machine"))
    assert got["definition"]["name"] == "Stored machine"
    versions = ok(await ws("versions", workflow_id="stored_machine"))["versions"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["summary"] == "Renamed: 3 states"
    assert failed(await ws("restore", workflow_id="stored_machine", version=9), "unknown_version")
    copied = ok(await ws("duplicate", workflow_id="watched"))["workflow_id"]
    assert copied == "watched_copy"
    got = ok(await ws("get", workflow_id=copied))
    assert got["editable"] is True
    assert got["definition"]["name"] == "Watched (copy)"
    named = ok(await ws("duplicate", workflow_id="raid_workflow", new_id="my_raid"))
    assert named == {"workflow_id": "my_raid"}
    assert failed(await ws("duplicate", workflow_id="watched", new_id="my_raid"), "workflow_exists")
    assert failed(await ws("duplicate", workflow_id="nope"), "unknown_workflow")
    ok(await ws("delete", workflow_id="my_raid"))
    assert [v["version"] for v in ok(await ws("versions", workflow_id="my_raid"))["versions"]] == [
        1
    ]


async def test_catalog_has_forms_and_input_types(ws: Client) -> None:
    catalog = ok(await ws("catalog"))
    wait = catalog["services"]["internal"]["actions"]["wait"]
    assert wait["description"]
    assert any(field["name"] == "seconds" for field in wait["fields"]), wait
    assert "obs" in catalog["services"]
    assert {t["type"] for t in catalog["input_types"]} >= {"string", "number", "boolean"}


async def _events_until_finished(client: Any, sub_id: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        while True:
            message = await client.receive_json()
            assert message["id"] == sub_id
            events.append(message["event"])
            if message["event"].get("change") == "finished":
                return events


async def test_subscribe_follows_a_watched_rehearsal_and_history_keeps_it(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client: Any
) -> None:
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": f"{DOMAIN}/subscribe", "workflow_id": "watched"})
    subscribed = await client.receive_json()
    assert subscribed["success"]
    await hass.services.async_call(
        DOMAIN,
        "run",
        {"workflow_id": "watched", "rehearsal": True, "virtual_time": False},
        blocking=True,
    )
    events = await _events_until_finished(client, subscribed["id"])
    assert events[0]["change"] == "started"
    # Each step is told as it is entered (and, its outcome known, as it is left).
    entered = [e["state"] for e in events if e["change"] == "state" and e["current"]]
    assert [s for i, s in enumerate(entered) if i == 0 or entered[i - 1] != s][:3] == [
        "say",
        "hold",
        "last",
    ], events
    left = next(e for e in events if e["change"] == "state" and not e["current"])
    assert left["outcomes"] == {"say": "success"}
    hold = next(e for e in events if e.get("state") == "hold")
    assert hold["current"] == ["hold"]
    assert hold["outcomes"] == {"say": "success"}
    assert hold["rehearsal"] is True
    assert hold["progress"][1] == 3
    finished = events[-1]
    assert finished["status"] == "succeeded"
    assert finished["path"] == ["say", "hold", "last"]
    run_id = finished["run_id"]

    send = sender(await hass_ws_client(hass))
    runs = ok(await send("runs", workflow_id="watched"))["runs"]
    assert runs[0]["run_id"] == run_id
    assert runs[0]["trigger"] == {"kind": "rehearsal"}
    assert runs[0]["path"] == ["say", "hold", "last"]
    detail = ok(await send("run_detail", run_id=run_id))
    steps = {s["step"]: s for s in detail["steps"]}
    assert steps["say"]["outcome"] == "success"
    assert steps["say"]["params"]["message"]
    assert steps["hold"]["duration_ms"] is not None
    assert steps["hold"]["retries"] == 0
    assert SECRET not in json.dumps(detail)
    assert SECRET not in json.dumps(runs)
    assert failed(await send("run_detail", run_id="nope"), "unknown_run")

    await hass.services.async_call(
        DOMAIN, "run", {"workflow_id": "watched", "wait": True}, blocking=True
    )
    await hass.async_block_till_done()
    runs = ok(await send("runs", workflow_id="watched"))["runs"]
    assert [r["trigger"]["kind"] for r in runs[:2]] == ["service", "rehearsal"]
    assert SECRET not in json.dumps(ok(await send("run_detail", run_id=runs[0]["run_id"])))
    listed = next(w for w in ok(await send("list"))["workflows"] if w["workflow_id"] == "watched")
    assert listed["last_run"]["run_id"] == runs[0]["run_id"]

    # Kept across a restart: written, then read back by a new set of stores.
    await hass.data[STUDIO].history.async_flush()
    hass.data.pop(STUDIO)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    again = sender(await hass_ws_client(hass))
    kept = ok(await again("runs", workflow_id="watched"))["runs"]
    assert [r["run_id"] for r in kept] == [r["run_id"] for r in runs]
    assert ok(await again("run_detail", run_id=run_id))["steps"]


async def test_subscribe_reports_workflow_changes_and_history_is_bounded(
    hass: HomeAssistant, entry: MockConfigEntry, hass_ws_client: Any
) -> None:
    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": f"{DOMAIN}/subscribe"})
    subscribed = await client.receive_json()
    assert subscribed["success"]
    send = sender(await hass_ws_client(hass))
    ok(
        await send(
            "save", definition={"id": "quick", "name": "Quick", "steps": [{"id": "a", **NOOP}]}
        )
    )
    async with asyncio.timeout(5):
        message = await client.receive_json()
    assert message["event"] == {"change": "workflows"}
    ok(await send("delete", workflow_id="quick"))
    async with asyncio.timeout(5):
        message = await client.receive_json()
    assert message["event"] == {"change": "workflows"}
    ok(
        await send(
            "save", definition={"id": "quick", "name": "Quick", "steps": [{"id": "a", **NOOP}]}
        )
    )
    async with asyncio.timeout(5):
        message = await client.receive_json()
    assert message["event"] == {"change": "workflows"}
    for _ in range(MAX_RUNS + 3):
        await hass.services.async_call(
            DOMAIN, "run", {"workflow_id": "quick", "wait": True}, blocking=True
        )
    await hass.async_block_till_done()
    assert len(ok(await send("runs", workflow_id="quick"))["runs"]) == MAX_RUNS


async def test_every_save_of_a_stored_workflow_keeps_a_version(
    ws: Client, hass: HomeAssistant
) -> None:
    """The save_workflow action (not only the Studio) keeps the version it replaces, and so
    does its delete_workflow; a first save has nothing to keep."""
    await hass.services.async_call(
        DOMAIN, "save_workflow", {"definition": QUICK}, blocking=True, return_response=True
    )
    assert ok(await ws("versions", workflow_id="quick")) == {"versions": []}
    await hass.services.async_call(
        DOMAIN,
        "save_workflow",
        {"definition": {**QUICK, "name": "Quicker"}},
        blocking=True,
        return_response=True,
    )
    versions = ok(await ws("versions", workflow_id="quick"))["versions"]
    assert [(v["version"], v["summary"]) for v in versions] == [(1, "Quick: 1 steps")]
    # the Studio's save after the action's: one more version, the action's document
    ok(await ws("save", definition={**QUICK, "name": "Quickest"}))
    versions = ok(await ws("versions", workflow_id="quick"))["versions"]
    assert [(v["version"], v["summary"]) for v in versions] == [
        (2, "Quicker: 1 steps"),
        (1, "Quick: 1 steps"),
    ]
    await hass.services.async_call(
        DOMAIN, "delete_workflow", {"workflow_id": "quick"}, blocking=True
    )
    versions = ok(await ws("versions", workflow_id="quick"))["versions"]
    assert versions[0]["summary"] == "Quickest: 1 steps"
    # restore brings the deleted workflow back, from the version kept
    ok(await ws("restore", workflow_id="quick", version=3))
    assert ok(await ws("get", workflow_id="quick"))["definition"]["name"] == "Quickest"
    assert len(ok(await ws("versions", workflow_id="quick"))["versions"]) == 3


async def test_list_tells_whether_triggers_are_enabled(ws: Client) -> None:
    """An imported workflow's triggers start off (`enabled: false`): the list says so."""
    off = {"trigger": "stream_event", "event": "raid_incoming", "enabled": False}
    ok(await ws("save", definition={**QUICK, "id": "off", "trigger": off}))
    ok(await ws("save", definition={**QUICK, "id": "on", "trigger": "raid_incoming"}))
    ok(await ws("save", definition={**QUICK, "id": "half", "triggers": [off, "go_live"]}))
    listed = {w["workflow_id"]: w for w in ok(await ws("list"))["workflows"]}
    assert (listed["off"]["enabled"], listed["off"]["triggers"]) == (False, [0, 1])
    assert (listed["on"]["enabled"], listed["on"]["triggers"]) == (True, [1, 1])
    assert (listed["half"]["enabled"], listed["half"]["triggers"]) == (True, [1, 2])
    assert listed["watched"]["enabled"] is None  # no trigger: started by hand


async def test_catalog_gives_function_checked_parameters_their_types(ws: Client) -> None:
    """Parameters checked by a function get the type the function checks, and the selector
    that draws it: numbers with their range (seconds as such), booleans, mappings, lists."""
    services = ok(await ws("catalog"))["services"]

    def field(service: str, action: str, name: str) -> dict[str, Any]:
        fields = services[service]["actions"][action]["fields"]
        return dict(next(f for f in fields if f["name"] == name))

    seconds = field("internal", "wait", "seconds")
    assert (seconds["type"], seconds["valueMin"], seconds["unit"]) == ("float", 0, "s")
    assert seconds["selector"]["number"]["unit_of_measurement"] == "s"
    poll = field("twitch", "create_poll", "duration")
    assert (poll["type"], poll["valueMin"], poll["valueMax"]) == ("integer", 15, 1800)
    assert poll["selector"]["number"]["step"] == 1
    clip = field("twitch", "create_clip", "duration")
    assert (clip["type"], clip["valueMin"], clip["valueMax"]) == ("float", 5, 60)
    assert field("obs", "set_input_mute", "muted")["selector"] == {"boolean": {}}
    assert field("internal", "fire_event", "data")["type"] == "object"
    assert field("twitch", "update_channel", "tags")["type"] == "list"
    choices = field("twitch", "create_poll", "choices")
    assert (choices["type"], choices["lengthMin"], choices["lengthMax"]) == ("list", 2, 5)
    assert field("twitch", "raid_channel", "target_channel")["type"] == "string"
    assert field("internal", "log", "level")["type"] == "select"  # unchanged
