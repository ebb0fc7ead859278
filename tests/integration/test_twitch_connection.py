"""The Twitch connection entry: OAuth2 sign-in, actions, stream events, token refresh, reauth.

Home Assistant's real application credentials and OAuth2 flow run against the local Twitch
(`local_peers/twitch_server.py`): the authorize page redirects to Home Assistant's OAuth
callback with a code, which Home Assistant trades at the peer's `/oauth2/token`; the
connection then talks Helix and EventSub to the same peer. Only the endpoint addresses are
pointed at the peer (`connections.twitch_*`), as the real ones would be at Twitch.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from homeassistant import config_entries
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    start_reauth_flow,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.stream_workflows import connections
from custom_components.stream_workflows.adapters.twitch import EVENT_TOPICS, REQUIRED_SCOPES
from custom_components.stream_workflows.const import DOMAIN, EVENT_STREAM
from custom_components.stream_workflows.diagnostics import async_get_config_entry_diagnostics
from local_peers.twitch_server import BROADCASTER, CLIENT_ID, CLIENT_SECRET, OTHER_USERS, TwitchPeer
from tests.peers.harness import wait_until

pytestmark = pytest.mark.usefixtures("socket_enabled", "current_request_with_host")

AUTH_DOMAIN = "stream_deck_app"
CALLBACK = "https://example.com/auth/external/callback"

HELLO = {
    "id": "hello_chat",
    "name": "Hello chat",
    "steps": [
        {
            "id": "say",
            "service": "twitch",
            "action": "send_chat_message",
            "params": {"message": "Hello chat"},
        }
    ],
}
GOING_LIVE = {
    "id": "going_live",
    "name": "Going live",
    "trigger": "stream_started",
    "steps": [
        {
            "id": "announce",
            "service": "twitch",
            "action": "send_chat_message",
            "params": {"message": "${broadcaster_user_name} is live since ${started_at}"},
        }
    ],
}
STREAM_ONLINE = {
    "id": "9001",
    "broadcaster_user_id": BROADCASTER["id"],
    "broadcaster_user_login": BROADCASTER["login"],
    "broadcaster_user_name": BROADCASTER["display_name"],
    "type": "live",
    "started_at": "2026-01-01T20:00:00Z",
}


@pytest.fixture
async def twitch(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TwitchPeer]:
    """The local Twitch, with the integration's Twitch endpoints pointed at it."""
    async with TwitchPeer() as peer:
        monkeypatch.setattr(connections, "twitch_base_url", peer.api_base)
        monkeypatch.setattr(connections, "twitch_auth_base_url", peer.auth_base)
        monkeypatch.setattr(connections, "twitch_eventsub_url", peer.eventsub_url)
        yield peer
        # Disconnect before the peer goes away.
        for entry in hass.config_entries.async_entries(DOMAIN):
            if entry.state is ConfigEntryState.LOADED:
                await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
