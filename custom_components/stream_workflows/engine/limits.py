"""Limits on values that come in from outside: nesting depth and size.

A value nested hundreds deep cannot be saved (JSON encoders stop at 255 levels) and a value of
megabytes makes every checkpoint and every state write slow; both are refused where they enter.
The walk is iterative and stops at the first limit crossed, so checking costs at most the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

MAX_DEPTH: Final = 32
"""Deepest nesting of mappings and lists in a run's variables (a value at the top is depth 1)."""
MAX_BYTES: Final = 64 * 1024
"""Largest size of a run's variables, counted as (about) their JSON text."""


class LimitError(ValueError):
    """A value crosses a limit; the message names the limit."""


def measure(value: Any, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> int:
    """About how many bytes `value` takes as JSON; `LimitError` past `max_depth` or `max_bytes`."""
    size = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            size += len(item) + 2
        elif isinstance(item, Mapping | list | tuple):
            if depth > max_depth:
                raise LimitError(f"nested deeper than {max_depth} levels (the limit)")
            size += 2 + len(item)  # before looking inside: a huge container fails at once
            if size > max_bytes:
                break
            if isinstance(item, Mapping):
                for key, inner in item.items():
                    size += len(str(key)) + 3
                    stack.append((inner, depth + 1))
            else:
                stack.extend((inner, depth + 1) for inner in item)
        else:
            size += 8
        if size > max_bytes:
            break
    if size > max_bytes:
        raise LimitError(f"larger than {max_bytes // 1024} KiB (the limit)")
    return size
