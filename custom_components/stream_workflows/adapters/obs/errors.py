"""What goes wrong talking to OBS: one small hierarchy, each error a step error with its type.

Every error the OBS client raises is an `ObsError` (an `ActionError`, so a step that meets it
fails with its `error_type`, which a workflow can route on). This module imports nothing
heavy: the action table raises these too.
"""

from __future__ import annotations

from ...engine.errors import ActionError, NotConnectedError

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
_STATE_CODES = frozenset({500, 501, 502, 503, 504, 505, 506, 604})


class ObsError(ActionError):
    """Something about OBS failed; `error_type` says what (`not_found`, `invalid_state`...)."""

    error_type = "obs_error"


class ObsNotConnectedError(ObsError, NotConnectedError):
    """OBS is not connected (not reachable, password refused, or the connection was lost)."""

    error_type = "not_connected"


class ObsTimeoutError(ObsError):
    """OBS did not answer a request in time."""

    error_type = "obs_timeout"


class ObsRequestError(ObsError):
    """OBS answered a request with an error; `code` is obs-websocket's RequestStatus."""

    def __init__(self, message: str, *, code: int | None, error_type: str) -> None:
        super().__init__(message, error_type=error_type)
        self.code = code


def request_error(request: str, code: object, comment: str) -> ObsRequestError:
    """A readable error for OBS's answer `code` (and its comment) to `request`."""
    status = code if isinstance(code, int) else None
    words = _CODE_WORDS.get(status or 0)
    detail = comment or words or "request failed"
    if comment and words and status in _STATE_CODES:
        detail = f"{words} ({comment})"
    error_type = _ERROR_TYPES.get(status or 0) or (
        "invalid_state" if status in _STATE_CODES else "obs_error"
    )
    return ObsRequestError(
        f"OBS refused {request}: {detail} (code {status})", code=status, error_type=error_type
    )


def replay_disabled() -> ObsError:
    return ObsError(
        "the replay buffer is disabled in OBS (Settings > Output > Replay Buffer)",
        error_type="replay_buffer_off",
    )