async def credentials(hass: HomeAssistant) -> None:
    """The Twitch application's client id and secret, entered as application credentials."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET, "Stream deck app"), AUTH_DOMAIN
    )


@pytest.fixture
async def core(
    hass: HomeAssistant, write_workflow: Callable[[str, Any], Any], setup_entry: Any
) -> MockConfigEntry:
    write_workflow("hello_chat.json", HELLO)
    write_workflow("going_live.json", GOING_LIVE)
    entry: MockConfigEntry = await setup_entry()
    return entry


SignIn = Callable[[ConfigFlowResult], Awaitable[ConfigFlowResult]]


@pytest.fixture
def sign_in(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> SignIn:
    """Follow an OAuth2 external step: Twitch's authorize page, then Home Assistant's callback."""

    async def follow(result: ConfigFlowResult) -> ConfigFlowResult:
        assert result["type"] is FlowResultType.EXTERNAL_STEP, result
        authorize = URL(result["url"])
        assert authorize.query["client_id"] == CLIENT_ID
        assert authorize.query["redirect_uri"] == CALLBACK
        assert authorize.query["scope"].split() == REQUIRED_SCOPES
        async with (
            aiohttp.ClientSession() as browser,
            browser.get(authorize, allow_redirects=False) as page,
        ):
            assert page.status == 302
            redirect = URL(page.headers["Location"])
        assert str(redirect.with_query(None)) == CALLBACK
        client = await hass_client_no_auth()
        response = await client.get(redirect.path, params=dict(redirect.query))
        assert response.status == 200
        assert "window.close()" in await response.text()
        done = await hass.config_entries.flow.async_configure(result["flow_id"])
        await hass.async_block_till_done()
        return done

    return follow


def twitch_entry(access: str, refresh: str, *, expired: bool) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Twitch (twitchdev)",
        unique_id=BROADCASTER["id"],
        data={
            "connection": "twitch",
            "auth_implementation": AUTH_DOMAIN,
            "token": {
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": 14124,
                "expires_at": time.time() + (-10 if expired else 3600),
                "token_type": "bearer",
            },
        },
    )


async def start_twitch_flow(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "twitch" in result["menu_options"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "twitch"}
    )


async def add_twitch(hass: HomeAssistant, sign_in: SignIn) -> config_entries.ConfigEntry:
    result = await sign_in(await start_twitch_flow(hass))
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    entry = result["result"]
    assert isinstance(entry, config_entries.ConfigEntry)
    return entry


async def run(hass: HomeAssistant, workflow_id: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "run",
        {"workflow_id": workflow_id, "wait": True},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    runs: Any = response["runs"]
    outcome: dict[str, Any] = runs[0]
    return outcome


def plugged_in(hass: HomeAssistant) -> Any:
    """The connection the shared Twitch adapter uses."""
    return getattr(connections.shared_registry(hass).get("twitch"), "connection", None)


def chat(peer: TwitchPeer) -> list[str]:
    return [request.arg("message") for request in peer.requests("POST", "/helix/chat/messages")]


def connected_entity(hass: HomeAssistant, entry: config_entries.ConfigEntry) -> str:
    entity_id = er.async_get(hass).async_get_entity_id(
        "binary_sensor", DOMAIN, f"{entry.entry_id}_connected"
    )
    assert entity_id is not None
    return entity_id


async def test_sign_in_connect_act_and_trigger_on_stream_events(
    hass: HomeAssistant, twitch: TwitchPeer, credentials: None, core: Any, sign_in: SignIn
) -> None:
    entry = await add_twitch(hass, sign_in)
    assert entry.title == "Twitch (twitchdev)"
    assert entry.unique_id == BROADCASTER["id"]
    assert entry.data["connection"] == "twitch"
    assert entry.data["auth_implementation"] == AUTH_DOMAIN
    token = entry.data["token"]
    assert token["access_token"] in twitch.tokens
    assert token["refresh_token"] in twitch.refresh_tokens
    assert token["expires_at"] > time.time()
    # The authorization code was traded once, with Home Assistant's callback address.
    (trade,) = twitch.requests("POST", "/oauth2/token")
    assert trade.body["grant_type"] == "authorization_code"
    assert trade.body["redirect_uri"] == CALLBACK
    assert trade.body["client_secret"] == CLIENT_SECRET
    # Every scope the actions and stream events need was granted.
    assert sorted(twitch.tokens[token["access_token"]].scopes) == sorted(REQUIRED_SCOPES)

    assert entry.state is ConfigEntryState.LOADED
    assert plugged_in(hass) is entry.runtime_data.connection
    await twitch.wait_sessions(1)
    assert sorted(sub["type"] for sub in twitch.enabled()) == sorted(
        topic for topic, _version, _scope in EVENT_TOPICS.values()
    )
    sensor = connected_entity(hass, entry)
    state = hass.states.get(sensor)
    assert state is not None
    assert state.state == "on"
    assert state.attributes["login"] == "twitchdev"
    assert "stream_started" in state.attributes["events"]
    assert state.attributes["missing_scopes"] == []

    # A workflow step reaches Twitch.
    outcome = await run(hass, "hello_chat")
    assert outcome["status"] == "succeeded", outcome
    assert chat(twitch) == ["Hello chat"]

    # A stream event is put on the bus and starts the workflow triggered by it.
    stream_events = async_capture_events(hass, EVENT_STREAM)
    finished = async_capture_events(hass, "stream_workflows_run_finished")
    await twitch.notify("stream.online", STREAM_ONLINE)
    await wait_until(lambda: bool(finished))
    (event,) = stream_events
    assert event.data == {**STREAM_ONLINE, "event": "stream_started", "source": "twitch"}
    assert finished[0].data["workflow_id"] == "going_live"
    assert finished[0].data["status"] == "succeeded", finished[0].data
    assert chat(twitch)[-1] == "TwitchDev is live since 2026-01-01T20:00:00Z"

    # Diagnostics tell what the connection has, never the tokens.
    found = await async_get_config_entry_diagnostics(hass, entry)
    assert found["entry"]["data"]["token"] == "**REDACTED**"
    assert found["connection"]["login"] == "twitchdev"
    assert found["connection"]["eventsub_connected"] is True
    assert token["access_token"] not in str(found)

    # The same account cannot be added twice.
    again = await sign_in(await start_twitch_flow(hass))
    assert again["type"] is FlowResultType.ABORT
    assert again["reason"] == "already_configured"

    # Unloading disconnects: the adapter has no connection, the peer no open session.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert plugged_in(hass) is None
    await wait_until(lambda: all(s.ws.closed for s in twitch.sessions.values()))
    outcome = await run(hass, "hello_chat")
    assert outcome["error"]["type"] == "not_connected"


async def test_refreshed_tokens_are_stored_in_the_entry(
    hass: HomeAssistant, twitch: TwitchPeer, credentials: None, core: Any, sign_in: SignIn
) -> None:
    entry = await add_twitch(hass, sign_in)
    first = dict(entry.data["token"])
    twitch.expire(first["access_token"])
    outcome = await run(hass, "hello_chat")
    assert outcome["status"] == "succeeded", outcome
    token = entry.data["token"]
    assert token["access_token"] != first["access_token"]
    assert token["refresh_token"] != first["refresh_token"]
    assert token["access_token"] in twitch.tokens
    assert token["refresh_token"] in twitch.refresh_tokens
    assert token["expires_at"] > time.time()

    # At the next start, Home Assistant's OAuth2 session refreshes a token past its time.
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "token": {**token, "expires_at": time.time() - 60}}
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    refreshed = entry.data["token"]
    assert refreshed["refresh_token"] != token["refresh_token"]
    assert refreshed["expires_at"] > time.time()
    assert (
        twitch.requests("POST", "/oauth2/token")[-1].body["refresh_token"] == token["refresh_token"]
    )
    outcome = await run(hass, "hello_chat")
    assert outcome["status"] == "succeeded", outcome
    assert chat(twitch)[-1] == "Hello chat"
    assert twitch.requests("POST", "/helix/chat/messages")[-1].token == refreshed["access_token"]


async def test_revoked_authorization_starts_reauth_and_signing_in_again_restores(
    hass: HomeAssistant, twitch: TwitchPeer, credentials: None, core: Any, sign_in: SignIn
) -> None:
    entry = await add_twitch(hass, sign_in)
    token = entry.data["token"]
    twitch.expire(token["access_token"])
    twitch.revoke_refresh(token["refresh_token"])
    outcome = await run(hass, "hello_chat")
    assert outcome["status"] == "failed"
    assert outcome["error"]["type"] == "auth_failed", outcome
    await hass.async_block_till_done()
    (flow,) = entry.async_get_active_flows(hass, {config_entries.SOURCE_REAUTH})
    assert flow["step_id"] == "reauth_twitch"
    state = hass.states.get(connected_entity(hass, entry))
    assert state is not None
    assert state.state == "off"
    assert state.attributes["authorized"] is False

    # Signing in with another account is refused.
    twitch.authorizing = OTHER_USERS[0]
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    result = await sign_in(result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"
    assert entry.data["token"] == token

    # Signing in with the same account updates the entry and reconnects.
    twitch.authorizing = twitch.broadcaster
    result = await start_reauth_flow(hass, entry)
    assert result["step_id"] == "reauth_twitch"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await sign_in(result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["token"]["access_token"] != token["access_token"]
    assert entry.data["connection"] == "twitch"
    outcome = await run(hass, "hello_chat")
    assert outcome["status"] == "succeeded", outcome


async def test_refused_refresh_at_setup_starts_reauth(
    hass: HomeAssistant, twitch: TwitchPeer, credentials: None, core: Any
) -> None:
    access, refresh = twitch.issue_tokens()
    twitch.expire(access)
    twitch.revoke_refresh(refresh)
    entry = twitch_entry(access, refresh, expired=True)
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = entry.async_get_active_flows(hass, {config_entries.SOURCE_REAUTH})
    assert flow["step_id"] == "reauth_twitch"
    assert plugged_in(hass) is None


async def test_missing_application_credentials_retry_setup(
    hass: HomeAssistant, twitch: TwitchPeer, credentials: None, core: Any
) -> None:
    access, refresh = twitch.issue_tokens()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Twitch (twitchdev)",
        unique_id=BROADCASTER["id"],
        data={
            "connection": "twitch",
            "auth_implementation": "deleted_app",
            "token": {"access_token": access, "refresh_token": refresh, "expires_at": 0},
        },
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "application credentials" in entry.reason.lower()
    assert not twitch.requests("POST", "/oauth2/token")


async def test_refused_or_unconfigured_sign_in_aborts(
    hass: HomeAssistant, twitch: TwitchPeer, core: Any, sign_in: SignIn
) -> None:
    # Without application credentials the flow asks for them.
    assert await async_setup_component(hass, "application_credentials", {})
    result = await start_twitch_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "missing_credentials"

    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET, "Stream deck app"), AUTH_DOMAIN
    )
    twitch.deny_authorization = True
    result = await sign_in(await start_twitch_flow(hass))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "user_rejected_authorize"
    assert result["description_placeholders"] == {"error": "access_denied"}
    assert not [e for e in hass.config_entries.async_entries(DOMAIN) if e.unique_id != "core"]


async def test_missing_scopes_raise_an_issue_that_signing_in_again_fixes(
    hass: HomeAssistant, twitch: TwitchPeer, credentials: None, core: Any, sign_in: SignIn
) -> None:
    # A token from before clips and cheers were needed.
    scopes = [s for s in REQUIRED_SCOPES if s not in ("clips:edit", "bits:read")]
    access, refresh = twitch.issue_tokens(scopes)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Twitch (twitchdev)",
        unique_id=BROADCASTER["id"],
        data={
            "connection": "twitch",
            "auth_implementation": AUTH_DOMAIN,
            "token": {
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": 14124,
                "expires_at": time.time() + 14000,
            },
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"twitch_missing_scopes_{entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "title": "Twitch (twitchdev)",
        "scopes": "clips:edit, bits:read",
    }
    state = hass.states.get(connected_entity(hass, entry))
    assert state is not None
    assert state.attributes["unavailable_events"] == {
        "cheer": "the token lacks the 'bits:read' scope"
    }

    # Reconfiguring signs in again, asking for every scope; the entry keeps its account.
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id},
    )
    assert result["step_id"] == "reconfigure_twitch"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await sign_in(result)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data["token"]["access_token"] != access
    assert "folder" not in entry.data
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert sorted(twitch.tokens[entry.data["token"]["access_token"]].scopes) == sorted(
        REQUIRED_SCOPES
    )


async def test_home_assistant_stopping_closes_eventsub(
    hass: HomeAssistant, twitch: TwitchPeer, credentials: None, core: Any, sign_in: SignIn
) -> None:
    entry = await add_twitch(hass, sign_in)
    assert entry.runtime_data.connection.eventsub_connected
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await wait_until(lambda: all(s.ws.closed for s in twitch.sessions.values()))
    assert not entry.runtime_data.connection.eventsub_connected
