"""Constants shared by the Home Assistant side of Stream Workflows."""

from __future__ import annotations

from typing import Final

from .engine import RunStatus

DOMAIN: Final = "stream_workflows"

CONF_FOLDER: Final = "folder"
CONF_VARIABLES: Final = "variables"
CONF_SECRETS: Final = "secret_variables"  # dotted names of shared variables kept secret
DEFAULT_FOLDER: Final = "stream_workflows"

EVENT_RUN_STARTED: Final = "stream_workflows_run_started"
EVENT_STATE_CHANGED: Final = "stream_workflows_state_changed"
EVENT_RUN_FINISHED: Final = "stream_workflows_run_finished"
# Stream events (stream_started, stream_stopped, ...) from OBS and Twitch, or fired by anyone.
EVENT_STREAM: Final = "stream_workflows_stream_event"

ATTR_WORKFLOW_ID: Final = "workflow_id"
ATTR_RUN_ID: Final = "run_id"
ATTR_VARIABLES: Final = "variables"
ATTR_REHEARSAL: Final = "rehearsal"
ATTR_WAIT: Final = "wait"
ATTR_DEFINITION: Final = "definition"

SERVICE_RUN: Final = "run"
SERVICE_PAUSE: Final = "pause"
SERVICE_RESUME: Final = "resume"
SERVICE_CANCEL: Final = "cancel"
SERVICE_RELOAD: Final = "reload"
SERVICE_LIST: Final = "list"
SERVICE_SAVE_WORKFLOW: Final = "save_workflow"
SERVICE_DELETE_WORKFLOW: Final = "delete_workflow"
SERVICE_DRAFT_FROM_TEXT: Final = "draft_from_text"
SERVICE_CREATE_FROM_TEMPLATE: Final = "create_from_template"
SERVICE_SAVE_AS_TEMPLATE: Final = "save_as_template"
SERVICE_EXPORT: Final = "export"
SERVICE_IMPORT: Final = "import"
# Every action the integration registers itself: no workflow may take one of these ids, as
# each workflow gets an action of its own under the same domain.
GENERIC_SERVICES: Final = frozenset(
    {
        SERVICE_RUN,
        SERVICE_PAUSE,
        SERVICE_RESUME,
        SERVICE_CANCEL,
        SERVICE_RELOAD,
        SERVICE_LIST,
        SERVICE_SAVE_WORKFLOW,
        SERVICE_DELETE_WORKFLOW,
        SERVICE_DRAFT_FROM_TEXT,
        SERVICE_CREATE_FROM_TEMPLATE,
        SERVICE_SAVE_AS_TEMPLATE,
        SERVICE_EXPORT,
        SERVICE_IMPORT,
    }
)

# The sensor's states besides state and step names: `idle`, then the engine's run statuses.
STATUS_IDLE: Final = "idle"
STATUSES: Final = (STATUS_IDLE, *(status.value for status in RunStatus))

STORAGE_VERSION: Final = 1
STORAGE_KEY_RUNS: Final = f"{DOMAIN}.runs"
STORAGE_KEY_WORKFLOWS: Final = f"{DOMAIN}.workflows"
CHECKPOINT_DELAY: Final = 1.0

# A definition saved through `save_workflow` (or the Studio) is refused above these, before
# it is validated; validation then runs in an executor thread, off the event loop.
MAX_DEFINITION_BYTES: Final = 256 * 1024
MAX_DEFINITION_DEPTH: Final = 64
