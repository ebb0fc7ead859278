"""The obs-websocket 5 transport: obsws-python's sockets, made safe to drive from asyncio.

obsws-python is synchronous, and its `ReqClient` reads "the next frame" as the answer to a
request without matching request ids. So every request runs on ONE worker thread (the
connection's one-thread executor) through `Session.call`, which sends our own increasing
`requestId` and skips frames that do not answer it: a late answer after a timeout can never be
taken for the answer to the next request. (obsws-python connects and identifies; the request
loop is ours.) Events come from an obsws-python `EventClient` whose thread hands each watched
event to a callable. obsws-python's logging (tracebacks on refused connections, the password in
an INFO line) is tamed here.

Everything here blocks: call it on the worker thread. Failures leave as the `errors` module's
`ObsError`s, or `SessionLost` when the websocket is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from obsws_python import EventClient, ReqClient
from obsws_python.error import OBSSDKError, OBSSDKTimeoutError
from obsws_python.subs import Subs
from websocket import (
    WebSocketConnectionClosedException,
    WebSocketException,
    WebSocketTimeoutException,
)

from .errors import ObsRequestError, ObsTimeoutError, request_error
from .events import WATCHED_EVENTS

CANNOT_CONNECT = "cannot_connect"
INVALID_AUTH = "invalid_auth"

EVENT_SUBSCRIPTIONS = Subs.GENERAL | Subs.SCENES | Subs.INPUTS | Subs.OUTPUTS | Subs.SCENEITEMS


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


class SessionLost(Exception):
    """The websocket is gone (raised on the worker thread)."""


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


class Session:
    """One connected pair of websockets (requests and events); used on the worker thread."""

    def __init__(self, requests: ReqClient, events: _EventThreadClient, info: dict[str, Any]):
        self.requests = requests
        self.events = events
        self.info = info
        self._ids = itertools.count(1)
        self.busy = False

    def call(self, request_type: str, data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """One request; its answer's `responseData`. Raises ObsRequestError, ObsTimeoutError
        or SessionLost."""
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
                    raise SessionLost("OBS closed the connection")
                message = json.loads(raw)
                answer = message.get("d") or {}
                if message.get("op") == 7 and answer.get("requestId") == request_id:
                    break
        except WebSocketTimeoutException as err:
            raise ObsTimeoutError(f"OBS did not answer {request_type}") from err
        except (WebSocketConnectionClosedException, OSError, WebSocketException) as err:
            raise SessionLost(f"connection to OBS lost ({type(err).__name__})") from err
        finally:
            self.busy = False
        status = answer.get("requestStatus") or {}
        if not status.get("result"):
            comment = str(status.get("comment") or "").strip()
            raise request_error(request_type, status.get("code"), comment)
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


def connect_error(err: BaseException) -> str:
    """`invalid_auth` or `cannot_connect` for an exception raised while connecting."""
    if isinstance(err, OBSSDKTimeoutError | ObsTimeoutError):
        return CANNOT_CONNECT
    if isinstance(err, OBSSDKError | ObsRequestError):
        # "authentication enabled but no password provided", or OBS closed the socket while
        # identifying (close code 4009, AuthenticationFailed) so the answer was not JSON.
        return INVALID_AUTH
    if isinstance(err, WebSocketConnectionClosedException):
        return INVALID_AUTH
    return CANNOT_CONNECT


def open_session(
    host: str,
    port: int,
    password: str,
    timeout: float,
    deliver: Callable[[str, dict[str, Any]], None],
    on_closed: Callable[[], None],
) -> Session:
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
    session = Session(requests, events, {})
    try:
        version = session.call("GetVersion")
        scene = session.call("GetCurrentProgramScene")
        stream = session.call("GetStreamStatus")
        record = session.call("GetRecordStatus")
        try:
            replay = session.call("GetReplayBufferStatus")
        except ObsRequestError:
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
        return connect_error(err)
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


def describe_connect_error(err: BaseException, key: str) -> str:
    if key == INVALID_AUTH:
        return "the password was refused"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused (is OBS running with its WebSocket server enabled?)"
    if isinstance(err, socket.timeout | TimeoutError | WebSocketTimeoutException):
        return "timed out"
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
