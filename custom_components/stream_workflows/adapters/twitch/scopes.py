"""Every OAuth scope the Twitch actions and stream events need (ask for these when authorizing).

Imports nothing heavy: the config flow asks for these scopes.
"""

from __future__ import annotations

from .actions import ACTION_SCOPES
from .events import EVENT_TOPICS


def _required_scopes() -> list[str]:
    scopes: list[str] = []
    for needed in ACTION_SCOPES.values():
        scopes.extend(scope for scope in needed if scope not in scopes)
    for _topic, _version, scope in EVENT_TOPICS.values():
        if scope is not None and scope not in scopes:
            scopes.append(scope)
    return scopes


REQUIRED_SCOPES: list[str] = _required_scopes()
"""Every scope the actions and stream events need: ask for these when authorizing."""
