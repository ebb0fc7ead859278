"""The Studio's browser tests drive a real `hass` process, and that process is always
`.venv`'s (Home Assistant 2025.4.4: 2026.2.3's `hass` refuses this machine's Python 3.13.0).
Run from another environment they would test the very same server and pages again, so they
run once, from `.venv`; the in-process websocket tests run on both versions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PRIMARY_VENV = Path(__file__).resolve().parents[2] / ".venv"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if Path(sys.prefix).resolve() == PRIMARY_VENV.resolve():
        return
    skip = pytest.mark.skip(reason="browser tests run once, against .venv's hass process")
    for item in items:
        if item.path.name.endswith("_browser.py") and item.path.parent == Path(__file__).parent:
            item.add_marker(skip)
