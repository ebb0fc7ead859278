"""Setting up a Twitch entry when Twitch refuses or cannot be reached, against the local Twitch."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.stream_workflows import connections
from local_peers.obs_headless import free_port
from local_peers.twitch_server import TwitchPeer

from .test_twitch_connection import core, credentials, twitch, twitch_entry  # noqa: F401

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_twitch_server_error_on_refresh_retries_later(
    hass: HomeAssistant,
    twitch: TwitchPeer,  # noqa: F811
    credentials: None,  # noqa: F811
    core: Any,  # noqa: F811
) -> None:
    access, refresh = twitch.issue_tokens()
    twitch.fail("POST", "/oauth2/token", 503, "Service Unavailable")
    entry = twitch_entry(access, refresh, expired=True)
    await set_up(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert not list(entry.async_get_active_flows(hass, {config_entries.SOURCE_REAUTH}))
    assert len(twitch.requests("POST", "/oauth2/token")) == 1
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_twitch_unreachable_retries_later(
    hass: HomeAssistant,
    twitch: TwitchPeer,  # noqa: F811
    credentials: None,  # noqa: F811
    core: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    access, refresh = twitch.issue_tokens()
    monkeypatch.setattr(connections, "twitch_auth_base_url", f"http://127.0.0.1:{free_port()}/")
    # An expired token: Home Assistant's own refresh cannot reach Twitch.
    expired = twitch_entry(access, refresh, expired=True)
    await set_up(hass, expired)
    assert expired.state is ConfigEntryState.SETUP_RETRY
    assert await hass.config_entries.async_unload(expired.entry_id)
    await hass.config_entries.async_remove(expired.entry_id)
    # A fresh token: the connection's own check cannot reach Twitch.
    fresh = twitch_entry(access, refresh, expired=False)
    await set_up(hass, fresh)
    assert fresh.state is ConfigEntryState.SETUP_RETRY
    assert not list(fresh.async_get_active_flows(hass, {config_entries.SOURCE_REAUTH}))
    assert await hass.config_entries.async_unload(fresh.entry_id)


async def test_tokens_twitch_no_longer_accepts_start_reauth(
    hass: HomeAssistant,
    twitch: TwitchPeer,  # noqa: F811
    credentials: None,  # noqa: F811
    core: Any,  # noqa: F811
) -> None:
    access, refresh = twitch.issue_tokens()
    # Home Assistant believes the token is fresh; Twitch says otherwise and refuses the refresh.
    twitch.expire(access)
    twitch.revoke_refresh(refresh)
    entry = twitch_entry(access, refresh, expired=False)
    await set_up(hass, entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = entry.async_get_active_flows(hass, {config_entries.SOURCE_REAUTH})
    assert flow["step_id"] == "reauth_twitch"
    assert getattr(connections.shared_registry(hass).get("twitch"), "connection", None) is None
