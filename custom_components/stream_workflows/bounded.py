"""Bounded copies of values for entity attributes.

A state attribute is written to the state machine, the recorder and every websocket
subscriber on each change, so a run's inputs or last error can't go there at any size:
`bound_attribute` shortens long texts, long lists and large mappings, and cuts nesting, so that
the attribute stays small and always JSON-ready. The run's history keeps the values in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

MAX_TEXT: Final = 255
"""Longest text kept in an attribute; longer ends in "…"."""
MAX_ITEMS: Final = 20
"""Most items of a list, or keys of a mapping, kept in an attribute."""
MAX_DEPTH: Final = 4
"""Deepest nesting kept in an attribute; deeper values become "…"."""
MORE: Final = "…"


def bound_attribute(
    value: Any,
    *,
    max_text: int = MAX_TEXT,
    max_items: int = MAX_ITEMS,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """A copy of `value` within the limits (JSON types only: anything else becomes text)."""
    return _bound(value, max_text, max_items, max_depth)


def _bound(value: Any, max_text: int, max_items: int, depth: int) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= max_text else value[: max_text - 1] + MORE
    if depth <= 0:
        return MORE
    if isinstance(value, Mapping):
        bounded: dict[str, Any] = {}
        for index, (key, inner) in enumerate(value.items()):
            if index >= max_items:
                bounded[MORE] = f"{len(value) - max_items} more"
                break
            bounded[_bound(str(key), max_text, max_items, depth)] = _bound(
                inner, max_text, max_items, depth - 1
            )
        return bounded
    if isinstance(value, list | tuple):
        items = [_bound(inner, max_text, max_items, depth - 1) for inner in value[:max_items]]
        if len(value) > max_items:
            items.append(f"{MORE} {len(value) - max_items} more")
        return items
    return _bound(str(value), max_text, max_items, depth)
