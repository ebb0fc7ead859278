"""Save a workflow as a template: chosen values (by their path) become inputs.

`candidates(document)` lists the values that can become inputs: every plain value in an
action's parameters (scene names, channel ids, entity ids, texts, durations), with its path,
step, a suggested input name and selector. `make_template(document, {"steps[0].params.
scene_name": "scene"}, name=...)` replaces the value at each path by `${inputs.scene}` and
declares the input with the value as its default and a selector guessed from the value and
its key (`scene_name` → `obs_scene`, `entity_id` → `entity`, `channel_id` →
`discord_channel`, numbers, true/false, text) unless one is given (`{"name": "scene",
"label": "Scene", "selector": {"obs_scene": {}}}` instead of the bare name).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from ..engine.errors import Problem
from ..engine.paths import child
from .needs import calls
from .selectors import ENTITY_ID, SNOWFLAKE, check_value, kind_of, selector_problem
from .templates import INPUT_NAME

MAX_CANDIDATES = 300
MAX_DEPTH = 8

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


def candidates(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The plain values of the workflow's actions' parameters that could become inputs."""
    found: list[dict[str, Any]] = []
    names: set[str] = set()
    for call in calls(document):
        stack: list[tuple[str, str | int, Any, int]] = [
            (child(child(call.path, "params"), key), key, value, 0)
            for key, value in reversed(list(call.params.items()))
        ]
        while stack and len(found) < MAX_CANDIDATES:
            path, key, value, depth = stack.pop()
            if isinstance(value, dict) and depth < MAX_DEPTH:
                stack.extend(
                    (child(path, k), k, v, depth + 1) for k, v in reversed(list(value.items()))
                )
            elif isinstance(value, list) and depth < MAX_DEPTH:
                stack.extend(
                    (child(path, i), key, v, depth + 1) for i, v in reversed(list(enumerate(value)))
                )
            elif _plain(value) and parse_path(path) is not None:
                name = _free_name(_input_name(call.step, key), names)
                names.add(name)
                found.append(
                    {
                        "path": path,
                        "step": call.step,
                        "action": f"{call.service}.{call.action}",
                        "key": str(key),
                        "value": value,
                        "name": name,
                        "selector": guess_selector(key, value),
                    }
                )
    return found


def _plain(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value) and "${" not in value
    return isinstance(value, bool | int | float)


def _input_name(step: str, key: str | int) -> str:
    raw = re.sub(r"[^A-Za-z0-9_]+", "_", f"{step}_{key}").strip("_") or "value"
    return ("_" + raw if raw[0].isdigit() else raw)[:60]


def _free_name(wanted: str, taken: set[str]) -> str:
    name, number = wanted, 2
    while name in taken:
        name, number = f"{wanted}_{number}", number + 1
    return name


def _spec(choice: Any) -> tuple[str | None, str | None, Any]:
    """(input name, label, selector or None) from a bare name or `{name, label, selector}`."""
    if isinstance(choice, str):
        return choice, None, None
    if isinstance(choice, Mapping) and isinstance(choice.get("name"), str):
        label = choice.get("label")
        return (
            choice["name"],
            label if isinstance(label, str) and label else None,
            choice.get("selector"),
        )
    return None, None, None


def make_template(
    document: Mapping[str, Any],
    inputs: Mapping[str, Any],
    *,
    name: str,
    description: str = "",
    author: str = "",
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A template document from a workflow document; `inputs` maps paths to input names."""
    body = copy.deepcopy(dict(document))
    problems: list[Problem] = []
    declared: dict[str, Any] = {}
    for path, choice in inputs.items():
        parts = parse_path(path)
        input_name, label, selector = _spec(choice)
        if input_name is None or not INPUT_NAME.fullmatch(input_name):
            shown = input_name if input_name is not None else choice
            problems.append(
                Problem(path, f"'{shown}' is not an input name (letters, digits and _)")
            )
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
        if selector is None:
            selector = guess_selector(last, value)
        elif (problem := selector_problem(selector)) is not None:
            problems.append(Problem(child(path, "selector"), problem))
            continue
        else:
            selector = {kind_of(selector): dict(selector[kind_of(selector)] or {})}
        if (problem := check_value(selector, value)) is not None:
            problems.append(Problem(child(path, "selector"), f"the value {value!r}: {problem}"))
            continue
        container[last] = f"${{inputs.{input_name}}}"
        declared[input_name] = {
            "name": label or input_name.replace("_", " ").capitalize(),
            "description": f"Was {value!r} at {path}"[:4000],
            "default": value,
            "selector": selector,
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
