"""The adapters' actions with their parameter forms, for the Studio's editor."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
import voluptuous_serialize  # type: ignore[import-untyped]
from homeassistant.helpers import config_validation as cv

from ..engine.adapter import AdapterRegistry
from ..engine.inputs import INPUT_TYPES


def _serializer(schema: Any) -> Any:
    """Home Assistant's serializer, and no type (a text field) for a validating function."""
    result = cv.custom_serializer(schema)
    if result is voluptuous_serialize.UNSUPPORTED and inspect.isfunction(schema):
        return {}
    return result


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
