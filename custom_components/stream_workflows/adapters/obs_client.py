"""The OBS connection: obs-websocket 5 through obsws-python, made safe for asyncio.

obsws-python is synchronous, and its `ReqClient` reads "the next frame" as the answer to a
request without matching request ids. So:

- every request runs on ONE worker thread (a one-thread executor): requests are serialised and
  the event loop never blocks. Requests carry our own increasing `requestId` and frames that do
  not answer them are skipped, so a late answer after a timeout can never be taken for the
  answer to the next request. (obsws-python connects and identifies; the request loop is ours.)
- events come from an obsws-python `EventClient` whose thread hands each one to the event loop
  with `call_soon_threadsafe`; no callback of ours ever runs on a foreign thread.
- the library does not reconnect: a supervisor task connects, watches both sockets and
  reconnects with exponential backoff. While disconnected every action fails at once with
  `NotConnectedError` (error type `not_connected`), which a workflow can route on.
- OBS's own request errors become `ActionError`s with readable messages, and obsws-python's
  logging (tracebacks on refused connections, the password in an INFO line) is tamed.

The Home Assistant glue uses `ObsConnection` (start/stop, `connected`, `snapshot()`, the
`on_state` and `on_event` callbacks) and `validate_obs` in its config flow.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import functools
import itertools
import json
import logging
import os
import re
import socket
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import PurePath
from typing import Any, ClassVar

from obsws_python import EventClient, ReqClient
from obsws_python.error import OBSSDKError, OBSSDKRequestError, OBSSDKTimeoutError
from obsws_python.subs import Subs
from websocket import (
    WebSocketConnectionClosedException,
    WebSocketException,
    WebSocketTimeoutException,
)

from ..engine.adapter import ActionContext
from ..engine.errors import ActionError, NotConnectedError

_LOGGER = logging.getLogger(__name__)

EventCallback = Callable[[str, dict[str, Any]], None]
StateCallback = Callable[[bool], None]

CANNOT_CONNECT = "cannot_connect"
INVALID_AUTH = "invalid_auth"

STARTED = "OBS_WEBSOCKET_OUTPUT_STARTED"
STOPPED = "OBS_WEBSOCKET_OUTPUT_STOPPED"
PAUSED = "OBS_WEBSOCKET_OUTPUT_PAUSED"
RESUMED = "OBS_WEBSOCKET_OUTPUT_RESUMED"
RECONNECTING = "OBS_WEBSOCKET_OUTPUT_RECONNECTING"
RECONNECTED = "OBS_WEBSOCKET_OUTPUT_RECONNECTED"

EVENT_SUBSCRIPTIONS = Subs.GENERAL | Subs.SCENES | Subs.INPUTS | Subs.OUTPUTS | Subs.SCENEITEMS
# The OBS events we act on; others are dropped on the event thread, never waking the loop.
WATCHED_EVENTS = frozenset(
    {
        "CurrentProgramSceneChanged",
        "StreamStateChanged",
        "RecordStateChanged",
        "ReplayBufferStateChanged",
        "ReplayBufferSaved",
        "InputMuteStateChanged",
        "SceneItemEnableStateChanged",
        "ExitStarted",
    }
)

# obs-websocket 5 request status codes (RequestStatus) we explain in words.
_CODE_WORDS = {
    207: "OBS is not ready yet",
    500: "the output is already running",
    501: "the output is not running",
    502: "the output is paused",
    503: "the output is not paused",
    504: "the output is disabled in OBS",
    505: "studio mode is active",
    506: "studio mode is not active",
    600: "not found",
    601: "already exists",
    602: "wrong kind of resource",
    604: "not possible in the current state",
    703: "OBS cannot do this right now",
}
_ERROR_TYPES = {600: "not_found", 601: "already_exists", 602: "wrong_type", 207: "not_ready"}
_OUTPUT_WORDS = {
    "StreamStateChanged": "stream",
    "RecordStateChanged": "recording",
    "ReplayBufferStateChanged": "replay buffer",
}
_STATUS_REQUESTS = {
    "StreamStateChanged": "GetStreamStatus",
    "RecordStateChanged": "GetRecordStatus",
    "ReplayBufferStateChanged": "GetReplayBufferStatus",
}
_STATE_CODES = frozenset({500, 501, 502, 503, 504, 505, 506, 604})


# -- obsws-python's logging ------------------------------------------------------------------


class _ObswsLogFilter(logging.Filter):
    """Keep obsws-python's logs useful: no password, no tracebacks above DEBUG.

    The library logs every refused connection with a traceback (once per reconnect attempt)
    and every request error with `logger.exception`; we report those ourselves, readably. Its
    INFO line "Connecting with parameters" contains the password in clear.
    """

    _PASSWORD = re.compile(r"password='.*'(?=,? (?:subs|timeout)=)")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "password=" in record.msg:
            record.msg = self._PASSWORD.sub("password='***'", record.msg)
        if record.levelno >= logging.WARNING or record.exc_info:
            if record.exc_info and record.exc_info[1] is not None:
                record.msg = f"{record.getMessage()} ({type(record.exc_info[1]).__name__})"
                record.args = None
            record.exc_info = None
            record.exc_text = None
            record.levelno = logging.DEBUG
            record.levelname = "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


_LOG_FILTER = _ObswsLogFilter()
for _name in (
    "obsws_python.baseclient.ObsClient",
    "obsws_python.reqs.ReqClient",
    "obsws_python.events.EventClient",
    "obsws_python.events._EventThreadClient",
):
    logging.getLogger(_name).addFilter(_LOG_FILTER)


# -- state -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObsSnapshot:
    """The last known state of OBS, kept up to date by its events (for entities)."""

    connected: bool = False
    scene_name: str | None = None
    streaming: bool = False
    stream_reconnecting: bool = False
    recording: bool = False
    recording_paused: bool = False
    replay_buffer_active: bool = False
    last_recording: str | None = None
    last_replay: str | None = None
    obs_version: str | None = None
    websocket_version: str | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Lost(Exception):
    """The websocket is gone (raised on the worker thread)."""


class _Waiter:
    """A future for the first OBS event of a type whose data matches."""

    __slots__ = ("event", "future", "match")

    def __init__(
        self, event: str, match: Callable[[dict[str, Any]], bool], future: asyncio.Future[Any]
    ) -> None:
        self.event = event
        self.match = match
        self.future = future


def _output_state(*states: str) -> Callable[[dict[str, Any]], bool]:
    wanted = frozenset(states)
    return lambda data: data.get("outputState") in wanted


def _close_failed(client: Any) -> None:
    """Close the socket of a client whose constructor failed after connecting (bad password:
    obsws-python raises and leaves it open)."""
    base = getattr(client, "base_client", None)
    ws = getattr(base, "ws", None)
    if ws is not None:
        with contextlib.suppress(Exception):
            ws.shutdown()


class _ReqClient(ReqClient):  # type: ignore[misc]
    """obsws-python's ReqClient that closes its socket when identifying fails."""

    def __init__(self, **kwargs: Any) -> None:
        try:
            super().__init__(**kwargs)
        except BaseException:
            _close_failed(self)
            raise


