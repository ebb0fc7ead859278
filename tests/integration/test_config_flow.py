"""Config flows: the core entry in one submit, then validated connections."""

from __future__ import annotations

from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows.const import DOMAIN


async def test_core_entry_is_one_submit(hass: HomeAssistant, config_dir: Any) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["data_schema"] is not None
    assert not result["data_schema"].schema
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {"folder": "stream_workflows"}
    await hass.async_block_till_done()
    # Adding it again offers the connections instead of a second core entry.
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["obs", "twitch", "discord"]


async def test_options_set_shared_variables(
    hass: HomeAssistant, setup_entry: Any, write_workflow: Any
) -> None:
    entry = await setup_entry()
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"variables": {"config": {"discord_channel_id": "42"}}}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.runtime_data.engine.globals == {"config": {"discord_channel_id": "42"}}
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"variables": ["not", "a", "mapping"]}
    )
    assert result["errors"] == {"variables": "variables_not_mapping"}


async def test_reconfigure_folder(hass: HomeAssistant, setup_entry: Any, config_dir: Any) -> None:
    entry: MockConfigEntry = await setup_entry()
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"folder": "../outside"}
    )
    assert result["errors"] == {"folder": "invalid_folder"}
    (config_dir / "my_workflows").mkdir()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"folder": "my_workflows"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["folder"] == "my_workflows"
