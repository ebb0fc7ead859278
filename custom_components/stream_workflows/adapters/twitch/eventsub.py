"""Twitch's EventSub websocket transport, run as tasks on the caller's event loop.

twitchAPI's `EventSubWebsocket` normally runs its socket in a thread of its own, blocks the
caller while it connects and schedules callbacks across threads. This subclass runs the very
same coroutines (connect, keepalive watchdog, session_reconnect, revocation, resubscribe) as
tasks on the caller's event loop, so nothing blocks and nothing lingers. Its receive loop is
twitchAPI's with one fix: when Twitch closes the socket (codes 4000-4007) it reconnects at
once, where 4.5.0 waits for the keepalive watchdog. It also records message ids, so duplicate
notifications are really dropped (4.5.0 checks the history but never fills it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any

import aiohttp
from twitchAPI.eventsub.websocket import EventSubWebsocket
from twitchAPI.twitch import Twitch
from twitchAPI.type import TwitchBackendException

_LOGGER = logging.getLogger(__name__)

_CLOSE_TIMEOUT = 5.0


class EventSub(EventSubWebsocket):
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
