"""`${...}` substitution by path lookup only: nothing is ever evaluated.

A value that is exactly one `${path}` keeps the type of what it names; a reference inside
text is formatted into the text. `$${` writes a literal `${`. Paths are dot-separated keys
and list indexes (`items.0.name`); only mappings and lists are looked into, and names
starting with `__` are refused, so a path can never reach a Python object's attributes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from .errors import TemplateError

_TOKEN = re.compile(r"\$\$\{|\$\{([^{}]*)\}")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*")  # fullmatch: no "a\n"
_INDEX = re.compile(r"-?[0-9]{1,9}")
MAX_PATH_LENGTH = 500

Resolver = Callable[[str], Any]


def path_problem(path: str) -> str | None:
    """Why `path` is not an acceptable reference, or None when it is."""
    if len(path) > MAX_PATH_LENGTH:
        return f"a '${{...}}' path is {len(path)} characters long; at most {MAX_PATH_LENGTH}"
    if not _PATH.fullmatch(path):
        return f"'${{{path}}}' is not a path: use names and indexes joined by dots"
    if any(part.startswith("__") for part in path.split(".")):
        return f"'${{{path}}}' uses a name starting with '__', which is not allowed"
    return None


def iter_references(value: Any) -> Iterator[str]:
    """Every `${...}` path inside a value (strings, lists and mappings, recursively)."""
    if isinstance(value, str):
        for match in _TOKEN.finditer(value):
            if match.group(1) is not None:
                yield match.group(1).strip()
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from iter_references(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from iter_references(item)


def has_references(value: Any) -> bool:
    """True when rendering could change the value."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, Mapping):
        return any(has_references(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(has_references(item) for item in value)
    return False


def lookup(root: Any, path: str, *, start: int = 0) -> Any:
    """Follow `path`'s segments from `start` on through mappings and lists."""
    value = root
    parts = path.split(".")
    for index in range(start, len(parts)):
        part = parts[index]
        if part.startswith("__"):
            raise TemplateError(f"'${{{path}}}': names starting with '__' are not allowed")
        if isinstance(value, Mapping):
            if part not in value:
                raise TemplateError(_missing(path, parts, index))
            value = value[part]
        elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
            if not _INDEX.fullmatch(part):
                raise TemplateError(
                    f"'${{{path}}}': '{part}' is not a list index "
                    f"('{'.'.join(parts[:index])}' is a list)"
                )
            position = int(part)
            if not -len(value) <= position < len(value):
                raise TemplateError(
                    f"'${{{path}}}': index {position} is out of range "
                    f"('{'.'.join(parts[:index])}' has {len(value)} items)"
                )
            value = value[position]
        else:
            kind = "nothing" if value is None else f"a {type(value).__name__}"
            raise TemplateError(
                f"'${{{path}}}': cannot look up '{part}' in {kind} ('{'.'.join(parts[:index])}')"
            )
    return value


def _missing(path: str, parts: list[str], index: int) -> str:
    if index == 0:
        return f"'${{{path}}}': nothing is named '{parts[0]}'"
    return f"'${{{path}}}': '{'.'.join(parts[:index])}' has no '{parts[index]}'"


def format_value(value: Any) -> str:
    """How a referenced value reads inside text."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, default=str, ensure_ascii=False)


def render(value: Any, resolve: Resolver) -> Any:
    """Substitute every reference in `value`; mappings and lists are copied, never changed."""
    if isinstance(value, str):
        return _render_text(value, resolve)
    if isinstance(value, Mapping):
        return {key: render(item, resolve) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render(item, resolve) for item in value]
    return value


def _render_text(text: str, resolve: Resolver) -> Any:
    if "$" not in text:
        return text
    match = _TOKEN.fullmatch(text)
    if match is not None and match.group(1) is not None:
        return resolve(match.group(1).strip())

    def substitute(found: re.Match[str]) -> str:
        if found.group(1) is None:
            return "${"
        return format_value(resolve(found.group(1).strip()))

    return _TOKEN.sub(substitute, text)
