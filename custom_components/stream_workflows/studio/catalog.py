"""The adapters' actions with their parameter forms, for the Studio's editor."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any

import voluptuous as vol
import voluptuous_serialize  # type: ignore[import-untyped]
from homeassistant.helpers import config_validation as cv

from ..engine.adapter import AdapterRegistry
from ..engine.inputs import INPUT_TYPES

# What a validating function's return annotation says the parameter is.
_ANNOTATED: dict[Any, str] = {
    bool: "boolean",
    int: "integer",
    float: "float",
    str: "string",
    list: "list",
    dict: "object",
}
# The engine's number checks (engine/numbers.py) keep their bounds in their closures.
_NUMBER_CHECKS = {"real": "float", "whole": "integer", "real_or_text": "float"}


def _closure(function: Callable[..., Any]) -> Mapping[str, Any]:
    try:
        return inspect.getclosurevars(function).nonlocals
    except (TypeError, ValueError):
        return {}


def _number_check(function: Callable[..., Any]) -> dict[str, Any] | None:
    """`{"type": "float"|"integer", "valueMin", "valueMax"}` for engine.numbers' checks."""
    maker = function.__qualname__.partition(".<locals>")[0]
    kind = _NUMBER_CHECKS.get(maker)
    if kind is None or not function.__module__.endswith("engine.numbers"):
        return None
    found = _closure(function)
    if maker == "real_or_text" and callable(found.get("inner")):
        found = _closure(found["inner"])
    field: dict[str, Any] = {"type": kind}
    for bound, key in (("low", "valueMin"), ("high", "valueMax")):
        if isinstance(found.get(bound), int | float):
            field[key] = found[bound]
    if "seconds" in str(found.get("what", "")):
        field["unit"] = "s"
    return field


def _function_field(function: Callable[..., Any]) -> dict[str, Any]:
    """A validating function's type: a number check's range, or its return annotation."""
    if function.__module__.startswith("voluptuous"):
        # vol.Boolean() checks a boolean; vol.Lower and the like only transform text
        return {"type": "boolean"} if function.__name__ == "Boolean" else {}
    if (number := _number_check(function)) is not None:
        return number
    field: dict[str, Any] = {}
    try:
        returned = typing.get_type_hints(function).get("return")
    except Exception:  # an annotation that cannot be read says nothing
        returned = None
    kind = _ANNOTATED.get(typing.get_origin(returned) or returned)
    if kind is not None:
        field["type"] = kind
    if function.__doc__:
        field["description"] = inspect.cleandoc(function.__doc__).split("\n")[0].replace("`", "")
    return field


def _serializer(schema: Any) -> Any:
    """Home Assistant's serializer, plus the types it does not know: validating functions
    (by their ranges or return annotations), `dict`, `list` and `[item]`."""
    if isinstance(schema, list):
        return {"type": "list"}
    if schema is dict:
        return {"type": "object"}
    if schema is list:
        return {"type": "list"}
    result = cv.custom_serializer(schema)
    if result is voluptuous_serialize.UNSUPPORTED and inspect.isfunction(schema):
        return _function_field(schema)
    return result


def _selector(field: dict[str, Any]) -> dict[str, Any] | None:
    """The Home Assistant selector that draws a field of this type, when there is one."""
    kind = field.get("type")
    if kind in ("integer", "float"):
        number: dict[str, Any] = {"mode": "box", "step": 1 if kind == "integer" else "any"}
        for key, bound in (("valueMin", "min"), ("valueMax", "max")):
            if key in field:
                number[bound] = field[key]
        if field.get("unit"):
            number["unit_of_measurement"] = field["unit"]
        return {"number": number}
    if kind == "boolean":
        return {"boolean": {}}
    if kind == "object":
        return {"object": {}}
    if kind == "list":
        return {"text": {"multiple": True}}
    return None


def _mapping(schema: Any) -> Mapping[Any, Any] | None:
    """The mapping of keys inside a schema (a `vol.All` of a mapping and checks included)."""
    if isinstance(schema, vol.Schema):
        return _mapping(schema.schema)
    if isinstance(schema, Mapping):
        return schema
    if isinstance(schema, vol.All):
        for validator in schema.validators:
            if (found := _mapping(validator)) is not None:
                return found
    return None


def _field(value: Any) -> dict[str, Any]:
    try:
        field = voluptuous_serialize.convert(value, custom_serializer=_serializer)
    except (ValueError, TypeError):
        return {"type": "string"}
    if isinstance(field, list):
        return {"type": "object", "schema": field}
    if not isinstance(field, dict):
        return {"type": "string"}
    field.setdefault("type", "string")
    if "selector" not in field and (selector := _selector(field)) is not None:
        field["selector"] = selector
    return dict(field)


def fields_of(schema: Any) -> list[dict[str, Any]]:
    """A form's fields (as Home Assistant's forms take them) for an action's parameters."""
    mapping = _mapping(schema)
    if mapping is None:
        return []
    fields: list[dict[str, Any]] = []
    for key, value in mapping.items():
        name = key.schema if isinstance(key, vol.Marker) else key
        if not isinstance(name, str):
            continue  # "any other key" ({str: object}): nothing a form can draw
        field = {**_field(value), "name": name}
        if isinstance(key, vol.Required | vol.Optional):
            field[type(key).__name__.lower()] = True
            default: Any = key.default
            if default is not vol.UNDEFINED:
                field["default"] = default() if callable(default) else default
        if isinstance(key, vol.Marker) and key.description is not None:
            field["description"] = key.description
        fields.append(field)
    return fields


def build_catalog(registry: AdapterRegistry) -> dict[str, Any]:
    """`{"services": {service: {"actions": {name: {...}}}}, "input_types": [...]}`."""
    services: dict[str, Any] = {}
    for service in registry.services():
        adapter = registry.get(service)
        if adapter is None:
            continue
        services[service] = {
            "actions": {
                name: {
                    "description": spec.description,
                    "fields": fields_of(spec.params),
                    "result": dict(spec.result),
                }
                for name, spec in adapter.actions().items()
            }
        }
    return {
        "services": services,
        "input_types": [
            {"type": name, "selector": dict(kind.selector)} for name, kind in INPUT_TYPES.items()
        ],
    }
