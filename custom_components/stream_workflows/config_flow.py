"""Adding Stream Workflows asks nothing (one submit); settings live in options/reconfigure."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import ObjectSelector, TextSelector

from .const import CONF_FOLDER, CONF_VARIABLES, DEFAULT_FOLDER, DOMAIN

FOLDER_SCHEMA = vol.Schema({vol.Required(CONF_FOLDER): TextSelector()})


def _folder_error(folder: str) -> str | None:
    """A folder is a relative path inside the configuration directory."""
    cleaned = folder.strip().strip("/")
    if not cleaned or ".." in cleaned.split("/") or folder.strip().startswith("/"):
        return "invalid_folder"
    return None


class StreamWorkflowsConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up Stream Workflows."""

    VERSION = 1

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """One submit, nothing to fill in."""
        if user_input is not None:
            return self.async_create_entry(
                title="Stream Workflows", data={CONF_FOLDER: DEFAULT_FOLDER}
            )
        return self.async_show_form(step_id="user", data_schema=vol.Schema({}))

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the folder workflow files are read from."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            error = _folder_error(user_input[CONF_FOLDER])
            if error is None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_FOLDER: user_input[CONF_FOLDER].strip().strip("/")}
                )
            errors[CONF_FOLDER] = error
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                FOLDER_SCHEMA, user_input or {CONF_FOLDER: entry.data.get(CONF_FOLDER, DEFAULT_FOLDER)}
            ),
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        return StreamWorkflowsOptionsFlow()


class StreamWorkflowsOptionsFlow(OptionsFlow):
    """Variables every workflow sees, such as `config.discord_channel_id`."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            variables = user_input.get(CONF_VARIABLES) or {}
            if isinstance(variables, dict):
                return self.async_create_entry(data={CONF_VARIABLES: variables})
            errors[CONF_VARIABLES] = "variables_not_mapping"
        schema = vol.Schema({vol.Optional(CONF_VARIABLES): ObjectSelector()})
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                schema, {CONF_VARIABLES: self.config_entry.options.get(CONF_VARIABLES, {})}
            ),
            errors=errors,
        )
