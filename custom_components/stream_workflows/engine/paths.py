"""Format locations inside a workflow document: `states[2].transitions.success`."""

from __future__ import annotations

from collections.abc import Iterable


def join_path(parts: Iterable[str | int]) -> str:
    """Join keys and list indexes the way error messages show them."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = str(part)
    return text


def child(path: str, part: str | int) -> str:
    """The path of one key or index below `path`."""
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part