class _EventThreadClient(EventClient):  # type: ignore[misc]
    """obsws-python's EventClient, delivering raw event data to a callable, telling when it ends.

    `EventClient.trigger` (the thread's body) turns every event into a freshly made dataclass
    type and swallows the end of the connection; this body hands `(type, data)` on and calls
    `on_closed` when the socket ends, so the connection can reconnect.
    """

    def __init__(
        self,
        deliver: Callable[[str, dict[str, Any]], None],
        on_closed: Callable[[], None],
        **kwargs: Any,
    ) -> None:
        self._deliver = deliver
        self._on_closed = on_closed
        try:
            super().__init__(**kwargs)
        except BaseException:
            _close_failed(self)
            raise
        self.worker.name = "stream_workflows_obs_events"

    def trigger(self, stop_event: threading.Event) -> None:
        ws = self.base_client.ws
        try:
            while not stop_event.is_set():
                try:
                    raw = ws.recv()
                except (WebSocketException, OSError, ValueError):
                    return
                if not raw:
                    continue
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                body = message.get("d") or {}
                event = body.get("eventType")
                if message.get("op") == 5 and event in WATCHED_EVENTS:
                    self._deliver(event, body.get("eventData") or {})
        finally:
            stop_event.set()
            self._on_closed()

    def close(self) -> None:
        """Close politely, then make sure the thread has ended (called off the event loop)."""
        ws = self.base_client.ws
        with contextlib.suppress(Exception):
            if ws.connected:
                ws.send_close()
        self.worker.join(1.0)
        if self.worker.is_alive():
            ws.abort()
            self.worker.join()
        ws.shutdown()


