"""The Twitch connection: Helix actions and EventSub stream events through twitchAPI 4.5.0.

`TwitchConnection` authenticates as the broadcaster with a user access token and its refresh
token. twitchAPI refreshes an expired token by itself (on a 401 answer); every new pair is
handed to `on_tokens` so the host can persist it. When the tokens cannot be refreshed, or
Twitch revokes the authorization, `on_auth_failed` is called once (the host starts a reauth)
and actions fail with `auth_failed` until a new connection is started.

Stream events arrive over EventSub's websocket transport and are passed on as
`on_event(name, data)`: `data` is the notification's `event` object exactly as Twitch sent it.

How twitchAPI is used, and where this module adjusts it (twitchAPI is pinned to 4.5.0):
- Helix requests go through the library's own request path (auth headers, token refresh on
  401, one retry on 503). A subclass of `Twitch` makes every other HTTP error raise with
  Twitch's own message (the library silently treats some, e.g. a 409 on actions returning
  nothing, as success), retries a 429 once its `Ratelimit-Reset` time has come (bounded), and
  does not sleep on `Ratelimit-Remaining: 0` answers that succeeded. Its token refresh is
  replaced: 4.5.0's polls a flag that stays set after a failure, leaks a session when Twitch
  cannot be reached and cannot tell a refused refresh token from a network problem.
- `EventSubWebsocket` normally runs its socket in a thread of its own, blocks the caller while
  it connects and schedules callbacks across threads. Here a subclass runs the very same
  coroutines (connect, keepalive watchdog, session_reconnect, revocation, resubscribe) as
  tasks on the caller's event loop, so nothing blocks and nothing lingers. Its receive loop
  is twitchAPI's with one fix: when Twitch closes the socket (codes 4000-4007) it reconnects
  at once, where 4.5.0 waits for the keepalive watchdog. It also records message ids, so
  duplicate notifications are really dropped (4.5.0 checks the history but never fills it).
  If twitchAPI gives up reconnecting, this connection starts a fresh session after a pause
  and subscribes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp
from twitchAPI.eventsub.websocket import EventSubWebsocket
from twitchAPI.helper import (
    TWITCH_API_BASE_URL,
    TWITCH_AUTH_BASE_URL,
    TWITCH_EVENT_SUB_WEBSOCKET_URL,
)
from twitchAPI.oauth import validate_token
from twitchAPI.object.api import CreatedClip
from twitchAPI.twitch import Twitch
from twitchAPI.type import (
    AuthScope,
    AuthType,
    InvalidRefreshTokenException,
    InvalidTokenException,
    MissingScopeException,
    TwitchAPIException,
    TwitchAuthorizationException,
    TwitchBackendException,
    TwitchResourceNotFound,
)

from ..engine.adapter import ActionContext
from ..engine.errors import ActionError, NotConnectedError
from .twitch import ACTION_SCOPES, EVENT_TOPICS, REQUIRED_SCOPES

_LOGGER = logging.getLogger(__name__)

EventCallback = Callable[[str, dict[str, Any]], None]
TokensCallback = Callable[[str, str], None]
AuthFailedCallback = Callable[[str], None]

DEFAULT_EVENTS: tuple[str, ...] = tuple(EVENT_TOPICS)
_RATE_LIMIT_ATTEMPT: contextvars.ContextVar[int] = contextvars.ContextVar(
    "stream_workflows_twitch_rate_limit_attempt", default=0
)
_MAX_MESSAGE = 300
_CLOSE_TIMEOUT = 5.0


class TwitchAuthError(ActionError):
    """The tokens were refused and could not be refreshed: the user must authorize again."""

    error_type = "auth_failed"


class TwitchConnectError(ActionError):
    """Twitch could not be reached."""

    error_type = "cannot_connect"


@dataclass(frozen=True, slots=True)
class TwitchValidation:
    """What `validate_twitch` found. `error` is None when the tokens work."""

    error: str | None
    user_id: str | None = None
    login: str | None = None
    scopes: tuple[str, ...] = ()
    access_token: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)
    refreshed: bool = False

    @property
    def missing_scopes(self) -> list[str]:
        """Scopes of `REQUIRED_SCOPES` the token does not have."""
        return [scope for scope in REQUIRED_SCOPES if scope not in self.scopes]


class _HelixError(Exception):
    """An HTTP error answer of Helix, with Twitch's own message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _clean(message: Any) -> str:
    text = " ".join(str(message or "").split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


async def _helix_error(response: aiohttp.ClientResponse) -> _HelixError:
    message = ""
    try:
        body = await response.json(content_type=None)
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("error") or "")
    except (ValueError, aiohttp.ClientError):
        pass
    finally:
        response.release()
    return _HelixError(response.status, _clean(message) or f"HTTP {response.status}")


