"""What a run starts from: declared inputs, triggers, and the names they may not take."""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any

from .built_ins import BUILT_INS
from .definition_problems import ProblemLog, kind
from .definition_schemas import INPUT_SCHEMA, STEP_ID
from .inputs import type_problem
from .model import InputDef, TriggerDef
from .paths import child


def build_inputs(report: ProblemLog, raw: dict[str, Any]) -> dict[str, InputDef]:
    """The declared inputs (`inputs`), each default checked against its type."""
    inputs: dict[str, InputDef] = {}
    for name, written in raw.items():
        path = child("inputs", str(name))
        if not isinstance(name, str) or not STEP_ID.fullmatch(name):
            report.error(path, f"'{name}' is not a valid input name")
            continue
        checked = report.check(INPUT_SCHEMA, {} if written is None else written, path)
        if checked is None:
            continue
        input_type = checked.get("type")
        wrong = type_problem(input_type, checked["default"]) if "default" in checked else None
        if wrong is not None:
            report.error(
                child(path, "default"),
                f"the default {checked['default']!r} does not match the input's type "
                f"'{input_type}'" + (f": it {wrong}" if "finite" in wrong else ""),
            )
        inputs[name] = InputDef(
            name=name,
            description=checked.get("description"),
            default=checked.get("default"),
            has_default="default" in checked,
            required=checked["required"],
            type=checked.get("type"),
            example=checked.get("example"),
        )
    return inputs


def build_triggers(report: ProblemLog, top: dict[str, Any]) -> tuple[TriggerDef, ...]:
    """`trigger` (one) and `triggers` (a list), in that order; checked further by the host."""
    triggers: list[TriggerDef] = []
    if "trigger" in top:
        triggers.append(_trigger(report, top["trigger"], "trigger"))
    for index, raw in enumerate(top.get("triggers", [])):
        path = child("triggers", index)
        if not isinstance(raw, str | dict):
            report.error(path, f"a trigger is a stream event name or a mapping, got {kind(raw)}")
            continue
        triggers.append(_trigger(report, raw, path))
    return tuple(triggers)


def _trigger(report: ProblemLog, raw: str | dict[str, Any], path: str) -> TriggerDef:
    if isinstance(raw, str):
        return TriggerDef(config={"trigger": "stream_event", "event": raw}, location=path)
    if "trigger" not in raw and "platform" not in raw:
        report.error(path, "a trigger mapping needs 'trigger' (e.g. state, event, time)")
    return TriggerDef(config=raw, location=path)


def check_names(
    report: ProblemLog,
    step_locations: Container[str],
    inputs: Mapping[str, InputDef],
    variables: Mapping[str, Any],
) -> None:
    """Inputs and variables share one namespace with steps and built-ins."""
    for name in inputs:
        if name in step_locations:
            report.error(child("inputs", name), f"input '{name}' has the same name as a step")
        if name in BUILT_INS:
            report.error(child("inputs", name), f"'{name}' is a built-in name; choose another")
    for name in variables:
        if name in step_locations:
            report.error(
                child("variables", str(name)), f"variable '{name}' has the same name as a step"
            )
