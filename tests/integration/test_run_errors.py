"""A failed run is told to people in translated words, keyed by its engine error code.

Whoever waited for a run without asking for its outcome (a script's `stream_workflows.run`
with `wait: true`) gets a `HomeAssistantError` carrying the translation key and placeholders;
an outcome (a service response) keeps the machine-readable `error` and adds the translated
`message`. Secret shared variables never reach either.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import DOMAIN
from custom_components.stream_workflows.engine import RunError
from custom_components.stream_workflows.run_errors import (
    GENERIC,
    GENERIC_NO_STEP,
    RUN_ERRORS,
    STEP_ERRORS,
    run_error_key,
)

from .test_hass_engine import ha_step, sequence

COMPONENT = Path(__file__).parents[2] / "custom_components" / DOMAIN
EXCEPTIONS = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))["exceptions"]
PLACEHOLDERS = {"workflow", "step", "type", "message"}


async def _run(hass: HomeAssistant, workflow_id: str, *, response: bool) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        "run",
        {"workflow_id": workflow_id, "wait": True},
        blocking=True,
        return_response=response,
    )


@pytest.mark.parametrize(
    "error",
    [
        *(RunError("a_step", code, "detail") for code in sorted(STEP_ERRORS)),
        *(RunError(None, code, "detail") for code in sorted(RUN_ERRORS)),
        RunError("a_step", "some_adapter_code", "detail"),
        RunError(None, "some_adapter_code", "detail"),
    ],
    ids=lambda error: f"{error.type}-{error.step}",
)
def test_every_error_has_a_message_that_formats(error: RunError) -> None:
    key = run_error_key(error)
    assert key in EXCEPTIONS, key
    text = EXCEPTIONS[key]["message"]
    used = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    assert used <= PLACEHOLDERS, (key, used)
    if error.step is None:
        assert "step" not in used  # a run's own error has no step to name
    assert text.format(workflow="W", step="s", type=error.type, message="detail")


def test_unknown_codes_read_the_generic_message() -> None:
    assert run_error_key(RunError("s", "obs_error", "m")) == GENERIC
    assert run_error_key(RunError(None, "timeout", "m")) == GENERIC_NO_STEP
    assert run_error_key(RunError("s", "timeout", "m")) == "run_failed_timeout"


async def test_a_failed_run_waited_for_raises_a_translated_error(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> None:
    write_workflow("missing.json", sequence("missing", ha_step("call", "nope.nothing")))
    write_workflow(
        "fine.json", sequence("fine", {"id": "n", "service": "internal", "action": "noop"})
    )
    await setup_entry()

    with pytest.raises(HomeAssistantError) as caught:
        await _run(hass, "missing", response=False)
    err = caught.value
    assert err.translation_domain == DOMAIN
    assert err.translation_key == "run_failed_unknown_action"
    assert err.translation_placeholders is not None
    assert err.translation_placeholders["workflow"] == "Missing"
    assert err.translation_placeholders["step"] == "call"
    assert err.translation_placeholders["type"] == "unknown_action"
    message = str(err)
    assert message.startswith("Workflow Missing failed at step call: the action does not exist")
    assert "nope.nothing" in message
    assert "{" not in message  # every placeholder filled: the translation was found

    # Asked for the outcome, the caller gets it, with the same words beside the codes.
    response = await _run(hass, "missing", response=True)
    outcome = response["runs"][0]
    assert outcome["status"] == "failed"
    assert outcome["error"]["type"] == "unknown_action"
    assert outcome["message"] == message

    # A run that succeeds raises nothing and has nothing to say.
    assert await _run(hass, "fine", response=False) is None
    assert (await _run(hass, "fine", response=True))["runs"][0]["message"] is None


async def test_a_run_error_never_carries_a_secret(
    hass: HomeAssistant,
    write_workflow: Callable[[str, Any], Any],
    setup_entry: Any,
    mock_entry: MockConfigEntry,
) -> None:
    async def leaky(call: ServiceCall) -> None:
        raise HomeAssistantError(f"refused pin {call.data['pin']}")

    hass.services.async_register("test", "leaky", leaky)
    mock_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        mock_entry,
        options={"variables": {"pin": "hunter2-secret"}, "secret_variables": ["pin"]},
    )
    write_workflow(
        "leak.json", sequence("leak", ha_step("call", "test.leaky", data={"pin": "${pin}"}))
    )
    await setup_entry()

    with pytest.raises(HomeAssistantError) as caught:
        await _run(hass, "leak", response=False)
    assert caught.value.translation_key is not None
    assert caught.value.translation_key.startswith("run_failed")
    assert "refused pin" in str(caught.value)
    assert "hunter2-secret" not in str(caught.value)
    assert "hunter2-secret" not in json.dumps(caught.value.translation_placeholders)
    outcome = (await _run(hass, "leak", response=True))["runs"][0]
    assert "hunter2-secret" not in outcome["message"]
