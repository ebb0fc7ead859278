"""The `obs` service: OBS Studio over obs-websocket 5.

The package is split by role: `actions` (the catalog: every action declared once with its
handler), `errors` (what the client raises), `events` (OBS events mapped to stream events and
state), `transport` (obsws-python's sockets on a worker thread) and `connection` (the
reconnecting `ObsConnection`). Importing this package, or `actions`, imports nothing heavy
(the command line loads them for `validate` and `simulate`); only `transport` and
`connection` import obsws-python.

Behaviour worth knowing when writing workflows:
- start/stop actions wait until OBS reports the output really started or stopped (events), so
  `start_streaming` fails (`output_failed`) when the stream cannot reach its server, and
  `stop_recording` returns once the file is complete. They are idempotent: starting what
  already runs, or stopping what is already stopped, succeeds with `was_streaming` /
  `was_recording` telling what was found.
- `save_replay_buffer` with `filename` renames the saved file in OBS's recording folder
  (`${date}`-style templates welcome). The container OBS recorded is kept: a different
  extension in `filename` is replaced by the real one, and an existing file is never
  overwritten (" (2)" is added). This needs OBS's recording folder to be visible on the Home
  Assistant machine; when it is not (OBS on another computer) the action fails with
  `rename_failed` and says where OBS saved the file: leave `filename` out in that setup.
- Errors carry an `error_type` a workflow can inspect: `not_connected`, `not_found` (with
  "did you mean" hints), `invalid_state`, `wrong_type`, `output_failed`, `replay_buffer_off`,
  `rename_failed`, `obs_timeout`, `obs_error`.
"""

from __future__ import annotations

from ..base import ConnectedAdapter
from .actions import TABLE

ACTIONS = TABLE.specs


class ObsAdapter(ConnectedAdapter):
    """OBS Studio actions."""

    service = "obs"
    catalog = ACTIONS
    setup_hint = "add an OBS connection (host, port, password) in Stream Workflows"


__all__ = ["ACTIONS", "TABLE", "ObsAdapter"]
