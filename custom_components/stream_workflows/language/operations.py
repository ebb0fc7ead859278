"""Small edits to a definition document, by dotted path (`states[1].action.params.seconds`)."""

from __future__ import annotations

import copy
import re
from typing import Any

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
OPS = ("set", "remove", "append", "rename_state")


class OperationError(ValueError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def _parts(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _PART.findall(path):
        parts.append(int(index) if index else name)
    if not parts:
        raise OperationError(path, "an empty path")
    return parts


def _walk(document: Any, parts: list[str | int], where: str) -> Any:
    node = document
    for part in parts:
        index_ok = isinstance(part, int) and isinstance(node, list) and part < len(node)
        if index_ok or (isinstance(part, str) and isinstance(node, dict) and part in node):
            node = node[part]
        elif isinstance(part, str) and isinstance(node, list):
            # a state or step by its name or id
            found = [
                i for i in node if isinstance(i, dict) and part in (i.get("name"), i.get("id"))
            ]
            if not found:
                raise OperationError(where, f"no state or step named '{part}'")
            node = found[0]
        else:
            raise OperationError(where, f"'{part}' does not exist here")
    return node


def apply_operations(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """A changed copy of `document`; `OperationError` names the first operation that fails."""
    changed = copy.deepcopy(document)
    for index, operation in enumerate(operations):
        where = f"operations[{index}]"
        op, path = operation["op"], operation.get("path", "")
        if op == "rename_state":
            _rename(changed, operation.get("old", ""), operation.get("new", ""), where)
            continue
        parts = _parts(path)
        parent = _walk(changed, parts[:-1], f"{where}.path")
        last = parts[-1]
        if isinstance(last, str) and isinstance(parent, list) and op != "set":
            last = next(
                (
                    i
                    for i, v in enumerate(parent)
                    if isinstance(v, dict) and last in (v.get("name"), v.get("id"))
                ),
                -1,
            )
            if last < 0:
                raise OperationError(f"{where}.path", f"no state or step named '{parts[-1]}'")
        if op == "set":
            in_list = isinstance(parent, list) and isinstance(last, int) and last < len(parent)
            if (isinstance(parent, dict) and isinstance(last, str)) or in_list:
                parent[last] = operation.get("value")
            else:
                raise OperationError(f"{where}.path", "cannot set here")
        elif op == "remove":
            try:
                del parent[last]
            except (KeyError, IndexError, TypeError):
                raise OperationError(f"{where}.path", "nothing to remove here") from None
        elif op == "append":
            target = (
                parent.get(last) if isinstance(parent, dict) and isinstance(last, str) else None
            )
            if target is None and isinstance(parent, dict) and isinstance(last, str):
                target = parent[last] = []
            if not isinstance(target, list):
                raise OperationError(f"{where}.path", "append needs a list here")
            position = operation.get("position")
            if isinstance(position, int):
                target.insert(position, operation.get("value"))
            else:
                target.append(operation.get("value"))
    return changed


def _rename(document: dict[str, Any], old: str, new: str, where: str) -> None:
    if not old or not new:
        raise OperationError(where, "rename_state needs 'old' and 'new'")
    items = document.get("states") or document.get("steps") or document.get("nodes") or []
    found = False
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        for key in ("name", "id"):
            if item.get(key) == old:
                item[key] = new
                found = True
        for key in ("depends_on",):
            if isinstance(item.get(key), list):
                item[key] = [new if v == old else v for v in item[key]]
        transitions = item.get("transitions")
        if isinstance(transitions, dict):
            for event, target in transitions.items():
                if target == old:
                    transitions[event] = new
    if document.get("initial_state") == old:
        document["initial_state"] = new
    if not found:
        raise OperationError(f"{where}.old", f"no state or step named '{old}'")
