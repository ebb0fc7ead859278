"""The integration's version (from its manifest) and comparing dotted versions."""

from __future__ import annotations

import json
import re
from pathlib import Path

_MANIFEST = Path(__file__).parents[1] / "manifest.json"
_DOTTED = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6}){0,3}")


def _read_version() -> str:
    try:
        version = json.loads(_MANIFEST.read_text(encoding="utf-8")).get("version", "0")
    except (OSError, ValueError):
        return "0"
    return version if isinstance(version, str) else "0"


INTEGRATION_VERSION = _read_version()  # read once, when the module is imported


def parse_version(text: str) -> tuple[int, ...] | None:
    """`"0.1.2"` as `(0, 1, 2)`; None when it is not a dotted version."""
    if not isinstance(text, str) or not _DOTTED.fullmatch(text):
        return None
    return tuple(int(part) for part in text.split("."))


def is_newer(required: str, current: str = INTEGRATION_VERSION) -> bool:
    """Whether `required` is a newer version than `current`."""
    wanted, have = parse_version(required), parse_version(current)
    if wanted is None or have is None:
        return False
    width = max(len(wanted), len(have))
    return wanted + (0,) * (width - len(wanted)) > have + (0,) * (width - len(have))