def _scope_names(scopes: Iterable[Any]) -> tuple[str, ...]:
    names: list[str] = []
    for scope in scopes:
        if isinstance(scope, AuthScope):
            names.append(scope.value)
        elif isinstance(scope, str):
            names.append(scope)
    return tuple(names)


def _auth_scopes(names: Iterable[str]) -> list[AuthScope]:
    known = {scope.value: scope for scope in AuthScope}
    return [known[name] for name in names if name in known]


class _ClientRejectedError(TwitchAuthorizationException):
    """The token endpoint refused the app id or secret."""


async def _refresh_tokens(
    session: aiohttp.ClientSession,
    auth_base_url: str,
    app_id: str,
    app_secret: str,
    refresh_token: str,
) -> tuple[str, str]:
    """Trade a refresh token for a new pair at `POST /oauth2/token`.

    Raises `InvalidRefreshTokenException` when Twitch refuses the refresh token,
    `_ClientRejectedError` when it refuses the app, `TwitchBackendException` when the token
    service has a problem (try again later), aiohttp errors when it cannot be reached.
    """
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": app_id,
        "client_secret": app_secret,
    }
    async with session.post(auth_base_url + "token", data=form) as response:
        try:
            body = await response.json(content_type=None)
        except ValueError:
            body = None
        status = response.status
    body = body if isinstance(body, dict) else {}
    if status == 200 and body.get("access_token") and body.get("refresh_token"):
        return str(body["access_token"]), str(body["refresh_token"])
    if status == 429 or status >= 500:
        raise TwitchBackendException(f"the token service answered HTTP {status}")
    message = _clean(body.get("message"))
    if status == 403 or "client" in message.lower():
        raise _ClientRejectedError(message or "invalid client")
    raise InvalidRefreshTokenException(message or f"HTTP {status}")


async def validate_twitch(
    app_id: str,
    app_secret: str,
    access_token: str,
    refresh_token: str,
    *,
    auth_base_url: str = TWITCH_AUTH_BASE_URL,
) -> TwitchValidation:
    """Check a user token pair for a config flow; refresh it once when it has expired.

    `error` is None, "invalid_auth" (the tokens were refused), "invalid_client" (the app id or
    secret does not match the tokens) or "cannot_connect". When `refreshed` is true, store the
    returned `access_token` and `refresh_token` instead of the ones given.
    """
    try:
        return await _check_tokens(app_id, app_secret, access_token, refresh_token, auth_base_url)
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as err:
        _LOGGER.debug("Twitch validation could not reach Twitch: %s", type(err).__name__)
        return TwitchValidation("cannot_connect")


async def _check_tokens(
    app_id: str, app_secret: str, access: str, refresh: str, auth_base_url: str
) -> TwitchValidation:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        refreshed = False
        answer = await validate_token(access, session=session, auth_base_url=auth_base_url)
        if answer.get("status", 200) == 401 and refresh:
            try:
                access, refresh = await _refresh_tokens(
                    session, auth_base_url, app_id, app_secret, refresh
                )
            except _ClientRejectedError:
                return TwitchValidation("invalid_client")
            except InvalidRefreshTokenException:
                return TwitchValidation("invalid_auth")
            except TwitchBackendException:
                return TwitchValidation("cannot_connect")
            refreshed = True
            answer = await validate_token(access, session=session, auth_base_url=auth_base_url)
    if answer.get("status", 200) != 200 or "user_id" not in answer:
        return TwitchValidation("invalid_auth")
    if answer.get("client_id") != app_id:
        return TwitchValidation("invalid_client")
    return TwitchValidation(
        None,
        user_id=str(answer["user_id"]),
        login=str(answer.get("login", "")),
        scopes=_scope_names(answer.get("scopes") or []),
        access_token=access,
        refresh_token=refresh,
        refreshed=refreshed,
    )


