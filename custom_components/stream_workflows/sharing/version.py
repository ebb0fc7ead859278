"""The integration's version (from its manifest) and comparing dotted versions."""

from __future__ import annotations

import re
from typing import Final

# The manifest's `version`, written here too: this module is imported on Home Assistant's event
# loop (the integration's setup is imported lazily), where reading the manifest would block.
# tests/sharing/test_share.py checks that the two agree.
INTEGRATION_VERSION: Final = "0.1.0"
_DOTTED = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6}){0,3}")


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
