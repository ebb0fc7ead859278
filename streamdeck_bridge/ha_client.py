"""A small typed client for Home Assistant's websocket API.

Modelled on python-elgato: one client class used as an async context manager, dataclass models,
one exception hierarchy, an injectable aiohttp session.

    async with HomeAssistantClient(url, token) as client:
        await client.call_service("light", "toggle", target={"entity_id": "light.desk"})

The client speaks for one connection; `HomeAssistantLink` (ha_link.py) keeps one alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import aiohttp

_LOGGER = logging.getLogger(__name__)


def new_session() -> aiohttp.ClientSession:
    """A session resolving names with the system resolver (getaddrinfo in a thread).

    aiohttp prefers aiodns when it is installed, which cannot resolve mDNS names such as
    `homeassistant.local` (and breaks when aiodns and pycares versions disagree).
    """
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    )


class HomeAssistantError(Exception):
    """Base of every error this client raises."""


class HomeAssistantConnectionError(HomeAssistantError):
    """Home Assistant cannot be reached, or the connection was lost."""


class HomeAssistantAuthenticationError(HomeAssistantError):
    """Home Assistant refused the access token."""


class HomeAssistantCommandError(HomeAssistantError):
    """Home Assistant answered a command with an error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class EntityState:
    """The state of one entity."""

    entity_id: str
    state: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    last_changed: float | None = None


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One entity registry entry."""

    entity_id: str
    platform: str
    unique_id: str
    disabled: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegistryEntry:
        return cls(
            entity_id=str(data["entity_id"]),
            platform=str(data.get("platform", "")),
            unique_id=str(data.get("unique_id", "")),
            disabled=data.get("disabled_by") is not None,
        )


type StatesCallback = Callable[[dict[str, EntityState | None]], None]
type EventCallback = Callable[[dict[str, Any]], None]


def _apply_compressed(
    current: EntityState | None, entity_id: str, compressed: Mapping[str, Any]
) -> EntityState:
    """A full compressed state (`subscribe_entities` "a")."""
    return EntityState(
        entity_id=entity_id,
        state=str(compressed.get("s", current.state if current else "unknown")),
        attributes=dict(compressed.get("a", {})),
        last_changed=compressed.get("lc"),
    )


def _apply_diff(current: EntityState, diff: Mapping[str, Any]) -> EntityState:
    """A compressed diff (`subscribe_entities` "c"): "+" additions and "-" removals."""
    attributes = dict(current.attributes)
    state = current.state
    last_changed = current.last_changed
    if plus := diff.get("+"):
        state = str(plus.get("s", state))
        last_changed = plus.get("lc", last_changed)
        attributes.update(plus.get("a", {}))
    if minus := diff.get("-"):
        for name in minus.get("a", []):
            attributes.pop(name, None)
    return EntityState(current.entity_id, state, attributes, last_changed)


class HomeAssistantClient:
    """One authenticated websocket connection to Home Assistant."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        session: aiohttp.ClientSession | None = None,
        heartbeat: float = 20.0,
        request_timeout: float = 10.0,
        verify_ssl: bool = True,
    ) -> None:
        self.url = url
        self._token = token
        self._session = session
        self._own_session = session is None
        self.heartbeat = heartbeat
        self.request_timeout = request_timeout
        self.verify_ssl = verify_ssl
        self.ha_version: str | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._next_id = 1
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._subscriptions: dict[int, Callable[[dict[str, Any]], None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = asyncio.Event()
        self.close_reason: BaseException | None = None
        self.pongs = 0

    # -- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed and not self._closed.is_set()

    async def connect(self) -> None:
        """Open the websocket and authenticate."""
        if self._session is None:
            self._session = new_session()
        try:
            # One deadline for the whole handshake: a frozen Home Assistant accepts the TCP
            # connection but never answers.
            async with asyncio.timeout(self.request_timeout):
                self._ws = await self._session.ws_connect(
                    self.url,
                    timeout=aiohttp.ClientWSTimeout(ws_close=self.request_timeout),
                    ssl=self.verify_ssl,
                    max_msg_size=0,
                )
                hello = await self._ws.receive_json()
                if hello.get("type") != "auth_required":
                    raise HomeAssistantConnectionError(f"unexpected greeting: {hello!r}")
                await self._ws.send_json({"type": "auth", "access_token": self._token})
                reply = await self._ws.receive_json()
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError, TypeError) as err:
            await self._teardown()
            raise HomeAssistantConnectionError(
                f"cannot connect to {self.url}: {err or type(err).__name__}"
            ) from err
        except BaseException:  # HomeAssistantError, or cancelled while connecting
            await self._teardown()
            raise
        if reply.get("type") == "auth_invalid":
            await self._teardown()
            raise HomeAssistantAuthenticationError(
                f"Home Assistant refused the token: {reply.get('message', 'invalid token')}"
            )
        if reply.get("type") != "auth_ok":
            await self._teardown()
            raise HomeAssistantConnectionError(f"unexpected auth reply: {reply!r}")
        self.ha_version = reply.get("ha_version")
        self._tasks.append(asyncio.create_task(self._reader(), name="ha-reader"))
        if self.heartbeat > 0:
            self._tasks.append(asyncio.create_task(self._heartbeat(), name="ha-heartbeat"))

    async def close(self) -> None:
        """Close the connection (and the session, if the client made it)."""
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        for task in self._tasks:
            if task is not current:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks.clear()
        await self._teardown()

    async def _teardown(self) -> None:
        self._closed.set()
        if self._ws is not None:
            await self._ws.close()
        self._fail_pending(HomeAssistantConnectionError("connection closed"))
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def wait_closed(self) -> BaseException | None:
        """Wait until the connection ends; return why (None after close())."""
        await self._closed.wait()
        return self.close_reason

    def _fail_pending(self, err: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(err)
        self._pending.clear()

    async def _reader(self) -> None:
        assert self._ws is not None
        reason: BaseException = HomeAssistantConnectionError("Home Assistant closed the connection")
        try:
            async for msg in self._ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                data = msg.json()
                for item in data if isinstance(data, list) else [data]:
                    self._dispatch(item)
        except (aiohttp.ClientError, OSError, ValueError) as err:
            reason = HomeAssistantConnectionError(f"connection lost: {err}")
        self.close_reason = reason
        self._closed.set()
        self._fail_pending(HomeAssistantConnectionError(str(reason)))

    def _dispatch(self, item: Mapping[str, Any]) -> None:
        kind = item.get("type")
        msg_id = item.get("id")
        if kind == "event" and isinstance(msg_id, int):
            if (handler := self._subscriptions.get(msg_id)) is not None:
                try:
                    handler(item["event"])
                except Exception:
                    _LOGGER.exception("Error handling a Home Assistant event")
            return
        if isinstance(msg_id, int) and (future := self._pending.pop(msg_id, None)):
            if future.done():
                return
            if kind == "pong":
                future.set_result(None)
            elif item.get("success", False):
                future.set_result(item.get("result"))
            else:
                error = item.get("error") or {}
                future.set_exception(
                    HomeAssistantCommandError(
                        str(error.get("code", "unknown_error")), str(error.get("message", ""))
                    )
                )

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            try:
                await self.send_command({"type": "ping"}, reply_within=self.heartbeat)
                self.pongs += 1
            except (HomeAssistantError, TimeoutError):
                _LOGGER.warning("Home Assistant did not answer a ping; reconnecting")
                self.close_reason = HomeAssistantConnectionError("heartbeat timed out")
                if self._ws is not None:
                    await self._ws.close()
                self._closed.set()
                self._fail_pending(HomeAssistantConnectionError("heartbeat timed out"))
                return

    # -- commands -----------------------------------------------------------------------

    async def send_command(
        self, message: Mapping[str, Any], *, reply_within: float | None = None
    ) -> Any:
        """Send one command; return its result or raise HomeAssistantCommandError."""
        if not self.connected or self._ws is None:
            raise HomeAssistantConnectionError("not connected to Home Assistant")
        msg_id = self._next_id
        self._next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        try:
            await self._ws.send_json({**message, "id": msg_id})
        except (aiohttp.ClientError, ConnectionError) as err:
            self._pending.pop(msg_id, None)
            raise HomeAssistantConnectionError(f"cannot send: {err}") from err
        try:
            return await asyncio.wait_for(future, reply_within or self.request_timeout)
        finally:
            self._pending.pop(msg_id, None)

    async def call_service(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None = None,
        target: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call a Home Assistant action; raise HomeAssistantCommandError when it fails."""
        message: dict[str, Any] = {
            "type": "call_service",
            "domain": domain,
            "service": service,
            "service_data": dict(data or {}),
        }
        if target:
            message["target"] = dict(target)
        return await self.send_command(message)

    async def entity_registry(self) -> list[RegistryEntry]:
        result = await self.send_command({"type": "config/entity_registry/list"})
        return [RegistryEntry.from_dict(item) for item in result]

    async def _subscribe(
        self, message: Mapping[str, Any], handler: Callable[[dict[str, Any]], None]
    ) -> int:
        msg_id = self._next_id
        # Register before sending: the first event may follow the result immediately.
        self._subscriptions[msg_id] = handler
        try:
            await self.send_command(message)
        except BaseException:
            self._subscriptions.pop(msg_id, None)
            raise
        return msg_id

    async def subscribe_events(self, event_type: str, callback: EventCallback) -> int:
        """Subscribe to one bus event type; the callback receives each whole event
        (`event_type`, `data`, `time_fired`, `context`). Return the subscription id."""
        return await self._subscribe(
            {"type": "subscribe_events", "event_type": event_type}, callback
        )

    async def subscribe_entities(self, entity_ids: Iterable[str], callback: StatesCallback) -> int:
        """Follow the given entities; the callback receives full states (None: removed).

        The first callback holds every entity that exists, so it is a full resynchronisation.
        """
        states: dict[str, EntityState] = {}

        def handler(event: dict[str, Any]) -> None:
            changed: dict[str, EntityState | None] = {}
            for entity_id, compressed in event.get("a", {}).items():
                states[entity_id] = _apply_compressed(states.get(entity_id), entity_id, compressed)
                changed[entity_id] = states[entity_id]
            for entity_id, diff in event.get("c", {}).items():
                if entity_id in states:
                    states[entity_id] = _apply_diff(states[entity_id], diff)
                    changed[entity_id] = states[entity_id]
            for entity_id in event.get("r", []):
                states.pop(entity_id, None)
                changed[entity_id] = None
            callback(changed)

        ids = sorted(set(entity_ids))
        if not ids:
            raise ValueError("subscribe_entities needs at least one entity id")
        return await self._subscribe({"type": "subscribe_entities", "entity_ids": ids}, handler)

    async def unsubscribe(self, subscription: int) -> None:
        self._subscriptions.pop(subscription, None)
        with contextlib.suppress(HomeAssistantCommandError):
            await self.send_command({"type": "unsubscribe_events", "subscription": subscription})
