"""The OBS connection: obs-websocket 5 through obsws-python, safe for asyncio, reconnecting.

- every request runs on ONE worker thread (a one-thread executor, see `transport`): requests
  are serialised and the event loop never blocks.
- events come from the transport's event thread, handed to the event loop with
  `call_soon_threadsafe` (no callback of ours ever runs on a foreign thread) and mapped by
  `events.map_event`.
- the library does not reconnect: a supervisor task connects, watches both sockets and
  reconnects with exponential backoff. While disconnected every action fails at once with
  `ObsNotConnectedError` (error type `not_connected`), which a workflow can route on.
- actions are the `actions.TABLE` handlers; this class is the `ObsClient` they use.

The Home Assistant glue uses `ObsConnection` (start/stop, `connected`, `snapshot()`, the
`on_state` and `on_event` callbacks) and `validate_obs` in its config flow.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from ...engine.adapter import ActionContext
from .actions import TABLE, Requests, read_status
from .errors import ObsNotConnectedError, ObsTimeoutError
from .events import ObsSnapshot, Waiter, map_event
from .transport import (
    CANNOT_CONNECT,
    INVALID_AUTH,
    Session,
    SessionLost,
    connect_error,
    describe_connect_error,
    open_session,
    validate_obs,
)

_LOGGER = logging.getLogger(__name__)

EventCallback = Callable[[str, dict[str, Any]], None]
StateCallback = Callable[[bool], None]


class ObsConnection:
    """A self-reconnecting connection to OBS Studio; the `Connection` the `obs` adapter uses.

    `on_event(name, data)` gets stream events (always on the event loop): `scene_changed`
    {scene_name}, `stream_started`, `stream_stopped`, `stream_reconnecting`,
    `stream_reconnected`, `recording_started` {path}, `recording_stopped` {path},
    `recording_paused`, `recording_resumed`, `replay_buffer_started`, `replay_buffer_stopped`,
    `replay_buffer_saved` {path}, `input_mute_changed` {input_name, muted},
    `source_visibility_changed` {scene_name, item_id, visible}, `obs_exiting`.
    `on_state(connected)` is called whenever the connection comes or goes.
    """

    def __init__(
        self,
        host: str,
        port: int,
        password: str | None,
        *,
        on_event: EventCallback | None = None,
        on_state: StateCallback | None = None,
        request_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        reconnect_min: float = 0.5,
        reconnect_max: float = 30.0,
    ) -> None:
        self.host = host
        self.port = port
        self.password = password or ""
        self.on_event = on_event
        self.on_state = on_state
        self.request_timeout = request_timeout
        self.connect_timeout = connect_timeout
        self.reconnect_min = reconnect_min
        self.reconnect_max = reconnect_max
        self._state = ObsSnapshot()
        self._session: Session | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._lost: asyncio.Event | None = None
        self._first_attempt: asyncio.Future[None] | None = None
        self._waiters: list[Waiter] = []
        self._connected_waiters: set[asyncio.Future[None]] = set()
        self._stopping = False
        self.attempts = 0

    def __repr__(self) -> str:
        return f"ObsConnection(ws://{self.host}:{self.port}, connected={self.connected})"

    # -- state ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._session is not None

    @property
    def last_error(self) -> str | None:
        """`cannot_connect` or `invalid_auth` after a failed attempt, None once connected."""
        return self._state.error

    def snapshot(self) -> ObsSnapshot:
        """Last known state (scene, streaming, recording...), kept current by OBS's events."""
        return self._state

    async def wait_connected(self, within: float | None = None) -> bool:
        """Wait until connected (True) or `within` seconds have passed (False)."""
        if self.connected:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._connected_waiters.add(future)
        try:
            async with asyncio.timeout(within):
                await future
        except TimeoutError:
            return False
        finally:
            self._connected_waiters.discard(future)
        return True

    # -- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start connecting (and reconnecting, forever, until `stop`). Returns after the first
        attempt, whatever its outcome: check `connected` / `last_error`; never raises for a
        connection problem."""
        if self._supervisor is not None:
            return
        self._stopping = False
        self._loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="stream_workflows_obs")
        self._lost = asyncio.Event()
        self._first_attempt = self._loop.create_future()
        self._supervisor = self._loop.create_task(
            self._supervise(), name=f"stream_workflows obs {self.host}:{self.port}"
        )
        await asyncio.shield(self._first_attempt)

    async def stop(self) -> None:
        """Disconnect and stop reconnecting; no thread or task of ours is left afterwards."""
        self._stopping = True
        supervisor, self._supervisor = self._supervisor, None
        if supervisor is not None:
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        self._first_done()  # a start() still waiting returns (a task cancelled unstarted)
        await self._drop_session(notify=True)
        executor, self._executor = self._executor, None
        if executor is not None:
            # The last job has run, so the worker is idle and the join is immediate.
            assert self._loop is not None
            await self._loop.run_in_executor(executor, lambda: None)
            executor.shutdown(wait=True)

    async def _supervise(self) -> None:
        assert self._loop is not None
        assert self._lost is not None
        failures = 0
        try:
            while not self._stopping:
                self.attempts += 1
                self._lost.clear()
                try:
                    session = await self._connect()
                except Exception as err:
                    error = connect_error(err)
                    if self._state.error != error:
                        _LOGGER.warning(
                            "Cannot connect to OBS at %s:%s: %s",
                            self.host,
                            self.port,
                            describe_connect_error(err, error),
                        )
                    self._state = replace(self._state, error=error)
                    self._first_done()
                    failures += 1
                    delay = min(self.reconnect_max, self.reconnect_min * 2 ** (failures - 1))
                    await asyncio.sleep(delay)
                    continue
                failures = 0
                session.requests.base_client.ws.settimeout(self.request_timeout)
                self._session = session
                self._state = ObsSnapshot(connected=True, **session.info)
                _LOGGER.info(
                    "Connected to OBS %s (obs-websocket %s) at %s:%s",
                    session.info.get("obs_version"),
                    session.info.get("websocket_version"),
                    self.host,
                    self.port,
                )
                self._first_done()
                for future in self._connected_waiters:
                    if not future.done():
                        future.set_result(None)
                self._notify_state(True)
                if not session.events.worker.is_alive():
                    self._lost.set()  # it ended before the session was in place
                await self._lost.wait()
                _LOGGER.warning("Connection to OBS at %s:%s lost", self.host, self.port)
                await self._drop_session(notify=True)
                # The first retry is immediate; then the backoff grows.
        finally:
            self._first_done()

    async def _connect(self) -> Session:
        """Open a session on the worker thread; one opened after a cancel is closed again."""
        assert self._loop is not None
        job = self._loop.run_in_executor(
            self._executor,
            open_session,
            self.host,
            self.port,
            self.password,
            self.connect_timeout,
            self._deliver_threadsafe,
            functools.partial(self._closed_threadsafe, self.attempts),
        )
        try:
            return await asyncio.shield(job)
        except asyncio.CancelledError:
            # stop() while connecting: let the attempt finish, then close what it opened, so
            # no event thread outlives the connection.
            with contextlib.suppress(Exception):
                late = await job
                await self._loop.run_in_executor(self._executor, late.close)
            raise

    def _first_done(self) -> None:
        if self._first_attempt is not None and not self._first_attempt.done():
            self._first_attempt.set_result(None)

    async def _drop_session(self, *, notify: bool) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        self._state = replace(self._state, connected=False)
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.set_exception(self._not_connected())
        self._waiters.clear()
        if session.busy:
            session.abort()  # a request is blocked in recv: wake it
        if notify:
            self._notify_state(False)
        assert self._loop is not None
        if self._executor is not None:
            await self._loop.run_in_executor(self._executor, session.close)
        else:
            session.close()

    def _notify_state(self, connected: bool) -> None:
        if self.on_state is None:
            return
        try:
            self.on_state(connected)
        except Exception:
            _LOGGER.exception("Error in the OBS connection state callback")

    # -- events (thread -> loop) ---------------------------------------------------------

    def _deliver_threadsafe(self, event: str, data: dict[str, Any]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._handle_event, event, data)

    def _closed_threadsafe(self, attempt: int) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._connection_lost, attempt)

    def _connection_lost(self, attempt: int | None = None) -> None:
        """The session of connection attempt `attempt` (None: the current one) is gone."""
        if attempt is not None and attempt != self.attempts:
            return  # a late notice from a session already replaced
        if self._lost is not None and self._session is not None:
            self._lost.set()

    def _handle_event(self, event: str, data: dict[str, Any]) -> None:
        if self._session is None:
            return
        for waiter in list(self._waiters):
            if waiter.event == event and not waiter.future.done() and waiter.match(data):
                waiter.future.set_result(data)
                self._waiters.remove(waiter)
        self._state, stream_event = map_event(self._state, event, data)
        if stream_event is not None and self.on_event is not None:
            name, payload = stream_event
            try:
                self.on_event(name, payload)
            except Exception:
                _LOGGER.exception("Error in the OBS event callback for %s", name)

    def expect(self, event: str, match: Callable[[dict[str, Any]], bool]) -> Waiter:
        assert self._loop is not None
        waiter = Waiter(event, match, self._loop.create_future())
        self._waiters.append(waiter)
        return waiter

    def forget(self, waiter: Waiter) -> None:
        if waiter in self._waiters:
            self._waiters.remove(waiter)
        if not waiter.future.done():
            waiter.future.cancel()

    async def arrival(self, waiter: Waiter) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await waiter.future
        finally:
            self.forget(waiter)
        return result

    # -- requests ------------------------------------------------------------------------

    def _not_connected(self) -> ObsNotConnectedError:
        why = {
            INVALID_AUTH: "OBS refused the password",
            CANNOT_CONNECT: "OBS is not reachable",
        }.get(self._state.error or "", "reconnecting")
        return ObsNotConnectedError(f"OBS is not connected (ws://{self.host}:{self.port}: {why})")

    async def run[T](self, job: Callable[[Requests], T], what: str) -> T:
        """Run `job(session)` on the worker thread; failures are `ObsError`s."""
        session = self._session
        if session is None or self._executor is None or self._loop is None:
            raise self._not_connected()
        try:
            return await self._loop.run_in_executor(self._executor, job, session)
        except SessionLost as err:
            self._connection_lost()
            raise ObsNotConnectedError(f"OBS connection lost during {what}: {err}") from None
        except ObsTimeoutError:
            raise ObsTimeoutError(
                f"OBS did not answer {what} within {self.request_timeout:g} s"
            ) from None

    async def off_loop[T](self, job: Callable[[], T]) -> T:
        """Blocking work on the worker thread (after the requests already queued)."""
        if self._executor is None or self._loop is None:
            raise self._not_connected()
        return await self._loop.run_in_executor(self._executor, job)

    async def request(
        self, request_type: str, data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One raw obs-websocket request (for glue and entities); its response data."""
        return await self.run(lambda session: session.call(request_type, data), request_type)

    async def current_scene(self) -> str:
        """The scene on program now, asked of OBS."""
        data = await self.request("GetCurrentProgramScene")
        return str(data.get("currentProgramSceneName"))

    async def status(self) -> dict[str, Any]:
        """Streaming and recording status, asked of OBS (see `get_stream_status`)."""
        return await read_status(self)

    async def perform(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        """Do one action of `actions.TABLE`; an `ObsError` (a step error) on failure."""
        handler = TABLE.handler(action)
        if self._session is None:
            raise self._not_connected()
        return await handler(self, params, ctx)


__all__ = ["ObsConnection", "ObsSnapshot", "validate_obs"]
