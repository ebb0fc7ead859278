"""The Twitch connection: Helix actions and EventSub stream events for one broadcaster.

`TwitchConnection` authenticates as the broadcaster with a user access token and its refresh
token. twitchAPI refreshes an expired token by itself (on a 401 answer); every new pair is
handed to `on_tokens` so the host can persist it. When the tokens cannot be refreshed, or
Twitch revokes the authorization, `on_auth_failed` is called once (the host starts a reauth)
and actions fail with `auth_failed` until a new connection is started.

Stream events arrive over EventSub (`eventsub`) and are passed on as `on_event(name, data)`:
`data` is the notification's `event` object exactly as Twitch sent it. If twitchAPI gives up
reconnecting, this connection starts a fresh session after a pause and subscribes again.

Actions are the `actions.TABLE` handlers; this class is the `TwitchClient` they use, and
turns what twitchAPI and aiohttp raise into the `errors` module's `TwitchError`s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import aiohttp
from twitchAPI.helper import (
    TWITCH_API_BASE_URL,
    TWITCH_AUTH_BASE_URL,
    TWITCH_EVENT_SUB_WEBSOCKET_URL,
)
from twitchAPI.object.api import CreatedClip
from twitchAPI.type import (
    InvalidRefreshTokenException,
    InvalidTokenException,
    MissingScopeException,
    TwitchAPIException,
    TwitchAuthorizationException,
    TwitchBackendException,
    TwitchResourceNotFound,
)

from ...engine.adapter import ActionContext
from ...engine.errors import ActionError
from .actions import ACTION_SCOPES, TABLE
from .errors import (
    TwitchAuthError,
    TwitchConnectError,
    TwitchError,
    TwitchNotConnectedError,
    clean,
    label,
)
from .events import DEFAULT_EVENTS, EVENT_TOPICS, event_data, subscribe
from .eventsub import EventSub
from .helix import (
    HelixClient,
    HelixError,
    TwitchValidation,
    auth_scopes,
    check_tokens,
    validate_twitch,
)
from .scopes import REQUIRED_SCOPES

_LOGGER = logging.getLogger(__name__)

EventCallback = Callable[[str, dict[str, Any]], None]
TokensCallback = Callable[[str, str], None]
AuthFailedCallback = Callable[[str], None]
_REAUTHORIZE = (
    "the Twitch authorization has expired or was revoked: reauthenticate the "
    "Twitch account in Stream Workflows"
)


class TwitchConnection:
    """Performs Twitch actions and delivers stream events for one broadcaster account."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        access_token: str,
        refresh_token: str,
        base_url: str = TWITCH_API_BASE_URL,
        auth_base_url: str = TWITCH_AUTH_BASE_URL,
        eventsub_url: str = TWITCH_EVENT_SUB_WEBSOCKET_URL,
        on_event: EventCallback | None = None,
        on_tokens: TokensCallback | None = None,
        on_auth_failed: AuthFailedCallback | None = None,
        events: Iterable[str] = DEFAULT_EVENTS,
        request_timeout: float = 20.0,
        connect_timeout: float = 15.0,
        rate_limit_max_wait: float = 10.0,
        rate_limit_retries: int = 1,
        reconnect_delays: Sequence[float] = (0, 1, 2, 4, 8, 16, 32, 64, 128),
        restart_delays: Sequence[float] = (5, 15, 60, 300),
    ) -> None:
        unknown = sorted(set(events) - set(EVENT_TOPICS))
        if unknown:
            raise ValueError(f"unknown Twitch events: {', '.join(unknown)}")
        self._app_id = app_id
        self._app_secret = app_secret
        self._access_token = access_token
        self._refresh_token = refresh_token
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.auth_base_url = auth_base_url if auth_base_url.endswith("/") else auth_base_url + "/"
        self.eventsub_url = eventsub_url
        self.on_event = on_event
        self.on_tokens = on_tokens
        self.on_auth_failed = on_auth_failed
        self.events = tuple(events)
        self.request_timeout = request_timeout
        self.connect_timeout = connect_timeout
        self.rate_limit_max_wait = rate_limit_max_wait
        self.rate_limit_retries = rate_limit_retries
        self.reconnect_delays = tuple(reconnect_delays)
        self.restart_delays = tuple(restart_delays) or (5.0,)
        self.user_id: str | None = None
        self.login: str | None = None
        self.scopes: tuple[str, ...] = ()
        self.subscribed: dict[str, str] = {}
        """Stream events subscribed to: event name -> subscription id."""
        self.failed_events: dict[str, str] = {}
        """Stream events that could not be subscribed to, with the reason."""
        self.revoked: list[dict[str, Any]] = []
        self._twitch: HelixClient | None = None
        self._auth_lost = False
        self._eventsub: EventSub | None = None
        self._eventsub_task: asyncio.Task[None] | None = None
        self._eventsub_ready: asyncio.Event | None = None
        self._known_users: dict[str, tuple[str, str]] = {}

    def __repr__(self) -> str:
        return f"TwitchConnection(login={self.login!r}, connected={self.connected})"

    # -- state --------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the account is authenticated (after `start`, until auth is lost)."""
        return self._twitch is not None and not self._auth_lost

    @property
    def eventsub_connected(self) -> bool:
        """True while an EventSub session is open."""
        return self._eventsub is not None and self._eventsub.session_id is not None

    @property
    def missing_scopes(self) -> list[str]:
        """Scopes of `REQUIRED_SCOPES` the token does not have (reauthorize to grant them)."""
        return [scope for scope in REQUIRED_SCOPES if scope not in self.scopes]

    @property
    def tokens(self) -> tuple[str, str]:
        """The current (access, refresh) token pair."""
        return self._access_token, self._refresh_token

    # -- life ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Authenticate (refreshing expired tokens) and subscribe to stream events.

        Raises `TwitchAuthError` when the tokens are refused (start a reauth) and
        `TwitchConnectError` when Twitch cannot be reached (try again later). EventSub problems
        do not fail the start: they are logged and retried in the background.
        """
        if self._twitch is not None:
            return
        try:
            async with asyncio.timeout(self.connect_timeout):
                account = await check_tokens(
                    self._app_id,
                    self._app_secret,
                    self._access_token,
                    self._refresh_token,
                    self.auth_base_url,
                )
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as err:
            raise TwitchConnectError(f"cannot reach Twitch ({type(err).__name__})") from None
        if account.error is not None:
            message = {
                "invalid_client": "the Twitch app id or secret does not match the tokens",
            }.get(account.error, "Twitch refused the tokens: authorize the account again")
            raise TwitchAuthError(message)
        if account.refreshed:
            self._store_tokens(account.access_token, account.refresh_token)
        twitch = HelixClient(
            self,
            self._app_id,
            self._app_secret,
            authenticate_app=False,
            base_url=self.base_url,
            auth_base_url=self.auth_base_url,
            session_timeout=aiohttp.ClientTimeout(total=self.request_timeout),
        )
        twitch.user_auth_refresh_callback = self._refreshed
        await twitch.set_user_authentication(
            account.access_token, auth_scopes(account.scopes), account.refresh_token, False
        )
        self.user_id, self.login, self.scopes = account.user_id, account.login, account.scopes
        self._twitch = twitch
        self._auth_lost = False
        _LOGGER.debug("Twitch connected as %s", self.login)
        if self.missing_scopes:
            _LOGGER.warning(
                "The Twitch token lacks scopes %s; actions and events needing them will fail",
                ", ".join(self.missing_scopes),
            )
        if self.on_event is not None and self.events:
            ready = self._eventsub_ready = asyncio.Event()
            self._eventsub_task = asyncio.get_running_loop().create_task(
                self._run_eventsub(), name="twitch eventsub"
            )
            await ready.wait()

    async def stop(self) -> None:
        """Close EventSub and forget the session; no task or socket is left behind."""
        task, self._eventsub_task = self._eventsub_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if self._eventsub is not None:
            await self._eventsub.close()
            self._eventsub = None
        self._twitch = None
        self.subscribed.clear()

    def auth_lost(self, reason: str) -> None:
        """Mark the authorization as lost and tell the host (once)."""
        if self._auth_lost:
            return
        self._auth_lost = True
        _LOGGER.warning("Twitch authorization lost: %s", reason)
        if self.on_auth_failed is not None:
            try:
                self.on_auth_failed(reason)
            except Exception:
                _LOGGER.exception("on_auth_failed raised")

    async def _refreshed(self, access_token: str, refresh_token: str) -> None:
        _LOGGER.debug("Twitch tokens refreshed")
        self._store_tokens(access_token, refresh_token)

    def _store_tokens(self, access_token: str, refresh_token: str) -> None:
        self._access_token, self._refresh_token = access_token, refresh_token
        if self.on_tokens is not None:
            try:
                self.on_tokens(access_token, refresh_token)
            except Exception:
                _LOGGER.exception("on_tokens raised")

    # -- EventSub -----------------------------------------------------------------------

    async def _run_eventsub(self) -> None:
        failures = 0
        while True:
            assert self._twitch is not None
            eventsub = EventSub(
                self._twitch, self.eventsub_url, self.reconnect_delays, self._revoked
            )
            self._eventsub = eventsub
            try:
                try:
                    async with asyncio.timeout(self.connect_timeout):
                        await eventsub.open()
                    await self._subscribe_all(eventsub)
                except (TwitchAPIException, aiohttp.ClientError, OSError, TimeoutError) as err:
                    _LOGGER.warning(
                        "Twitch EventSub could not connect (%s); retrying later",
                        clean(err) or type(err).__name__,
                    )
                except Exception:
                    _LOGGER.exception("Twitch EventSub failed; retrying later")
                else:
                    if self._auth_lost:
                        return
                    if not self.subscribed:
                        _LOGGER.warning("Twitch EventSub: no stream event could be subscribed to")
                        return
                    failures = 0
                    self._signal_ready()
                    await eventsub.closed()
                    _LOGGER.warning("Twitch EventSub connection lost; starting a new session")
            finally:
                self._signal_ready()
                await eventsub.close()
                if self._eventsub is eventsub:
                    self._eventsub = None
                self.subscribed.clear()
            if self._auth_lost:
                return
            await asyncio.sleep(self.restart_delays[min(failures, len(self.restart_delays) - 1)])
            failures += 1

    def _signal_ready(self) -> None:
        if self._eventsub_ready is not None:
            self._eventsub_ready.set()

    async def _subscribe_all(self, eventsub: EventSub) -> None:
        user = self.user_id or ""
        self.failed_events.clear()
        for name in self.events:
            topic, _version, scope = EVENT_TOPICS[name]
            if scope is not None and scope not in self.scopes:
                self.failed_events[name] = f"the token lacks the '{scope}' scope"
                continue
            callback = self._callback(name)
            try:
                sub_id = await subscribe(eventsub, name, user, callback)
            except TwitchAPIException as err:
                self.failed_events[name] = clean(err) or type(err).__name__
                _LOGGER.warning(
                    "Twitch refused the '%s' subscription: %s", topic, self.failed_events[name]
                )
                continue
            self.subscribed[name] = sub_id
        if self.failed_events:
            _LOGGER.info(
                "Twitch stream events not available: %s",
                "; ".join(f"{name} ({why})" for name, why in self.failed_events.items()),
            )

    def _callback(self, name: str) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def deliver(payload: dict[str, Any]) -> None:
            self._deliver(name, payload)

        return deliver

    def _deliver(self, name: str, payload: Mapping[str, Any]) -> None:
        data = event_data(payload)
        _LOGGER.debug("Twitch stream event %s", name)
        if self.on_event is None:
            return
        try:
            self.on_event(name, data)
        except Exception:
            _LOGGER.exception("Handling the Twitch '%s' event failed", name)

    async def _revoked(self, payload: dict[str, Any]) -> None:
        subscription = payload.get("subscription") or {}
        status = str(subscription.get("status", ""))
        topic = str(subscription.get("type", ""))
        self.revoked.append({"type": topic, "status": status})
        for name, sub_id in list(self.subscribed.items()):
            if sub_id == subscription.get("id"):
                del self.subscribed[name]
                self.failed_events[name] = f"revoked by Twitch ({status})"
        _LOGGER.warning("Twitch revoked the '%s' subscription (%s)", topic, status)
        if status == "authorization_revoked":
            self.auth_lost("the broadcaster revoked the app's authorization")

    # -- actions ------------------------------------------------------------------------

    @property
    def helix(self) -> HelixClient:
        """The authenticated Helix client (`TwitchNotConnectedError` before `start`)."""
        if self._twitch is None:
            raise TwitchNotConnectedError("Twitch is not connected")
        return self._twitch

    @property
    def broadcaster(self) -> str:
        return self.user_id or ""

    @property
    def known_users(self) -> dict[str, tuple[str, str]]:
        return self._known_users

    async def post_clip(self, query: Mapping[str, Any]) -> CreatedClip | None:
        return await self.helix.create_clip_with(dict(query))

    async def perform(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        """Do one action of `actions.TABLE`; a `TwitchError` (a step error) on failure."""
        if self._twitch is None:
            raise TwitchNotConnectedError("Twitch is not connected")
        if self._auth_lost:
            raise TwitchAuthError(_REAUTHORIZE)
        handler = TABLE.handler(action)
        try:
            return await handler(self, params, ctx)
        except ActionError:
            raise  # already a step error (the handlers raise TwitchError)
        except Exception as err:
            raise self._readable(action, err) from None

    def _readable(self, action: str, err: Exception) -> TwitchError:
        """What twitchAPI or aiohttp raised, as a step error in words."""
        if isinstance(err, MissingScopeException):
            return self._scope_error(action)
        if isinstance(err, HelixError):
            return self._helix_error(action, err)
        if isinstance(
            err, InvalidRefreshTokenException | InvalidTokenException | TwitchAuthorizationException
        ):
            self.auth_lost("Twitch refused the tokens")
            return TwitchAuthError(_REAUTHORIZE)
        if isinstance(err, TwitchBackendException):
            return TwitchError(
                f"{label(action)}: Twitch had a server error; try again later",
                error_type="unavailable",
            )
        if isinstance(err, TwitchResourceNotFound):
            return TwitchError(
                f"{label(action)}: not found ({clean(err) or 'Twitch found nothing'})",
                error_type="not_found",
            )
        if isinstance(err, TwitchAPIException):
            return TwitchError(f"{label(action)}: {clean(err) or type(err).__name__}")
        if isinstance(err, aiohttp.ClientError | OSError | TimeoutError):
            return TwitchError(
                f"{label(action)}: cannot reach Twitch ({type(err).__name__})",
                error_type="cannot_connect",
            )
        if isinstance(err, ValueError):
            return TwitchError(f"{label(action)}: {clean(err)}", error_type="invalid_params")
        if isinstance(err, KeyError | TypeError | IndexError):
            _LOGGER.debug("Unexpected Twitch answer to %s", action, exc_info=err)
            return TwitchError(
                f"{label(action)}: Twitch sent an answer this version does not understand"
            )
        _LOGGER.debug("Twitch %s failed unexpectedly", action, exc_info=err)
        return TwitchError(f"{label(action)}: unexpected error ({type(err).__name__})")

    def _scope_error(self, action: str) -> TwitchError:
        scopes = ", ".join(ACTION_SCOPES.get(action, ()))
        return TwitchError(
            f"{label(action)}: the Twitch account has not granted '{scopes}'; reauthorize it "
            "in Stream Workflows to allow this",
            error_type="missing_scope",
        )

    def _helix_error(self, action: str, err: HelixError) -> TwitchError:
        what = label(action)
        if err.status == 401:
            if err.message.lower().startswith("missing scope"):
                return self._scope_error(action)
            self.auth_lost("Twitch refused the tokens")
            return TwitchAuthError(
                f"{what}: Twitch refused the authorization ({err.message}); reauthenticate the "
                "Twitch account in Stream Workflows"
            )
        if err.status == 429:
            return TwitchError(
                f"{what}: Twitch's rate limit was reached; try again later",
                error_type="rate_limited",
            )
        if err.status >= 500:
            return TwitchError(
                f"{what}: Twitch had a server error (HTTP {err.status})", error_type="unavailable"
            )
        kinds = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict"}
        return TwitchError(
            f"{what}: Twitch refused it (HTTP {err.status}: {err.message})",
            error_type=kinds.get(err.status, "rejected"),
        )


@contextlib.asynccontextmanager
async def started(connection: TwitchConnection) -> AsyncIterator[TwitchConnection]:
    """`async with started(TwitchConnection(...)) as twitch:` starts and always stops it."""
    await connection.start()
    try:
        yield connection
    finally:
        await connection.stop()


__all__ = [
    "DEFAULT_EVENTS",
    "REQUIRED_SCOPES",
    "TwitchAuthError",
    "TwitchConnectError",
    "TwitchConnection",
    "TwitchValidation",
    "started",
    "validate_twitch",
]
