"""Twitch's Helix API and token service through twitchAPI 4.5.0 (the request transport).

A subclass of twitchAPI's `Twitch` makes every HTTP error raise with Twitch's own message (the
library silently treats some, e.g. a 409 on actions returning nothing, as success), retries a
429 once its `Ratelimit-Reset` time has come (bounded), and does not sleep on
`Ratelimit-Remaining: 0` answers that succeeded. Its token refresh is replaced: 4.5.0's polls
a flag that stays set after a failure, leaks a session when Twitch cannot be reached and
cannot tell a refused refresh token from a network problem. `validate_twitch` checks a token
pair for the config flow.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from twitchAPI.helper import TWITCH_AUTH_BASE_URL
from twitchAPI.oauth import validate_token
from twitchAPI.object.api import CreatedClip
from twitchAPI.twitch import Twitch
from twitchAPI.type import (
    AuthScope,
    AuthType,
    InvalidRefreshTokenException,
    TwitchAuthorizationException,
    TwitchBackendException,
)

from .errors import clean
from .scopes import REQUIRED_SCOPES

_LOGGER = logging.getLogger(__name__)

_RATE_LIMIT_ATTEMPT: contextvars.ContextVar[int] = contextvars.ContextVar(
    "stream_workflows_twitch_rate_limit_attempt", default=0
)


class Owner(Protocol):
    """What the Helix client needs of the connection that owns it."""

    rate_limit_retries: int
    rate_limit_max_wait: float

    def auth_lost(self, reason: str) -> None:
        """The tokens cannot be refreshed: tell the host once."""


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


class HelixError(Exception):
    """An HTTP error answer of Helix, with Twitch's own message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def helix_error(response: aiohttp.ClientResponse) -> HelixError:
    message = ""
    try:
        body = await response.json(content_type=None)
        if isinstance(body, dict):
            message = str(body.get("message") or body.get("error") or "")
    except (ValueError, aiohttp.ClientError):
        pass
    finally:
        response.release()
    return HelixError(response.status, clean(message) or f"HTTP {response.status}")


def scope_names(scopes: Iterable[Any]) -> tuple[str, ...]:
    names: list[str] = []
    for scope in scopes:
        if isinstance(scope, AuthScope):
            names.append(scope.value)
        elif isinstance(scope, str):
            names.append(scope)
    return tuple(names)


def auth_scopes(names: Iterable[str]) -> list[AuthScope]:
    known = {scope.value: scope for scope in AuthScope}
    return [known[name] for name in names if name in known]


class _ClientRejectedError(TwitchAuthorizationException):
    """The token endpoint refused the app id or secret."""


async def refresh_tokens(
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
    message = clean(body.get("message"))
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
        return await check_tokens(app_id, app_secret, access_token, refresh_token, auth_base_url)
    except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as err:
        _LOGGER.debug("Twitch validation could not reach Twitch: %s", type(err).__name__)
        return TwitchValidation("cannot_connect")


async def check_tokens(
    app_id: str, app_secret: str, access: str, refresh: str, auth_base_url: str
) -> TwitchValidation:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
        refreshed = False
        answer = await validate_token(access, session=session, auth_base_url=auth_base_url)
        if answer.get("status", 200) == 401 and refresh:
            try:
                access, refresh = await refresh_tokens(
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
        scopes=scope_names(answer.get("scopes") or []),
        access_token=access,
        refresh_token=refresh,
        refreshed=refreshed,
    )


class HelixClient(Twitch):
    """twitchAPI's client with complete HTTP error handling and bounded rate-limit waits."""

    def __init__(self, owner: Owner, *args: Any, **kwargs: Any) -> None:
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
            raise await helix_error(response)
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
            raise await helix_error(response)
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
                    access, refresh = await refresh_tokens(
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

    async def create_clip_with(self, query: dict[str, Any]) -> CreatedClip | None:
        """`POST clips` with every query field Helix takes (`title`, `duration`): twitchAPI
        4.5.0's create_clip() does not take them, so this uses its own request helper."""
        clip: CreatedClip | None = await self._build_result(
            "POST", "clips", query, AuthType.USER, [AuthScope.CLIPS_EDIT], CreatedClip
        )
        return clip