class _Twitch(Twitch):
    """twitchAPI's client with complete HTTP error handling and bounded rate-limit waits."""

    def __init__(self, owner: TwitchConnection, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owner = owner
        self._refresh_lock = asyncio.Lock()

    async def _check_request_return(
        self,
        session: aiohttp.ClientSession,
        response: aiohttp.ClientResponse,
        method: str,
        url: str,
        auth_type: AuthType,
        required_scope: list[Any],
        data: dict[str, Any] | None = None,
        retries: int = 1,
    ) -> aiohttp.ClientResponse:
        status = response.status
        if status == 429:
            return await self._rate_limited(
                session, response, method, url, auth_type, required_scope, data, retries
            )
        if status in (401, 503) and retries > 0:
            response.release()
            result: aiohttp.ClientResponse = await super()._check_request_return(
                session, response, method, url, auth_type, required_scope, data, retries
            )
            return result
        if status >= 400:
            raise await _helix_error(response)
        return response

    async def _rate_limited(
        self,
        session: aiohttp.ClientSession,
        response: aiohttp.ClientResponse,
        method: str,
        url: str,
        auth_type: AuthType,
        required_scope: list[Any],
        data: dict[str, Any] | None,
        retries: int,
    ) -> aiohttp.ClientResponse:
        attempt = _RATE_LIMIT_ATTEMPT.get()
        try:
            wait = max(0.0, float(response.headers["Ratelimit-Reset"]) - time.time())
        except (KeyError, ValueError):
            wait = 1.0
        if attempt >= self._owner.rate_limit_retries or wait > self._owner.rate_limit_max_wait:
            raise await _helix_error(response)
        response.release()
        _LOGGER.warning("Twitch rate limit reached; retrying in %.1f s", wait)
        token = _RATE_LIMIT_ATTEMPT.set(attempt + 1)
        try:
            await asyncio.sleep(wait)
            result: aiohttp.ClientResponse = await self._api_request(
                method, session, url, auth_type, required_scope, data=data, retries=retries
            )
            return result
        finally:
            _RATE_LIMIT_ATTEMPT.reset(token)

    async def refresh_used_token(self) -> None:
        """Refresh the user token (twitchAPI calls this on a 401 answer).

        Replaces 4.5.0's version, which polls a flag that stays set after a failed refresh,
        opens a session it does not close when Twitch cannot be reached, and cannot tell a
        refused refresh token from a network problem.
        """
        used = self._user_auth_token
        async with self._refresh_lock:
            if self._user_auth_token != used:
                return  # refreshed by someone else while this one waited
            refresh = self._user_auth_refresh_token or ""
            try:
                async with aiohttp.ClientSession(timeout=self.session_timeout) as session:
                    access, refresh = await _refresh_tokens(
                        session, self.auth_base_url, self.app_id, self.app_secret or "", refresh
                    )
            except (InvalidRefreshTokenException, TwitchAuthorizationException):
                self._owner.auth_lost("the Twitch tokens could not be refreshed")
                raise TwitchAuthorizationException("the refresh token was refused") from None
            self._user_auth_token, self._user_auth_refresh_token = access, refresh
        callback = self.user_auth_refresh_callback
        if callback is not None:
            await callback(access, refresh)

    async def get_refreshed_user_auth_token(self) -> str | None:
        """The user token, validated first (refreshed when Twitch says it expired)."""
        if self._user_auth_token is None:
            return None
        async with aiohttp.ClientSession(timeout=self.session_timeout) as session:
            answer = await validate_token(
                self._user_auth_token, session=session, auth_base_url=self.auth_base_url
            )
        if answer.get("status", 200) != 200:
            await self.refresh_used_token()
        return self._user_auth_token


class _EventSub(EventSubWebsocket):
    """twitchAPI's EventSub websocket client, run as tasks on the caller's event loop."""

    def __init__(
        self,
        twitch: Twitch,
        connection_url: str,
        reconnect_delays: Sequence[float],
        revocation_handler: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        super().__init__(
            twitch, connection_url=connection_url, revocation_handler=revocation_handler
        )
        self.reconnect_delay_steps = list(reconnect_delays)  # type: ignore[arg-type]
        self._welcomed = asyncio.Event()
        self._handler_tasks: set[asyncio.Task[Any]] = set()
        self._loop_tasks: list[asyncio.Task[Any]] = []

    async def open(self) -> None:
        """Connect and wait for the session welcome (the caller bounds the wait)."""
        loop = asyncio.get_running_loop()
        self._startup_complete = False
        self._ready = False
        self._closing = False
        self._running = True
        self._active_subscriptions = {}
        self._socket_loop = loop  # type: ignore[assignment]
        self._callback_loop = loop
        await self._connect(is_startup=True)
        self._loop_tasks = [
            loop.create_task(
                self._task_receive(),
                name="twitch eventsub receive",
            ),
            loop.create_task(
                self._task_reconnect_handler(),  # type: ignore[no-untyped-call]
                name="twitch eventsub watchdog",
            ),
        ]
        await self._welcomed.wait()

    async def closed(self) -> None:
        """Wait until twitchAPI stops receiving (it gave up reconnecting, or `close`)."""
        if self._loop_tasks:
            await asyncio.wait(self._loop_tasks, return_when=asyncio.FIRST_COMPLETED)

    async def close(self) -> None:
        """Close the socket and end every task this client started."""
        self._running = False
        self._closing = True
        tasks = [*self._loop_tasks, *self._handler_tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for connection in (
            self._connection,
            self._reconnect.connection if self._reconnect else None,
        ):
            if connection is not None and not connection.closed:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(_CLOSE_TIMEOUT):
                        await connection.close()
        session: aiohttp.ClientSession | None = self._session
        if session is not None:
            await session.close()
        self._connection = None
        self._session = None
        self._reconnect = None
        await asyncio.sleep(0)  # let callbacks scheduled by the last messages run

    async def _task_receive(self) -> None:
        """twitchAPI's receive loop, except that a close sent by Twitch (codes 4000-4007)
        reconnects at once: 4.5.0 only logs it and waits for the keepalive watchdog."""
        handlers: dict[str, Callable[[dict[str, Any]], Coroutine[Any, Any, None]]] = {
            "session_welcome": self._handle_welcome,
            "session_keepalive": self._handle_keepalive,
            "notification": self._handle_notification,
            "session_reconnect": self._handle_reconnect,
            "revocation": self._handle_revocation,
        }
        try:
            while not self._closing:
                connection: aiohttp.ClientWebSocketResponse | None = self._connection
                if connection is None or connection.closed:
                    await asyncio.sleep(0.01)
                    continue
                message = await connection.receive()
                if message.type == aiohttp.WSMsgType.TEXT:
                    data = json.loads(message.data)
                    kind = data.get("metadata", {}).get("message_type")
                    handler = handlers.get(kind)
                    if handler is None:
                        _LOGGER.debug("Ignoring EventSub message of type %s", kind)
                        continue
                    task: asyncio.Task[None] = asyncio.get_running_loop().create_task(handler(data))
                    self._handler_tasks.add(task)
                    task.add_done_callback(self._handler_tasks.discard)
                elif message.type == aiohttp.WSMsgType.CLOSING:
                    pending = self._reconnect
                    if pending is not None and pending.session.status == "connected":
                        self._connection = pending.connection  # type: ignore[assignment]
                        self.active_session = pending.session
                        self._reconnect = None
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    if message.type == aiohttp.WSMsgType.CLOSE:
                        _LOGGER.info("Twitch closed the EventSub connection (%s)", message.data)
                    if not self._running:
                        break
                    current: Any = self._connection
                    if self._is_reconnecting or connection is not current:
                        continue
                    try:
                        await self._connect(is_startup=False)
                    except TwitchBackendException:
                        _LOGGER.warning("The EventSub connection could not be reopened")
                        break
                elif message.type == aiohttp.WSMsgType.ERROR:
                    _LOGGER.warning("EventSub websocket error: %s", connection.exception())
                    break
        except asyncio.CancelledError:
            return

    @property
    def session_id(self) -> str | None:
        return self.active_session.id if self.active_session else None

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._handler_tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._handler_tasks.discard(task)

    async def _subscribe(
        self,
        sub_type: str,
        sub_version: str,
        condition: dict[str, Any],
        callback: Callable[[dict[str, Any]], Awaitable[None]],
        event: Any,
        is_batching_enabled: bool | None = None,
    ) -> str:
        # Deliver the notification payload as Twitch sent it, not as twitchAPI's object.
        sub_id: str = await super()._subscribe(
            sub_type, sub_version, condition, callback, dict, is_batching_enabled
        )
        return sub_id

    async def _handle_welcome(self, data: dict[str, Any]) -> None:
        with self._tracked():
            await super()._handle_welcome(data)
            self._welcomed.set()

    async def _handle_keepalive(self, data: dict[str, Any]) -> None:
        with self._tracked():
            await super()._handle_keepalive(data)

    async def _handle_reconnect(self, data: dict[str, Any]) -> None:
        with self._tracked():
            await super()._handle_reconnect(data)

    async def _handle_revocation(self, data: dict[str, Any]) -> None:
        with self._tracked():
            await super()._handle_revocation(data)

    async def _handle_notification(self, data: dict[str, Any]) -> None:
        with self._tracked():
            message_id = data.get("metadata", {}).get("message_id")
            await super()._handle_notification(data)
            if message_id is not None and message_id not in self._msg_id_history:
                self._msg_id_history.append(message_id)


_Handler = Callable[["TwitchConnection", Twitch, Mapping[str, Any], ActionContext], Awaitable[Any]]


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
        self._twitch: _Twitch | None = None
        self._auth_lost = False
        self._eventsub: _EventSub | None = None
        self._eventsub_task: asyncio.Task[None] | None = None
        self._eventsub_ready: asyncio.Event | None = None
        self._ids: dict[str, tuple[str, str]] = {}

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
                account = await _check_tokens(
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
        twitch = _Twitch(
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
            account.access_token, _auth_scopes(account.scopes), account.refresh_token, False
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
            eventsub = _EventSub(
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
                        _clean(err) or type(err).__name__,
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

    async def _subscribe_all(self, eventsub: _EventSub) -> None:
        user = self.user_id or ""
        self.failed_events.clear()
        for name in self.events:
            topic, _version, scope = EVENT_TOPICS[name]
            if scope is not None and scope not in self.scopes:
                self.failed_events[name] = f"the token lacks the '{scope}' scope"
                continue
            callback = self._callback(name)
            try:
                sub_id = await self._listen(eventsub, name, user, callback)
            except TwitchAPIException as err:
                self.failed_events[name] = _clean(err) or type(err).__name__
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

    @staticmethod
    async def _listen(
        eventsub: _EventSub,
        name: str,
        user: str,
        callback: Callable[[Any], Awaitable[None]],
    ) -> str:
        if name == "stream_started":
            return await eventsub.listen_stream_online(user, callback)
        if name == "stream_stopped":
            return await eventsub.listen_stream_offline(user, callback)
        if name == "follow":
            return await eventsub.listen_channel_follow_v2(user, user, callback)
        if name == "subscribe":
            return await eventsub.listen_channel_subscribe(user, callback)
        if name == "subscription_gift":
            return await eventsub.listen_channel_subscription_gift(user, callback)
        if name == "cheer":
            return await eventsub.listen_channel_cheer(user, callback)
        if name == "raid":
            return await eventsub.listen_channel_raid(callback, to_broadcaster_user_id=user)
        if name == "channel_points_redemption":
            return await eventsub.listen_channel_points_custom_reward_redemption_add(user, callback)
        return await eventsub.listen_channel_ad_break_begin(user, callback)

    def _callback(self, name: str) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def deliver(payload: dict[str, Any]) -> None:
            self._deliver(name, payload)

        return deliver

    def _deliver(self, name: str, payload: Mapping[str, Any]) -> None:
        event = payload.get("event")
        data = dict(event) if isinstance(event, Mapping) else {}
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

    async def perform(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        """Do a Twitch action; failures raise `ActionError` with a readable message."""
        twitch = self._twitch
        if twitch is None:
            raise NotConnectedError("Twitch is not connected")
        if self._auth_lost:
            raise TwitchAuthError(
                "the Twitch authorization has expired or was revoked: reauthenticate the "
                "Twitch account in Stream Workflows"
            )
        handler = self._actions.get(action)
        if handler is None:
            raise ActionError(f"unknown twitch action '{action}'", error_type="unknown_action")
        try:
            return await handler(self, twitch, params, ctx)
        except ActionError:
            raise
        except MissingScopeException:
            raise self._scope_error(action) from None
        except _HelixError as err:
            raise self._helix_error(action, err) from None
        except (InvalidRefreshTokenException, InvalidTokenException, TwitchAuthorizationException):
            self.auth_lost("Twitch refused the tokens")
            raise TwitchAuthError(
                "the Twitch authorization has expired or was revoked: reauthenticate the "
                "Twitch account in Stream Workflows"
            ) from None
        except TwitchBackendException:
            raise ActionError(
                f"{_label(action)}: Twitch had a server error; try again later",
                error_type="unavailable",
            ) from None
        except TwitchResourceNotFound as err:
            raise ActionError(
                f"{_label(action)}: not found ({_clean(err) or 'Twitch found nothing'})",
                error_type="not_found",
            ) from None
        except TwitchAPIException as err:
            raise ActionError(f"{_label(action)}: {_clean(err) or type(err).__name__}") from None
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            raise ActionError(
                f"{_label(action)}: cannot reach Twitch ({type(err).__name__})",
                error_type="cannot_connect",
            ) from None
        except ValueError as err:
            raise ActionError(
                f"{_label(action)}: {_clean(err)}", error_type="invalid_params"
            ) from None
        except (KeyError, TypeError, IndexError):
            _LOGGER.debug("Unexpected Twitch answer to %s", action, exc_info=True)
            raise ActionError(
                f"{_label(action)}: Twitch sent an answer this version does not understand"
            ) from None
        except Exception as err:
            _LOGGER.debug("Twitch %s failed unexpectedly", action, exc_info=True)
            raise ActionError(
                f"{_label(action)}: unexpected error ({type(err).__name__})"
            ) from None

    def _scope_error(self, action: str) -> ActionError:
        scopes = ", ".join(ACTION_SCOPES.get(action, ()))
        return ActionError(
            f"{_label(action)}: the Twitch account has not granted '{scopes}'; reauthorize it "
            "in Stream Workflows to allow this",
            error_type="missing_scope",
        )

    def _helix_error(self, action: str, err: _HelixError) -> ActionError:
        label = _label(action)
        if err.status == 401:
            if err.message.lower().startswith("missing scope"):
                return self._scope_error(action)
            self.auth_lost("Twitch refused the tokens")
            return TwitchAuthError(
                f"{label}: Twitch refused the authorization ({err.message}); reauthenticate the "
                "Twitch account in Stream Workflows"
            )
        if err.status == 429:
            return ActionError(
                f"{label}: Twitch's rate limit was reached; try again later",
                error_type="rate_limited",
            )
        if err.status >= 500:
            return ActionError(
                f"{label}: Twitch had a server error (HTTP {err.status})", error_type="unavailable"
            )
        kinds = {400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict"}
        return ActionError(
            f"{label}: Twitch refused it (HTTP {err.status}: {err.message})",
            error_type=kinds.get(err.status, "rejected"),
        )

    async def _user(self, twitch: Twitch, login: str, ctx: ActionContext) -> tuple[str, str]:
        cached = self._ids.get(login)
        if cached is not None:
            return cached
        users = [user async for user in twitch.get_users(logins=[login])]
        if not users:
            raise ActionError(f"there is no Twitch channel named '{login}'", error_type="not_found")
        found = (users[0].id, users[0].login)
        self._ids[login] = found
        ctx.log(f"Twitch channel '{login}' has id {found[0]}")
        return found

    async def _category(self, twitch: Twitch, name: str, ctx: ActionContext) -> str:
        if not name.strip():
            return ""
        games = [game async for game in twitch.get_games(names=[name])]
        if games:
            return str(games[0].id)
        found = [category async for category in twitch.search_categories(name, first=10)]
        exact = [category for category in found if category.name.lower() == name.lower()]
        if exact:
            return str(exact[0].id)
        hint = ", ".join(f"'{category.name}'" for category in found[:3])
        raise ActionError(
            f"there is no Twitch category named '{name}'"
            + (f" (did you mean {hint}?)" if hint else ""),
            error_type="not_found",
        )

    @property
    def _broadcaster(self) -> str:
        return self.user_id or ""

    async def _send_chat_message(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        sent = await twitch.send_chat_message(
            self._broadcaster,
            self._broadcaster,
            params["message"],
            reply_parent_message_id=params.get("reply_to"),
        )
        if not sent.is_sent:
            reason = sent.drop_reason
            why = getattr(reason, "message", None) or getattr(reason, "code", None) or "no reason"
            raise ActionError(
                f"send chat message: Twitch dropped the message ({_clean(why)})",
                error_type="message_dropped",
            )
        return {"message_id": sent.message_id, "is_sent": True}

    async def _create_clip(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        query: dict[str, Any] = {
            "broadcaster_id": self._broadcaster,
            "has_delay": "true" if params.get("has_delay") else "false",
        }
        if params.get("title"):
            query["title"] = params["title"]
        if "duration" in params:
            query["duration"] = f"{params['duration']:g}"
        # Helix takes `title` and `duration`; twitchAPI 4.5.0's create_clip() does not, so
        # the same request goes through the client's own request helper.
        clip = await twitch._build_result(
            "POST", "clips", query, AuthType.USER, [AuthScope.CLIPS_EDIT], CreatedClip
        )
        if clip is None:
            raise ActionError("create clip: Twitch did not return the clip")
        return {
            "id": clip.id,
            "url": f"https://clips.twitch.tv/{clip.id}",
            "edit_url": clip.edit_url,
            "title": params.get("title") or None,
        }

    async def _raid_channel(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        target_id, target_login = await self._user(twitch, params["target_channel"], ctx)
        raid = await twitch.start_raid(self._broadcaster, target_id)
        return {
            "target_id": target_id,
            "target_login": target_login,
            "created_at": _iso(getattr(raid, "created_at", None)),
            "is_mature": bool(getattr(raid, "is_mature", False)),
        }

    async def _cancel_raid(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        await twitch.cancel_raid(self._broadcaster)
        return {"cancelled": True}

    async def _create_stream_marker(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        marker = await twitch.create_stream_marker(self._broadcaster, params.get("description"))
        return {
            "id": marker.id,
            "created_at": _iso(marker.created_at),
            "position_seconds": marker.position_seconds,
            "description": getattr(marker, "description", "") or "",
        }

    async def _update_channel(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        result: dict[str, Any] = {}
        game_id: str | None = None
        if "category" in params:
            game_id = await self._category(twitch, params["category"], ctx)
            result["category"] = params["category"]
            result["category_id"] = game_id
        await twitch.modify_channel_information(
            self._broadcaster,
            game_id=game_id,
            broadcaster_language=params.get("language"),
            title=params.get("title"),
            tags=params.get("tags"),
        )
        for key in ("title", "tags", "language"):
            if key in params:
                result[key] = params[key]
        return result

    async def _send_announcement(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        await twitch.send_chat_announcement(
            self._broadcaster, self._broadcaster, params["message"], params.get("color")
        )
        return {"sent": True}

    async def _send_shoutout(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        to_id, to_login = await self._user(twitch, params["to_channel"], ctx)
        await twitch.send_a_shoutout(self._broadcaster, to_id, self._broadcaster)
        return {"to_id": to_id, "to_login": to_login}

    async def _start_commercial(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        commercial = await twitch.start_commercial(self._broadcaster, params["length"])
        return {
            "length": commercial.length,
            "message": commercial.message or "",
            "retry_after": commercial.retry_after,
        }

    async def _create_poll(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        poll = await twitch.create_poll(
            self._broadcaster,
            params["title"],
            list(params["choices"]),
            params["duration"],
            channel_points_voting_enabled="channel_points_per_vote" in params,
            channel_points_per_vote=params.get("channel_points_per_vote"),
        )
        return {
            "id": poll.id,
            "status": _enum(poll.status),
            "title": poll.title,
            "choices": [{"id": choice.id, "title": choice.title} for choice in poll.choices],
        }

    async def _create_prediction(
        self, twitch: Twitch, params: Mapping[str, Any], ctx: ActionContext
    ) -> Any:
        prediction = await twitch.create_prediction(
            self._broadcaster, params["title"], list(params["outcomes"]), params["window"]
        )
        return {
            "id": prediction.id,
            "status": _enum(prediction.status),
            "title": prediction.title,
            "outcomes": [
                {"id": outcome.id, "title": outcome.title, "color": outcome.color}
                for outcome in prediction.outcomes
            ],
        }

    _actions: ClassVar[dict[str, _Handler]] = {
        "send_chat_message": _send_chat_message,
        "create_clip": _create_clip,
        "raid_channel": _raid_channel,
        "cancel_raid": _cancel_raid,
        "create_stream_marker": _create_stream_marker,
        "update_channel": _update_channel,
        "send_announcement": _send_announcement,
        "send_shoutout": _send_shoutout,
        "start_commercial": _start_commercial,
        "create_poll": _create_poll,
        "create_prediction": _create_prediction,
    }


def _label(action: str) -> str:
    return action.replace("_", " ")


def _iso(value: Any) -> Any:
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else value


def _enum(value: Any) -> Any:
    return getattr(value, "value", value)


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
