"""The run statuses have one source, the engine's `RunStatus`; whoever shows them agrees.

The bridge is a program of its own that learns statuses from Home Assistant's states, so it
keeps its own table of looks instead of importing the integration: these tests hold that
table, the sensor's states, its icons and its translations to the engine's list.
"""

from __future__ import annotations

import json
from pathlib import Path

from custom_components.stream_workflows.const import STATUS_IDLE, STATUSES
from custom_components.stream_workflows.engine import RunStatus
from streamdeck_bridge.keys import ACTIVE
from streamdeck_bridge.looks import FINISHED, LOOKS

INTEGRATION = Path(__file__).parents[2] / "custom_components" / "stream_workflows"
BRIDGE_ONLY = {"done_with_errors"}  # a succeeded run with handled errors, told apart on a key


def test_the_sensor_states_are_idle_then_every_run_status() -> None:
    assert (STATUS_IDLE, *[status.value for status in RunStatus]) == STATUSES
    assert all(type(status) is str for status in STATUSES)


def test_every_status_has_a_look_on_a_key() -> None:
    assert set(STATUSES) <= set(LOOKS), set(STATUSES) - set(LOOKS)


def test_the_bridge_splits_the_statuses_as_the_engine_does() -> None:
    finished = {status.value for status in RunStatus if status.finished}
    assert set(FINISHED) - BRIDGE_ONLY == finished
    assert set(ACTIVE) | {RunStatus.PAUSED.value} | finished == {s.value for s in RunStatus}
    assert set(LOOKS) >= BRIDGE_ONLY


def test_every_status_is_translated_and_icons_name_only_statuses() -> None:
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    translated = strings["entity"]["sensor"]["workflow_state"]["state"]
    assert set(translated) == set(STATUSES)
    icons = json.loads((INTEGRATION / "icons.json").read_text(encoding="utf-8"))
    shown = icons["entity"]["sensor"]["workflow_state"]["state"]
    assert set(shown) <= set(STATUSES), set(shown) - set(STATUSES)
