"""The shape of a workflow document: names' patterns and the schema of each mapping.

The schemas check types and bounds only; what a key means (a step's action, a transition's
target) is checked by the builder of that part, which reports each problem at its place.
"""

from __future__ import annotations

import re
from typing import Any

import voluptuous as vol

from .inputs import INPUT_TYPES
from .model import ErrorPolicy, InterruptedAction, RunMode
from .numbers import (
    DEFAULT_MAX_DELAY_SECONDS,
    MAX_BACKOFF_RATE,
    MAX_RETRY_DELAY_SECONDS,
    MAX_TIMEOUT_SECONDS,
    real,
    whole,
)

# fullmatch only: `$` would let "a\n" through
WORKFLOW_ID = re.compile(r"[a-z0-9_]{1,100}")
STEP_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")
ACTION_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")  # also HA's `light.turn_on`
OUTCOME_EVENTS = ("success", "error", "timeout", "cancel")

_positive = real(0, MAX_TIMEOUT_SECONDS, low_included=False, what="a number of seconds")

RETRY_SCHEMA = vol.Schema(
    {
        vol.Optional("max_attempts", default=3): whole(0, 100),
        vol.Optional("interval", default=1.0): real(
            0, MAX_RETRY_DELAY_SECONDS, what="a number of seconds"
        ),
        vol.Optional("backoff_rate", default=2.0): real(1, MAX_BACKOFF_RATE),
        vol.Optional("max_delay", default=DEFAULT_MAX_DELAY_SECONDS): real(
            0, MAX_RETRY_DELAY_SECONDS, what="a number of seconds"
        ),
        vol.Optional("jitter", default=False): bool,
    }
)
ACTION_FIELDS: dict[Any, Any] = {
    vol.Required("service"): str,
    vol.Optional("action"): str,
    vol.Optional("method"): str,
    vol.Optional("params", default=dict): dict,
    vol.Optional("timeout"): _positive,
    vol.Optional("retry"): dict,
}
COMMON_STEP_FIELDS: dict[Any, Any] = {
    vol.Optional("description"): str,
    vol.Optional("if"): vol.Any(dict, str),
    vol.Optional("continue_on_error", default=False): bool,
}
ACTION_SCHEMA = vol.Schema(ACTION_FIELDS)
STEP_CORE = ("id", "service", "action", "method", "parallel")
STEP_SCHEMA = vol.Schema(
    {
        vol.Required("id"): str,
        vol.Optional("service"): str,
        vol.Optional("action"): str,
        vol.Optional("method"): str,
        vol.Optional("params", default=dict): dict,
        vol.Optional("timeout"): _positive,
        vol.Optional("retry"): dict,
        vol.Optional("parallel"): list,
        **COMMON_STEP_FIELDS,
    }
)
NODE_SCHEMA = STEP_SCHEMA.extend({vol.Optional("depends_on", default=list): [str]})
STATE_SCHEMA = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("description"): str,
        vol.Optional("action"): dict,
        vol.Optional("parallel"): list,
        vol.Optional("transitions", default=dict): dict,
    }
)
INPUT_SCHEMA = vol.Schema(
    {
        vol.Optional("description"): str,
        vol.Optional("name"): str,
        vol.Optional("default"): object,
        vol.Optional("required", default=False): bool,
        vol.Optional("type"): vol.In(tuple(INPUT_TYPES)),
        vol.Optional("example"): object,
        vol.Optional("selector"): dict,
    }
)
TOP_SCHEMA = vol.Schema(
    {
        vol.Optional("id"): str,
        vol.Optional("name"): str,
        vol.Optional("description"): str,
        vol.Optional("version"): vol.Any(str, int, float),
        vol.Optional("icon"): str,
        vol.Optional("trigger"): vol.Any(str, dict),
        vol.Optional("triggers"): list,
        vol.Optional("error_policy", default="stop_on_error"): vol.In(
            [policy.value for policy in ErrorPolicy]
        ),
        vol.Optional("mode", default="single"): vol.In([mode.value for mode in RunMode]),
        vol.Optional("max", default=10): whole(1, 1000),
        vol.Optional("max_parallel", default=8): whole(1, 100),
        vol.Optional("interrupted_action", default="rerun"): vol.In(
            [policy.value for policy in InterruptedAction]
        ),
        vol.Optional("inputs", default=dict): dict,
        vol.Optional("variables", default=dict): dict,
        # the host's persistent notification when a run fails / ends with handled errors
        vol.Optional("notify"): {
            vol.Optional("on_failure"): bool,
            vol.Optional("on_handled_errors"): bool,
        },
        vol.Optional("initial_state"): str,
        vol.Optional("states"): list,
        vol.Optional("steps"): list,
        vol.Optional("nodes"): list,
    }
)
