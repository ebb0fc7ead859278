"""A workflow folder full of hostile files: Home Assistant sets up, every good workflow is
there, each bad file has its own Repairs issue, and a run's failure never touches the loop."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import slugify
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.stream_workflows.const import DOMAIN

from .test_setup import entity_id

NOOP = "steps:\n  - {id: a, service: internal, action: noop}\n"


def bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def dag(count: int, *, cycle: bool) -> str:
    """A chain of `count` nodes listed in reverse order; closed into a cycle when asked."""
    nodes = [
        {
            "id": f"n{i}",
            "service": "internal",
            "action": "noop",
            **({"depends_on": [f"n{i - 1}"]} if i else {}),
        }
        for i in reversed(range(count))
    ]
    if cycle:
        nodes[-1]["depends_on"] = [f"n{count - 1}"]
    return json.dumps({"id": "cycle" if cycle else "long_chain", "nodes": nodes})


BAD_FILES: dict[str, str] = {
    "on_key.yaml": "id: on_key\non: x\n" + NOOP,
    "int_tag.yaml": "id: int_tag\nversion: !!int abc\n" + NOOP,
    "bool_tag.yaml": "id: bool_tag\nversion: !!bool maybe\n" + NOOP,
    "big_int.yaml": f"id: big_int\nversion: {'9' * 5000}\n" + NOOP,
    "deep.json": "[" * 10_000 + "]" * 10_000,
    "circular.yaml": "id: circular\nsteps: &s [*s]\n",
    "bomb.yaml": bomb(),
    "duplicate.json": '{"id": "dup", "id": "dup2", "steps": []}',
    "long_timeout.yaml": (
        "id: long_timeout\nsteps:\n"
        f"  - {{id: a, service: internal, action: noop, timeout: {'9' * 400}}}\n"
    ),
    "twitch_infinity.yaml": (
        "id: twitch_infinity\nsteps:\n  - {id: a, service: twitch, action: create_poll,\n"
        "     params: {title: t, choices: [a, b], duration: .inf}}\n"
    ),
    "deep_regex.yaml": (
        "id: deep_regex\nsteps:\n  - {id: a, service: internal, action: noop,\n"
        f"     if: {{path: x, matches: '{'(' * 3000}a{')' * 3000}'}}}}\n"
    ),
    "huge_repeat.yaml": (
        "id: huge_repeat\nsteps:\n  - {id: a, service: internal, action: noop,\n"
        "     if: {path: x, matches: 'a{4294967296}'}}\n"
    ),
    "retry_interval.yaml": (
        "id: retry_interval\nsteps:\n  - {id: a, service: internal, action: noop,\n"
        "     retry: {max_attempts: 3, interval: 1000000000000}}\n"
    ),
    "newline_id.yaml": 'id: "newline\\n"\n' + NOOP,
    "cycle.json": dag(2000, cycle=True),
}
GOOD_FILES: dict[str, str] = {
    "impossible_date.yaml": "id: impossible_date\nname: 2020-13-45\n" + NOOP,
    "long_chain.json": dag(2000, cycle=False),
    "keeps_failing.yaml": (
        "id: keeps_failing\nsteps:\n"
        "  - {id: call, service: homeassistant, action: test.fail, retry: {max_attempts: 50}}\n"
    ),
}


async def test_a_folder_of_hostile_files_sets_up(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    workflow_folder: Path,
    seed_workflows: Path,
    setup_entry: Callable[[], Any],
) -> None:
    for name, text in {**BAD_FILES, **GOOD_FILES}.items():
        write_workflow(name, text)
    os.mkfifo(workflow_folder / "fifo.json")
    (workflow_folder / "zero.json").symlink_to("/dev/zero")
    entry = await setup_entry()
    workflows = entry.runtime_data.workflows
    assert sorted(workflows) == sorted(
        [
            "impossible_date",
            "keeps_failing",
            "long_chain",
            "raid_workflow",
            "stream_end_processing",
            "stream_start_sequence",
        ]
    )
    assert workflows["impossible_date"].name == "2020-13-45"
    issues = ir.async_get(hass)
    for name in [*BAD_FILES, "fifo.json", "zero.json"]:
        issue = issues.async_get_issue(DOMAIN, f"invalid_workflow_{slugify(name)}")
        assert issue is not None, name
        errors = issue.translation_placeholders["errors"]
        assert errors.startswith("- "), name
    for name in GOOD_FILES:
        assert issues.async_get_issue(DOMAIN, f"invalid_workflow_{slugify(name)}") is None
    cycle = issues.async_get_issue(DOMAIN, "invalid_workflow_cycle_json")
    assert cycle is not None
    assert cycle.translation_placeholders["errors"] == (
        "- nodes[0].depends_on: dependency cycle: n1999 -> n1998 -> n1997 -> n1996 -> n1995 "
        "-> n1994 -> ... -> n1 -> n0 -> n1999 (2000 nodes)"
    )
    fifo = issues.async_get_issue(DOMAIN, "invalid_workflow_fifo_json")
    assert fifo is not None
    assert fifo.translation_placeholders["errors"] == (
        "- (document): cannot read the file: not a regular file"
    )


async def test_a_run_that_keeps_failing_never_touches_the_loop(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Path],
    setup_entry: Callable[[], Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Fifty retries with the default backoff used to overflow the delay and spin the loop
    for ever; now the delay is capped (one hour) and the run fails after its retries."""
    calls: list[ServiceCall] = []

    async def fail(call: ServiceCall) -> None:
        calls.append(call)
        raise HomeAssistantError("refused")

    hass.services.async_register("test", "fail", fail)
    write_workflow("keeps_failing.yaml", GOOD_FILES["keeps_failing.yaml"])
    write_workflow("other.yaml", "id: other\n" + NOOP)
    await setup_entry()
    sensor = entity_id(hass, "sensor", "keeps_failing_state")
    await hass.services.async_call(DOMAIN, "run", {"workflow_id": "keeps_failing"}, blocking=True)
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == "call"
    # the loop answers while the run waits between retries: another workflow runs through
    response = await hass.services.async_call(
        DOMAIN, "run", {"workflow_id": "other", "wait": True}, blocking=True, return_response=True
    )
    assert response["runs"][0]["status"] == "succeeded"
    for _ in range(60):
        freezer.tick(timedelta(seconds=3600))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
    assert len(calls) == 51
    state = hass.states.get(sensor)
    assert state.state == "failed"
    assert "refused" in str(state.attributes.get("last_error"))