class _Session:
    """One connected pair of websockets (requests and events); used on the worker thread."""

    def __init__(self, requests: ReqClient, events: _EventThreadClient, info: dict[str, Any]):
        self.requests = requests
        self.events = events
        self.info = info
        self._ids = itertools.count(1)
        self.busy = False

    def call(self, request_type: str, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One request; its answer's `responseData`. Raises OBSSDKRequestError or _Lost."""
        request_id = str(next(self._ids))
        body: dict[str, Any] = {"requestType": request_type, "requestId": request_id}
        if data:
            body["requestData"] = data
        ws = self.requests.base_client.ws
        self.busy = True
        try:
            ws.send(json.dumps({"op": 6, "d": body}))
            while True:
                raw = ws.recv()
                if not raw:
                    raise _Lost("OBS closed the connection")
                message = json.loads(raw)
                answer = message.get("d") or {}
                if message.get("op") == 7 and answer.get("requestId") == request_id:
                    break
        except WebSocketTimeoutException as err:
            raise OBSSDKTimeoutError(f"no answer from OBS to {request_type}") from err
        except (WebSocketConnectionClosedException, OSError, WebSocketException) as err:
            raise _Lost(f"connection to OBS lost ({type(err).__name__})") from err
        finally:
            self.busy = False
        status = answer.get("requestStatus") or {}
        if not status.get("result"):
            raise OBSSDKRequestError(request_type, status.get("code"), status.get("comment"))
        result: dict[str, Any] = answer.get("responseData") or {}
        return result

    def abort(self) -> None:
        """Wake any thread blocked on these sockets (safe from any thread)."""
        for ws in (self.requests.base_client.ws, self.events.base_client.ws):
            with contextlib.suppress(Exception):
                ws.abort()

    def close(self) -> None:
        """Close both websockets; the event thread has ended when this returns."""
        with contextlib.suppress(Exception):
            self.requests.base_client.ws.close(timeout=1)
        with contextlib.suppress(Exception):
            self.events.close()


def _connect_error(err: BaseException) -> str:
    """`invalid_auth` or `cannot_connect` for an exception raised while connecting."""
    if isinstance(err, OBSSDKTimeoutError):
        return CANNOT_CONNECT
    if isinstance(err, OBSSDKError):
        # "authentication enabled but no password provided", or OBS closed the socket while
        # identifying (close code 4009, AuthenticationFailed) so the answer was not JSON.
        return INVALID_AUTH
    if isinstance(err, WebSocketConnectionClosedException):
        return INVALID_AUTH
    return CANNOT_CONNECT


def _open_session(
    host: str,
    port: int,
    password: str,
    timeout: float,
    deliver: Callable[[str, dict[str, Any]], None],
    on_closed: Callable[[], None],
) -> _Session:
    """Connect and identify both websockets (blocking: worker thread)."""
    requests = _ReqClient(host=host, port=port, password=password or "", timeout=timeout)
    try:
        events = _EventThreadClient(
            deliver,
            on_closed,
            host=host,
            port=port,
            password=password or "",
            timeout=timeout,
            subs=EVENT_SUBSCRIPTIONS,
        )
    except BaseException:
        with contextlib.suppress(Exception):
            requests.base_client.ws.close(timeout=1)
        raise
    session = _Session(requests, events, {})
    try:
        version = session.call("GetVersion")
        scene = session.call("GetCurrentProgramScene")
        stream = session.call("GetStreamStatus")
        record = session.call("GetRecordStatus")
        try:
            replay = session.call("GetReplayBufferStatus")
        except OBSSDKRequestError:
            replay = {"outputActive": False}  # replay buffer disabled in OBS's settings
    except BaseException:
        session.abort()
        session.close()
        raise
    session.info = {
        "obs_version": version.get("obsVersion"),
        "websocket_version": version.get("obsWebSocketVersion"),
        "scene_name": scene.get("currentProgramSceneName"),
        "streaming": bool(stream.get("outputActive")),
        "stream_reconnecting": bool(stream.get("outputReconnecting")),
        "recording": bool(record.get("outputActive")),
        "recording_paused": bool(record.get("outputPaused")),
        "replay_buffer_active": bool(replay.get("outputActive")),
    }
    return session


def _probe(host: str, port: int, password: str, timeout: float) -> str | None:
    """Connect, identify and disconnect once (blocking)."""
    try:
        client = _ReqClient(host=host, port=port, password=password or "", timeout=timeout)
    except Exception as err:  # refused, unreachable, timed out, not a websocket...
        return _connect_error(err)
    with contextlib.suppress(Exception):
        client.base_client.ws.close(timeout=1)
    return None


async def validate_obs(
    host: str, port: int, password: str | None, *, connect_timeout: float = 5.0
) -> str | None:
    """Check OBS connection settings: None when they work, else `cannot_connect` or
    `invalid_auth` (the error keys of the config flow)."""
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(1, thread_name_prefix="stream_workflows_obs_probe") as executor:
        return await loop.run_in_executor(
            executor, _probe, host, port, password or "", connect_timeout
        )


# -- the connection --------------------------------------------------------------------------


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
        self._session: _Session | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._lost: asyncio.Event | None = None
        self._first_attempt: asyncio.Future[None] | None = None
        self._waiters: list[_Waiter] = []
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
                    error = _connect_error(err)
                    if self._state.error != error:
                        _LOGGER.warning(
                            "Cannot connect to OBS at %s:%s: %s",
                            self.host,
                            self.port,
                            _describe_connect_error(err, error),
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

    async def _connect(self) -> _Session:
        """Open a session on the worker thread; one opened after a cancel is closed again."""
        assert self._loop is not None
        job = self._loop.run_in_executor(
            self._executor,
            _open_session,
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
        state = self._state
        name: str | None = None
        payload: dict[str, Any] = {}
        output = str(data.get("outputState"))
        if event == "CurrentProgramSceneChanged":
            scene = data.get("sceneName")
            if scene != state.scene_name:  # OBS 29 reports one switch twice
                name, payload = "scene_changed", {"scene_name": scene}
                self._state = replace(state, scene_name=scene)
        elif event == "StreamStateChanged":
            name = {
                STARTED: "stream_started",
                STOPPED: "stream_stopped",
                RECONNECTING: "stream_reconnecting",
                RECONNECTED: "stream_reconnected",
            }.get(output)
            self._state = replace(
                state,
                streaming=bool(data.get("outputActive")),
                stream_reconnecting=output == RECONNECTING,
            )
        elif event == "RecordStateChanged":
            name = {
                STARTED: "recording_started",
                STOPPED: "recording_stopped",
                PAUSED: "recording_paused",
                RESUMED: "recording_resumed",
            }.get(output)
            path = data.get("outputPath")
            if name in ("recording_started", "recording_stopped"):
                payload = {"path": path}
            self._state = replace(
                state,
                recording=bool(data.get("outputActive")),
                recording_paused=output == PAUSED,
                last_recording=path if output == STOPPED and path else state.last_recording,
            )
        elif event == "ReplayBufferStateChanged":
            name = {STARTED: "replay_buffer_started", STOPPED: "replay_buffer_stopped"}.get(output)
            self._state = replace(state, replay_buffer_active=bool(data.get("outputActive")))
        elif event == "ReplayBufferSaved":
            path = data.get("savedReplayPath")
            name, payload = "replay_buffer_saved", {"path": path}
            self._state = replace(state, last_replay=path)
        elif event == "InputMuteStateChanged":
            name = "input_mute_changed"
            payload = {"input_name": data.get("inputName"), "muted": data.get("inputMuted")}
        elif event == "SceneItemEnableStateChanged":
            name = "source_visibility_changed"
            payload = {
                "scene_name": data.get("sceneName"),
                "item_id": data.get("sceneItemId"),
                "visible": data.get("sceneItemEnabled"),
            }
        elif event == "ExitStarted":
            name = "obs_exiting"
        if name is not None and self.on_event is not None:
            try:
                self.on_event(name, payload)
            except Exception:
                _LOGGER.exception("Error in the OBS event callback for %s", name)

    def _expect(self, event: str, match: Callable[[dict[str, Any]], bool]) -> _Waiter:
        assert self._loop is not None
        waiter = _Waiter(event, match, self._loop.create_future())
        self._waiters.append(waiter)
        return waiter

    def _forget(self, waiter: _Waiter) -> None:
        if waiter in self._waiters:
            self._waiters.remove(waiter)
        if not waiter.future.done():
            waiter.future.cancel()

    async def _await(self, waiter: _Waiter) -> dict[str, Any]:
        try:
            result: dict[str, Any] = await waiter.future
        finally:
            self._forget(waiter)
        return result

    # -- requests ------------------------------------------------------------------------

    def _not_connected(self) -> NotConnectedError:
        why = {
            INVALID_AUTH: "OBS refused the password",
            CANNOT_CONNECT: "OBS is not reachable",
        }.get(self._state.error or "", "reconnecting")
        return NotConnectedError(f"OBS is not connected (ws://{self.host}:{self.port}: {why})")

    async def _run[T](self, job: Callable[[_Session], T], what: str) -> T:
        """Run `job(session)` on the worker thread; map failures to ActionError."""
        session = self._session
        if session is None or self._executor is None or self._loop is None:
            raise self._not_connected()
        try:
            return await self._loop.run_in_executor(self._executor, job, session)
        except _Lost as err:
            self._connection_lost()
            raise NotConnectedError(f"OBS connection lost during {what}: {err}") from None
        except OBSSDKTimeoutError:
            raise ActionError(
                f"OBS did not answer {what} within {self.request_timeout:g} s",
                error_type="obs_timeout",
            ) from None
        except OBSSDKRequestError as err:
            raise request_error(err) from None

    async def request(
        self, request_type: str, data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One raw obs-websocket request (for glue and entities); its response data."""
        return await self._run(lambda session: session.call(request_type, data), request_type)

    async def current_scene(self) -> str:
        """The scene on program now, asked of OBS."""
        data = await self.request("GetCurrentProgramScene")
        return str(data.get("currentProgramSceneName"))

    async def status(self) -> dict[str, Any]:
        """Streaming and recording status, asked of OBS (see `get_stream_status`)."""
        result: dict[str, Any] = await self._get_stream_status({})
        return result

    async def perform(self, action: str, params: Mapping[str, Any], ctx: ActionContext) -> Any:
        """Do one catalog action (see `adapters/obs.py`); ActionError on failure."""
        handler = self._handlers.get(action)
        if handler is None:
            raise ActionError(f"unknown obs action '{action}'", error_type="unknown_action")
        if self._session is None:
            raise self._not_connected()
        return await handler(self, params, ctx)

    # -- actions -------------------------------------------------------------------------

    async def _set_current_scene(
        self, params: Mapping[str, Any], _ctx: ActionContext | None = None
    ) -> dict[str, Any]:
        scene = params["scene_name"]
        try:
            await self.request("SetCurrentProgramScene", {"sceneName": scene})
        except ActionError as err:
            if err.error_type != "not_found":
                raise
            raise await self._not_found(
                "scene", scene, "GetSceneList", "scenes", "sceneName"
            ) from None
        return {"scene_name": scene}

    async def _not_found(
        self, kind: str, name: str, request: str, key: str, field: str
    ) -> ActionError:
        try:
            data = await self.request(request)
            known = [
                str(item.get(field)) if isinstance(item, dict) else str(item)
                for item in data.get(key, [])
            ]
            if request == "GetSceneList":
                known.reverse()  # OBS lists scenes bottom-up
        except ActionError:
            known = []
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        listing = f" ({kind}s: {', '.join(known)})" if known and len(known) <= 20 else ""
        return ActionError(
            f"OBS has no {kind} named '{name}'{hint}{listing}", error_type="not_found"
        )

    async def _output(
        self,
        request: str,
        event: str,
        done: str,
        failed: str | None,
        already_code: int,
    ) -> tuple[dict[str, Any], bool]:
        """Send `request` and wait for the output to reach `done` (event data, True), or find
        it already there (response, False). A `failed` state first is an ActionError."""
        states = (done, failed) if failed else (done,)
        waiter = self._expect(event, _output_state(*states))
        try:
            response = await self.request(request)
        except ActionError as err:
            self._forget(waiter)
            if getattr(err, "code", None) == already_code:
                return {}, False
            raise
        except BaseException:
            self._forget(waiter)
            raise
        data = await self._await(waiter)
        if failed and data.get("outputState") == failed:
            what = _OUTPUT_WORDS.get(event, "output")
            raise ActionError(
                f"OBS could not start the {what}: it stopped while starting (check the "
                "server and stream key in OBS's settings, and OBS's log)",
                error_type="output_failed",
            )
        await self._settle(event, active=done == STARTED)
        return {**response, **data}, True

    async def _settle(self, event: str, *, active: bool, within: float = 3.0) -> None:
        """Wait (bounded) until OBS's status agrees with the event just seen: the event comes
        first, and a start, stop or toggle sent in between would otherwise be refused."""
        request = _STATUS_REQUESTS[event]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while bool((await self.request(request)).get("outputActive")) != active:
            if loop.time() >= deadline:
                return
            await asyncio.sleep(0.02)

    async def _start_streaming(self, _params: Mapping[str, Any], _ctx: Any = None) -> Any:
        _data, changed = await self._output(
            "StartStream", "StreamStateChanged", STARTED, STOPPED, already_code=500
        )
        return {"streaming": True, "was_streaming": not changed}

    async def _stop_streaming(self, _params: Mapping[str, Any], _ctx: Any = None) -> Any:
        _data, changed = await self._output(
            "StopStream", "StreamStateChanged", STOPPED, None, already_code=501
        )
        return {"stopped": True, "was_streaming": changed}

    async def _toggle_streaming(self, params: Mapping[str, Any], ctx: Any = None) -> Any:
        status = await self.request("GetStreamStatus")
        if status.get("outputActive"):
            await self._stop_streaming(params, ctx)
            return {"streaming": False}
        await self._start_streaming(params, ctx)
        return {"streaming": True}

    async def _start_recording(self, _params: Mapping[str, Any], _ctx: Any = None) -> Any:
        data, changed = await self._output(
            "StartRecord", "RecordStateChanged", STARTED, STOPPED, already_code=500
        )
        return {"recording": True, "was_recording": not changed, "path": data.get("outputPath")}

    async def _stop_recording(self, _params: Mapping[str, Any], _ctx: Any = None) -> Any:
        data, changed = await self._output(
            "StopRecord", "RecordStateChanged", STOPPED, None, already_code=501
        )
        return {"path": data.get("outputPath"), "was_recording": changed}

    async def _pause_recording(self, _params: Mapping[str, Any], _ctx: Any = None) -> Any:
        await self._pause(True)
        return {"paused": True}

    async def _resume_recording(self, _params: Mapping[str, Any], _ctx: Any = None) -> Any:
        await self._pause(False)
        return {"paused": False}

    async def _pause(self, pause: bool) -> None:
        """Pause or resume the recording; already in that state is fine, not recording is not.

        Done when OBS reports RECORD PAUSED/RESUMED: obs-websocket 5.1 accepts PauseRecord even
        when nothing records, and GetRecordStatus lags behind a pause or resume."""
        status = await self.request("GetRecordStatus")
        if not status.get("outputActive"):
            raise ActionError("OBS is not recording", error_type="invalid_state")
        if bool(status.get("outputPaused")) == pause:
            return
        request = "PauseRecord" if pause else "ResumeRecord"
        waiter = self._expect("RecordStateChanged", _output_state(PAUSED if pause else RESUMED))
        try:
            await self.request(request)
        except ObsRequestError as err:
            self._forget(waiter)
            if err.code in (502, 503):  # it got there meanwhile
                return
            raise
        except BaseException:
            self._forget(waiter)
            raise
        try:
            async with asyncio.timeout(self.request_timeout):
                await self._await(waiter)
        except TimeoutError:
            raise ActionError(
                f"OBS accepted {request} but the recording did not "
                f"{'pause' if pause else 'resume'}",
                error_type="invalid_state",
            ) from None

    async def _start_replay_buffer(self, _params: Mapping[str, Any], _ctx: Any = None) -> Any:
        try:
            _data, changed = await self._output(
                "StartReplayBuffer", "ReplayBufferStateChanged", STARTED, STOPPED, already_code=500
            )
        except ActionError as err:
            if getattr(err, "code", None) == 604:
                raise _replay_disabled() from None
            raise
        return {"active": True, "was_active": not changed}

    async def _stop_replay_buffer(self, _params: Mapping[str, Any], _ctx: Any = None) -> Any:
        try:
            _data, changed = await self._output(
                "StopReplayBuffer", "ReplayBufferStateChanged", STOPPED, None, already_code=501
            )
        except ActionError as err:
            if getattr(err, "code", None) == 604:
                raise _replay_disabled() from None
            raise
        return {"active": False, "was_active": changed}

    async def _save_replay_buffer(
        self, params: Mapping[str, Any], ctx: ActionContext | None = None
    ) -> Any:
        waiter = self._expect("ReplayBufferSaved", lambda _data: True)
        try:
            await self.request("SaveReplayBuffer")
        except ActionError as err:
            self._forget(waiter)
            if getattr(err, "code", None) == 501:
                raise ActionError(
                    "the replay buffer is not running: start it first "
                    "(obs.start_replay_buffer, or in OBS)",
                    error_type="replay_buffer_off",
                ) from None
            if getattr(err, "code", None) == 604:
                raise _replay_disabled() from None
            raise
        except BaseException:
            self._forget(waiter)
            raise
        data = await self._await(waiter)
        path = str(data.get("savedReplayPath") or "")
        filename = params.get("filename")
        if not filename:
            return {"path": path, "original_path": None}
        assert self._loop is not None
        assert self._executor is not None
        renamed, note = await self._loop.run_in_executor(
            self._executor, _rename_saved, path, filename
        )
        if note and ctx is not None:
            ctx.log(note)
        return {"path": renamed, "original_path": path}

    async def _set_input_mute(self, params: Mapping[str, Any], _ctx: Any = None) -> Any:
        name, muted = params["input_name"], bool(params["muted"])
        await self._input_request(
            "SetInputMute", {"inputName": name, "inputMuted": muted}, name, "audio"
        )
        return {"input_name": name, "muted": muted}

    async def _toggle_input_mute(self, params: Mapping[str, Any], _ctx: Any = None) -> Any:
        name = params["input_name"]
        data = await self._input_request("ToggleInputMute", {"inputName": name}, name, "audio")
        return {"input_name": name, "muted": bool(data.get("inputMuted"))}

    async def _input_request(
        self, request: str, data: dict[str, Any], name: str, needs: str
    ) -> dict[str, Any]:
        try:
            return await self.request(request, data)
        except ActionError as err:
            code = getattr(err, "code", None)
            if code == 600:
                raise await self._not_found(
                    "input", name, "GetInputList", "inputs", "inputName"
                ) from None
            if code == 604 and needs == "audio":
                raise ActionError(
                    f"input '{name}' has no audio, so it cannot be muted", error_type="wrong_type"
                ) from None
            raise

    async def _set_source_visibility(self, params: Mapping[str, Any], _ctx: Any = None) -> Any:
        scene, source, visible = params["scene_name"], params["source_name"], params["visible"]

        def job(session: _Session) -> None:
            item = session.call("GetSceneItemId", {"sceneName": scene, "sourceName": source})
            session.call(
                "SetSceneItemEnabled",
                {
                    "sceneName": scene,
                    "sceneItemId": item["sceneItemId"],
                    "sceneItemEnabled": bool(visible),
                },
            )

        try:
            await self._run(job, "SetSceneItemEnabled")
        except ActionError as err:
            if err.error_type != "not_found":
                raise
            scenes = await self.request("GetSceneList")
            if scene not in [s.get("sceneName") for s in scenes.get("scenes", [])]:
                raise await self._not_found(
                    "scene", scene, "GetSceneList", "scenes", "sceneName"
                ) from None
            items = await self.request("GetSceneItemList", {"sceneName": scene})
            known = [str(item.get("sourceName")) for item in items.get("sceneItems", [])]
            raise ActionError(
                f"scene '{scene}' has no source named '{source}'"
                + (f" (its sources: {', '.join(known)})" if known else " (it is empty)"),
                error_type="not_found",
            ) from None
        return {"scene_name": scene, "source_name": source, "visible": bool(visible)}

    async def _set_text(self, params: Mapping[str, Any], _ctx: Any = None) -> Any:
        name, text = params["source_name"], params["text"]

        def job(session: _Session) -> str:
            current = session.call("GetInputSettings", {"inputName": name})
            kind = str(current.get("inputKind", ""))
            if "text" not in kind:
                return kind
            session.call(
                "SetInputSettings",
                {"inputName": name, "inputSettings": {"text": text}, "overlay": True},
            )
            return ""

        try:
            wrong_kind = await self._run(job, "SetInputSettings")
        except ActionError as err:
            if err.error_type != "not_found":
                raise
            raise await self._not_found(
                "input", name, "GetInputList", "inputs", "inputName"
            ) from None
        if wrong_kind:
            raise ActionError(
                f"'{name}' is not a text source (it is a {wrong_kind})", error_type="wrong_type"
            )
        return {"source_name": name, "text": text}

    async def _trigger_hotkey(self, params: Mapping[str, Any], _ctx: Any = None) -> Any:
        name = params["hotkey_name"]
        try:
            await self.request("TriggerHotkeyByName", {"hotkeyName": name})
        except ActionError as err:
            if err.error_type != "not_found":
                raise
            raise await self._not_found(
                "hotkey", name, "GetHotkeyList", "hotkeys", "__name__"
            ) from None
        return {"hotkey_name": name}

    async def _get_stream_status(self, _params: Mapping[str, Any], _ctx: Any = None) -> Any:
        def job(session: _Session) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
            return (
                session.call("GetStreamStatus"),
                session.call("GetRecordStatus"),
                session.call("GetCurrentProgramScene"),
            )

        stream, record, scene = await self._run(job, "GetStreamStatus")
        return {
            "streaming": bool(stream.get("outputActive")),
            "reconnecting": bool(stream.get("outputReconnecting")),
            "timecode": stream.get("outputTimecode"),
            "duration_s": round((stream.get("outputDuration") or 0) / 1000, 3),
            "congestion": stream.get("outputCongestion"),
            "bytes": stream.get("outputBytes"),
            "skipped_frames": stream.get("outputSkippedFrames"),
            "total_frames": stream.get("outputTotalFrames"),
            "recording": bool(record.get("outputActive")),
            "recording_paused": bool(record.get("outputPaused")),
            "recording_timecode": record.get("outputTimecode"),
            "scene_name": scene.get("currentProgramSceneName"),
        }

    _handlers: ClassVar[
        dict[str, Callable[[ObsConnection, Mapping[str, Any], ActionContext], Awaitable[Any]]]
    ] = {
        "set_current_scene": _set_current_scene,
        "start_streaming": _start_streaming,
        "stop_streaming": _stop_streaming,
        "toggle_streaming": _toggle_streaming,
        "start_recording": _start_recording,
        "stop_recording": _stop_recording,
        "pause_recording": _pause_recording,
        "resume_recording": _resume_recording,
        "start_replay_buffer": _start_replay_buffer,
        "stop_replay_buffer": _stop_replay_buffer,
        "save_replay_buffer": _save_replay_buffer,
        "set_input_mute": _set_input_mute,
        "toggle_input_mute": _toggle_input_mute,
        "set_source_visibility": _set_source_visibility,
        "set_text": _set_text,
        "trigger_hotkey": _trigger_hotkey,
        "get_stream_status": _get_stream_status,
    }


# -- helpers ---------------------------------------------------------------------------------


class ObsRequestError(ActionError):
    """OBS answered a request with an error; `code` is obs-websocket's RequestStatus."""

    def __init__(self, message: str, *, code: int | None, error_type: str) -> None:
        super().__init__(message, error_type=error_type)
        self.code = code


def request_error(err: OBSSDKRequestError) -> ObsRequestError:
    """A readable ActionError for an obs-websocket request error."""
    code = err.code if isinstance(err.code, int) else None
    comment = str(err).partition("With message: ")[2].strip()
    words = _CODE_WORDS.get(code or 0)
    detail = comment or words or "request failed"
    if comment and words and code in _STATE_CODES:
        detail = f"{words} ({comment})"
    error_type = _ERROR_TYPES.get(code or 0) or (
        "invalid_state" if code in _STATE_CODES else "obs_error"
    )
    return ObsRequestError(
        f"OBS refused {err.req_name}: {detail} (code {code})", code=code, error_type=error_type
    )


def _replay_disabled() -> ActionError:
    return ActionError(
        "the replay buffer is disabled in OBS (Settings > Output > Replay Buffer)",
        error_type="replay_buffer_off",
    )


def _describe_connect_error(err: BaseException, key: str) -> str:
    if key == INVALID_AUTH:
        return "the password was refused"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused (is OBS running with its WebSocket server enabled?)"
    if isinstance(err, socket.timeout | TimeoutError | WebSocketTimeoutException):
        return "timed out"
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _rename_saved(path: str, filename: str) -> tuple[str, str | None]:
    """Rename a saved replay to `filename` in the same folder (worker thread).

    The container stays what OBS wrote: a different extension in `filename` is replaced by the
    real one (`stream.mp4` for an mkv replay becomes `stream.mkv`). An existing file is never
    overwritten: ` (2)`, ` (3)`... is added. OBS must write to a folder this machine can see.
    """
    if not path or not os.path.exists(path):
        raise ActionError(
            f"OBS saved the replay to '{path}', which this machine cannot see, so it cannot be "
            f"renamed to '{filename}' (leave out 'filename' when OBS runs on another computer)",
            error_type="rename_failed",
        )
    saved = PurePath(path)
    wanted = PurePath(filename)
    note = None
    stem, suffix = wanted.stem, wanted.suffix
    if suffix.lower() != saved.suffix.lower():
        if suffix:
            note = f"kept the '{saved.suffix}' extension OBS recorded (asked for '{suffix}')"
        stem = wanted.name if not suffix else stem
        suffix = saved.suffix
    target = os.path.join(os.path.dirname(path), f"{stem}{suffix}")
    counter = 2
    while os.path.exists(target):
        target = os.path.join(os.path.dirname(path), f"{stem} ({counter}){suffix}")
        counter += 1
    try:
        os.rename(path, target)
    except OSError as err:
        raise ActionError(
            f"OBS saved the replay to '{path}' but renaming it to '{filename}' failed: "
            f"{err.strerror or err}",
            error_type="rename_failed",
        ) from None
    return target, note
