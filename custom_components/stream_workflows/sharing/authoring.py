"""Save a workflow as a template: chosen values (by their path) become inputs.

`make_template(document, {"steps[0].params.scene_name": "scene"}, name=...)` replaces the
value at each path by `${inputs.scene}` and declares the input with the value as its default
and a selector guessed from the value and its key (`scene_name` → `obs_scene`,
`entity_id` → `entity`, `channel_id` → `discord_channel`, numbers, true/false, text).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from ..engine.errors import Problem
from .selectors import ENTITY_ID, SNOWFLAKE
from .templates import INPUT_NAME

_PART = re.compile(r"([^.\[\]]+)|\[([0-9]{1,6})\]")


def parse_path(path: str) -> list[str | int] | None:
    """`states[2].action.params.scene_name` as keys and indexes; None when malformed."""
    parts: list[str | int] = []
    position = 0
    while position < len(path):
        if path[position] == "." and parts:
            position += 1
        match = _PART.match(path, position)
        if match is None:
            return None
        parts.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
        position = match.end()
    return parts or None


def guess_selector(key: str | int, value: Any) -> dict[str, Any]:
    """The selector a new input gets from the value it replaces and the key it sits under."""
    if isinstance(value, bool):
        return {"boolean": {}}
    if isinstance(value, int | float):
        return {"number": {"mode": "box"}}
    if isinstance(value, str):
        if key == "scene_name":
            return {"obs_scene": {}}
        if key == "entity_id" and ENTITY_ID.fullmatch(value):
            return {"entity": {"domain": value.split(".", 1)[0]}}
        if key == "channel_id" and SNOWFLAKE.fullmatch(value):
            return {"discord_channel": {}}
        return {"text": {"multiline": "\n" in value}}
    return {"text": {}}


def make_template(
    document: Mapping[str, Any],
    inputs: Mapping[str, str],
    *,
    name: str,
    description: str = "",
    author: str = "",
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A template document from a workflow document; `inputs` maps paths to input names."""
    body = copy.deepcopy(dict(document))
    problems: list[Problem] = []
    declared: dict[str, Any] = {}
    for path, input_name in inputs.items():
        parts = parse_path(path)
        if not isinstance(input_name, str) or not INPUT_NAME.fullmatch(input_name):
            problems.append(Problem(path, f"'{input_name}' is not an input name"))
            continue
        if input_name in declared:
            problems.append(Problem(path, f"the input '{input_name}' is chosen twice"))
            continue
        if parts is None or parts[0] == "id":
            problems.append(Problem(path, "not a path to a value of the workflow"))
            continue
        container: Any = body
        for part in parts[:-1]:
            container = _step(container, part)
        last = parts[-1]
        value = _step(container, last)
        if value is _MISSING or isinstance(value, dict | list):
            problems.append(Problem(path, "there is no single value at this path"))
            continue
        if isinstance(value, str) and "${" in value:
            problems.append(Problem(path, "this value is a reference; choose a plain value"))
            continue
        container[last] = f"${{inputs.{input_name}}}"
        declared[input_name] = {
            "name": input_name.replace("_", " ").capitalize(),
            "description": f"Was {value!r} at {path}",
            "default": value,
            "selector": guess_selector(last, value),
        }
    if problems:
        return None, problems
    meta: dict[str, Any] = {"name": name, "description": description, "input": declared}
    if author:
        meta["author"] = author
    return {"template": meta, "workflow": body}, []


_MISSING = object()


def _step(container: Any, part: str | int) -> Any:
    if isinstance(part, int) and isinstance(container, list) and 0 <= part < len(container):
        return container[part]
    if isinstance(part, str) and isinstance(container, dict) and part in container:
        return container[part]
    return _MISSING
