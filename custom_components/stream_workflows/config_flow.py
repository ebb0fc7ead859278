"""Config flows: the core entry asks nothing (one submit); connections are validated when entered.

The first entry is the core (the workflows). Adding the integration again offers a menu of
connections: OBS Studio (host, port, password: checked by logging in), Twitch (signing in
through Twitch's OAuth2 authorization code flow with the application credentials entered in
Home Assistant; the token is checked and names the account), Discord (a bot token and/or a
webhook: each checked against Discord). Each connection is an entry of its own with
reauthentication and reconfiguration.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_ACCESS_TOKEN, CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_TOKEN
from homeassistant.core import callback
from homeassistant.helpers import config_entry_oauth2_flow
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from . import connections
from .adapters.discord.connection import validate_discord_bot, validate_discord_webhook
from .adapters.obs.transport import validate_obs
from .adapters.twitch import REQUIRED_SCOPES
from .adapters.twitch.helix import validate_twitch
from .connections import (
    CONF_BOT_TOKEN,
    CONF_CONNECTION,
    CONF_REFRESH_TOKEN,
    CONF_WEBHOOK_URL,
    KIND_CORE,
    KIND_DISCORD,
    KIND_OBS,
    KIND_TWITCH,
    entry_kind,
)
from .const import CONF_FOLDER, CONF_SECRETS, CONF_VARIABLES, DEFAULT_FOLDER, DOMAIN
from .outcomes import CONF_NOTIFY_ON_FAILURE, CONF_NOTIFY_ON_HANDLED_ERRORS
from .runtime import StreamWorkflowsConfigEntry

_LOGGER = logging.getLogger(__name__)
FOLDER_SCHEMA = vol.Schema({vol.Required(CONF_FOLDER): TextSelector()})
PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
OBS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST, default="127.0.0.1"): TextSelector(),
        vol.Required(CONF_PORT, default=4455): vol.All(
            NumberSelector(
                NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
            ),
            vol.Coerce(int),
        ),
        vol.Optional(CONF_PASSWORD, default=""): PASSWORD,
    }
)
DISCORD_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_BOT_TOKEN, default=""): PASSWORD,
        vol.Optional(CONF_WEBHOOK_URL, default=""): PASSWORD,
    }
)


def _folder_error(folder: str) -> str | None:
    """A folder is a relative path inside the configuration directory."""
    cleaned = folder.strip().strip("/")
    if not cleaned or ".." in cleaned.split("/") or folder.strip().startswith("/"):
        return "invalid_folder"
    return None


class StreamWorkflowsConfigFlow(config_entry_oauth2_flow.AbstractOAuth2FlowHandler, domain=DOMAIN):
    """Set up Stream Workflows and its connections (and Twitch's OAuth2 sign-in)."""

    DOMAIN = DOMAIN
    VERSION = 1

    @property
    def logger(self) -> logging.Logger:
        """The logger of the OAuth2 steps."""
        return _LOGGER

    @property
    def extra_authorize_data(self) -> dict[str, Any]:
        """Ask Twitch for every scope the actions and stream events need."""
        return {"scope": " ".join(REQUIRED_SCOPES)}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The core entry first (one submit); afterwards, a menu of connections."""
        if self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, KIND_CORE):
            return self.async_show_menu(
                step_id="user", menu_options=[KIND_OBS, KIND_TWITCH, KIND_DISCORD]
            )
        if user_input is not None:
            await self.async_set_unique_id(KIND_CORE)
            self._abort_if_unique_id_configured()
            return self.async_create_entry(
                title="Stream Workflows", data={CONF_FOLDER: DEFAULT_FOLDER}
            )
        return self.async_show_form(step_id="core", data_schema=vol.Schema({}))

    async def async_step_core(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The submit of the core entry's (empty) form."""
        return await self.async_step_user(user_input)

    # -- OBS ----------------------------------------------------------------------------

    async def async_step_obs(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Host, port and password of obs-websocket, checked by logging in."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _obs_data(user_input)
            await self.async_set_unique_id(f"{KIND_OBS}_{data[CONF_HOST]}_{data[CONF_PORT]}")
            self._abort_if_unique_id_configured()
            error = await validate_obs(data[CONF_HOST], data[CONF_PORT], data[CONF_PASSWORD])
            if error is None:
                return self.async_create_entry(
                    title=f"OBS Studio ({data[CONF_HOST]}:{data[CONF_PORT]})", data=data
                )
            errors["base"] = error
        return self.async_show_form(
            step_id=KIND_OBS,
            data_schema=self.add_suggested_values_to_schema(OBS_SCHEMA, user_input or {}),
            errors=errors,
        )

    # -- Twitch -------------------------------------------------------------------------

    async def async_step_twitch(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Sign in with Twitch: pick the application credentials, then authorize at Twitch."""
        return await self.async_step_pick_implementation()

    async def async_oauth_create_entry(self, data: dict[str, Any]) -> ConfigFlowResult:
        """Check the new token, name the account, and create (or update) its entry."""
        implementation = self.flow_impl
        token = dict(data[CONF_TOKEN])
        check = await validate_twitch(
            getattr(implementation, "client_id", ""),
            getattr(implementation, "client_secret", ""),
            token[CONF_ACCESS_TOKEN],
            token.get(CONF_REFRESH_TOKEN, ""),
            auth_base_url=connections.twitch_auth_base_url,
        )
        if check.error is not None:
            return self.async_abort(reason=check.error)
        if check.refreshed:
            token[CONF_ACCESS_TOKEN] = check.access_token
            token[CONF_REFRESH_TOKEN] = check.refresh_token
        if check.missing_scopes:
            _LOGGER.warning(
                "Twitch granted %s without the scopes %s",
                check.login,
                ", ".join(check.missing_scopes),
            )
        entry_data = {CONF_CONNECTION: KIND_TWITCH, **data, CONF_TOKEN: token}
        title = f"Twitch ({check.login})"
        await self.async_set_unique_id(check.user_id)
        if self.source in (SOURCE_REAUTH, SOURCE_RECONFIGURE):
            entry = (
                self._get_reauth_entry()
                if self.source == SOURCE_REAUTH
                else self._get_reconfigure_entry()
            )
            self._abort_if_unique_id_mismatch(
                reason="wrong_account",
                description_placeholders={"title": entry.title, "login": str(check.login)},
            )
            return self.async_update_reload_and_abort(entry, data=entry_data, title=title)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(title=title, data=entry_data)

    # -- Discord ------------------------------------------------------------------------

    async def async_step_discord(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A bot token, a webhook address, or both; each checked against Discord."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._check_discord(user_input)
            if not errors:
                await self.async_set_unique_id(KIND_DISCORD)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(title="Discord", data=data)
        return self.async_show_form(step_id=KIND_DISCORD, data_schema=DISCORD_SCHEMA, errors=errors)

    async def _check_discord(
        self, user_input: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        token = str(user_input.get(CONF_BOT_TOKEN, "")).strip()
        webhook = str(user_input.get(CONF_WEBHOOK_URL, "")).strip()
        errors: dict[str, str] = {}
        if not token and not webhook:
            errors["base"] = "discord_needs_one"
            return {}, errors
        session = async_get_clientsession(self.hass)
        if token:
            error = await validate_discord_bot(
                token, session=session, api_base=connections.discord_api_base
            )
            if error:
                errors[CONF_BOT_TOKEN] = error
        if webhook:
            error = await validate_discord_webhook(webhook, session=session)
            if error:
                errors[CONF_WEBHOOK_URL] = error
        data = {CONF_CONNECTION: KIND_DISCORD, CONF_BOT_TOKEN: token, CONF_WEBHOOK_URL: webhook}
        return data, errors

    # -- reauthentication and reconfiguration --------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """OBS's password changed (or Discord's token, or Twitch's authorization, was revoked)."""
        if entry_data.get(CONF_CONNECTION) == KIND_TWITCH:
            return await self.async_step_reauth_twitch()
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_twitch(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Twitch refused the tokens: sign in with Twitch again."""
        if user_input is None:
            return self.async_show_form(
                step_id="reauth_twitch",
                data_schema=vol.Schema({}),
                description_placeholders={"title": self._get_reauth_entry().title},
            )
        return await self.async_step_pick_implementation()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        if entry_kind(entry) == KIND_TWITCH:
            return await self.async_step_reauth_twitch(user_input)
        errors: dict[str, str] = {}
        if entry_kind(entry) == KIND_DISCORD:
            if user_input is not None:
                data, errors = await self._check_discord(user_input)
                if not errors:
                    return self.async_update_reload_and_abort(entry, data=data)
            return self.async_show_form(
                step_id="reauth_confirm", data_schema=DISCORD_SCHEMA, errors=errors
            )
        if user_input is not None:
            error = await validate_obs(
                entry.data[CONF_HOST], entry.data[CONF_PORT], user_input.get(CONF_PASSWORD, "")
            )
            if error is None:
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_PASSWORD: user_input.get(CONF_PASSWORD, "")}
                )
            errors["base"] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Optional(CONF_PASSWORD, default=""): PASSWORD}),
            description_placeholders={"host": f"{entry.data[CONF_HOST]}:{entry.data[CONF_PORT]}"},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the workflow folder (core), OBS's address, Discord's credentials, or sign in
        with Twitch again (to grant scopes added since, or use other application credentials)."""
        entry = self._get_reconfigure_entry()
        kind = entry_kind(entry)
        if kind == KIND_OBS:
            return await self._reconfigure_obs(entry, user_input)
        if kind == KIND_TWITCH:
            return await self.async_step_reconfigure_twitch()
        if kind == KIND_DISCORD:
            return await self._reconfigure_discord(entry, user_input)
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
                FOLDER_SCHEMA,
                user_input or {CONF_FOLDER: entry.data.get(CONF_FOLDER, DEFAULT_FOLDER)},
            ),
            errors=errors,
        )

    async def _reconfigure_obs(
        self, entry: StreamWorkflowsConfigEntry, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _obs_data(user_input)
            error = await validate_obs(data[CONF_HOST], data[CONF_PORT], data[CONF_PASSWORD])
            if error is None:
                return self.async_update_reload_and_abort(
                    entry,
                    data=data,
                    title=f"OBS Studio ({data[CONF_HOST]}:{data[CONF_PORT]})",
                    unique_id=f"{KIND_OBS}_{data[CONF_HOST]}_{data[CONF_PORT]}",
                )
            errors["base"] = error
        suggested = user_input or {
            CONF_HOST: entry.data[CONF_HOST],
            CONF_PORT: entry.data[CONF_PORT],
        }
        return self.async_show_form(
            step_id="reconfigure_obs",
            data_schema=self.add_suggested_values_to_schema(OBS_SCHEMA, suggested),
            errors=errors,
        )

    async def async_step_reconfigure_obs(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        return await self._reconfigure_obs(self._get_reconfigure_entry(), user_input)

    async def async_step_reconfigure_twitch(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        if user_input is None:
            return self.async_show_form(
                step_id="reconfigure_twitch",
                data_schema=vol.Schema({}),
                description_placeholders={"title": self._get_reconfigure_entry().title},
            )
        return await self.async_step_pick_implementation()

    async def _reconfigure_discord(
        self, entry: StreamWorkflowsConfigEntry, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._check_discord(user_input)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="reconfigure_discord", data_schema=DISCORD_SCHEMA, errors=errors
        )

    async def async_step_reconfigure_discord(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        return await self._reconfigure_discord(self._get_reconfigure_entry(), user_input)

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: StreamWorkflowsConfigEntry) -> OptionsFlow:
        return StreamWorkflowsOptionsFlow()

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: StreamWorkflowsConfigEntry) -> bool:
        """Only the core entry has options (the shared variables)."""
        return entry_kind(config_entry) == KIND_CORE


def _obs_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    return {
        CONF_CONNECTION: KIND_OBS,
        CONF_HOST: str(user_input[CONF_HOST]).strip(),
        CONF_PORT: int(user_input[CONF_PORT]),
        CONF_PASSWORD: str(user_input.get(CONF_PASSWORD, "")),
    }


class StreamWorkflowsOptionsFlow(OptionsFlow):
    """Variables every workflow sees, such as `config.discord_channel_id`, and which of them
    are secret (redacted from diagnostics, run histories, logs and exports)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        options = self.config_entry.options
        if user_input is not None:
            variables = user_input.get(CONF_VARIABLES) or {}
            secrets = user_input.get(CONF_SECRETS) or []
            if not isinstance(variables, dict):
                errors[CONF_VARIABLES] = "variables_not_mapping"
            else:
                # Options another step of this form may add are kept as they are.
                kept = {
                    key: value
                    for key, value in user_input.items()
                    if key not in (CONF_VARIABLES, CONF_SECRETS)
                }
                return self.async_create_entry(
                    data={
                        **kept,
                        CONF_VARIABLES: variables,
                        CONF_SECRETS: sorted({str(name).strip() for name in secrets} - {""}),
                    }
                )
        names = sorted(_dotted_names(options.get(CONF_VARIABLES, {})))
        schema = vol.Schema(
            {
                vol.Optional(CONF_VARIABLES): ObjectSelector(),
                # defaults for workflows without a `notify` of their own (h3: issue 13)
                vol.Optional(CONF_NOTIFY_ON_FAILURE): BooleanSelector(),
                vol.Optional(CONF_NOTIFY_ON_HANDLED_ERRORS): BooleanSelector(),
                vol.Optional(CONF_SECRETS): SelectSelector(
                    SelectSelectorConfig(
                        options=names,
                        multiple=True,
                        custom_value=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                schema,
                {
                    CONF_VARIABLES: options.get(CONF_VARIABLES, {}),
                    CONF_NOTIFY_ON_FAILURE: options.get(CONF_NOTIFY_ON_FAILURE, False),
                    CONF_NOTIFY_ON_HANDLED_ERRORS: options.get(
                        CONF_NOTIFY_ON_HANDLED_ERRORS, False
                    ),
                    CONF_SECRETS: list(options.get(CONF_SECRETS, [])),
                },
            ),
            errors=errors,
        )


def _dotted_names(variables: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """`config.obs_password` for every leaf of the shared variables (a few levels deep)."""
    if not isinstance(variables, Mapping) or depth > 8:
        return [prefix] if prefix else []
    names: list[str] = []
    for key, value in variables.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        names.extend(_dotted_names(value, name, depth + 1))
    return names
