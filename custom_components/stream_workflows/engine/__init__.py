"""The Stream Workflows engine: pure Python, no Home Assistant imports."""

from .adapter import ActionContext, ActionSpec, Adapter, AdapterRegistry
from .clock import Clock, RealClock, VirtualClock
from .definition import load_definition, load_file, load_file_or_raise, parse_text, read_file
from .engine import WorkflowEngine
from .errors import (
    ActionError,
    ActionTimeoutError,
    DefinitionError,
    InputError,
    NotConnectedError,
    Problem,
    RunRejectedError,
    TemplateError,
)
from .events import EventHub, LocalEventHub
from .model import Outcome, RunMode, Shape, WorkflowDefinition
from .run import ActionDispatch, RehearsalPlan, Run, RunChange, RunError, RunStatus

__all__ = [
    "ActionContext",
    "ActionDispatch",
    "ActionError",
    "ActionSpec",
    "ActionTimeoutError",
    "Adapter",
    "AdapterRegistry",
    "Clock",
    "DefinitionError",
    "EventHub",
    "InputError",
    "LocalEventHub",
    "NotConnectedError",
    "Outcome",
    "Problem",
    "RealClock",
    "RehearsalPlan",
    "Run",
    "RunChange",
    "RunError",
    "RunMode",
    "RunRejectedError",
    "RunStatus",
    "Shape",
    "TemplateError",
    "VirtualClock",
    "WorkflowDefinition",
    "WorkflowEngine",
    "load_definition",
    "load_file",
    "load_file_or_raise",
    "parse_text",
    "read_file",
]
