"""Secrets: which values never leave Home Assistant, and taking them out of what does.

A value is secret when its key contains one of `SECRET_WORDS` (`obs_password`, `stream_key`,
`discord_webhook_url`, `twitch_client_secret`, ...), when it is a field of a connection entry,
or when it is a shared variable marked secret in the integration's options. Secret shared
variables are redacted by value wherever they show up: diagnostics, a run's history (log and
error messages), the integration's log records, exports (`redact_data`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, Final

REDACTED: Final = "**REDACTED**"
SECRET_WORDS: Final = ("password", "secret", "token", "key", "webhook", "auth")
SECRET_KEY = re.compile("|".join(SECRET_WORDS), re.IGNORECASE)
# Every field of a connection entry is the connection's business; these name them wherever
# they appear (the host and port of OBS are left: they say which OBS, not how to get in).
CONNECTION_FIELDS: Final = frozenset(
    {"password", "bot_token", "webhook_url", "token", "access_token", "refresh_token"}
)
MIN_SECRET_LENGTH: Final = 6
"""Shorter secret values are redacted by key only: redacting "1234" in every text would
shred times and ids."""
LOGGER_PREFIX: Final = "custom_components.stream_workflows"


def is_secret_key(key: object) -> bool:
    return isinstance(key, str) and _is_secret_text_key(key)


@lru_cache(maxsize=4096)  # the same few keys come back in every record: search each once
def _is_secret_text_key(key: str) -> bool:
    return key in CONNECTION_FIELDS or bool(SECRET_KEY.search(key))


def _leaves(value: Any, path: str) -> Iterable[tuple[str, Any]]:
    stack: list[tuple[str, Any, int]] = [(path, value, 0)]
    while stack:
        where, item, depth = stack.pop()
        if isinstance(item, Mapping) and depth < 32:
            for key, inner in item.items():
                stack.append((f"{where}.{key}" if where else str(key), inner, depth + 1))
        elif isinstance(item, list) and depth < 32:
            stack.extend((where, inner, depth + 1) for inner in item)
        else:
            yield where, item


class Secrets:
    """The secret values of the shared variables; `redact` takes them out of a text."""

    def __init__(self) -> None:
        self._pattern: re.Pattern[str] | None = None
        self.marked: frozenset[str] = frozenset()
        self._frozen: Secrets | None = None  # `frozen()` until the next `update`

    def update(self, variables: Mapping[str, Any], marked: Iterable[str]) -> None:
        """The shared variables and the dotted names marked secret in the options."""
        self.marked = frozenset(marked)
        self._frozen = None
        values: set[str] = set()
        for path, value in _leaves(variables, ""):
            if value is None or isinstance(value, bool):
                continue
            if not self.is_secret_path(path):
                continue
            text = str(value)
            if len(text) >= MIN_SECRET_LENGTH:
                values.add(text)
        ordered = sorted(values, key=len, reverse=True)  # the longest first: no partial leftovers
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def frozen(self) -> Secrets:
        """A copy that keeps today's secrets when these are updated: what is redacted later
        (a finished run's record, made when it is read or saved) is what was secret then."""
        # one copy per set of secrets, not one per finished run
        if self._frozen is None:
            copy = self._frozen = Secrets()
            copy._pattern, copy.marked = self._pattern, self.marked
            copy._frozen = copy
        return self._frozen

    def is_secret_path(self, path: str) -> bool:
        """Whether the shared variable at dotted `path` is secret (marked, or by its name)."""
        if path in self.marked or any(path.startswith(f"{name}.") for name in self.marked):
            return True
        return any(is_secret_key(part) for part in path.split("."))

    @property
    def active(self) -> bool:
        return self._pattern is not None

    def redact(self, text: str) -> str:
        """`text` with every secret value replaced by `REDACTED`."""
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(REDACTED, text)

    def redact_data(self, data: Any, *, variables_path: str | None = None) -> Any:
        """A copy of `data` with secret keys' values and secret values in texts redacted.
        `variables_path` treats `data` as shared variables (marked names apply)."""
        return self._redact(data, variables_path, 0)

    def _redact(self, data: Any, path: str | None, depth: int) -> Any:
        if depth > 64:
            return REDACTED  # nothing this deep is worth a traceback
        kind = type(data)
        # Exact types first: records are mostly plain values, and `isinstance` of an
        # abstract `Mapping` costs more than the rest of the walk.
        if kind is str:
            return self.redact(data) if self._pattern is not None else data
        if kind is int or kind is float or kind is bool or data is None:
            return data
        if isinstance(data, Mapping):
            found: dict[Any, Any] = {}
            for key, value in data.items():
                inner = None if path is None else (f"{path}.{key}" if path else str(key))
                if is_secret_key(key) or (inner is not None and inner in self.marked):
                    found[key] = REDACTED if value not in (None, "") else value
                else:
                    found[key] = self._redact(value, inner, depth + 1)
            return found
        if isinstance(data, list | tuple):
            return [self._redact(item, path, depth + 1) for item in data]
        if isinstance(data, str):
            return self.redact(data)
        return data


class RedactingFilter(logging.Filter):
    """Takes secret values out of the integration's log records."""

    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets.active:
            return True
        message = record.getMessage()
        cleaned = self.secrets.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.secrets.redact(
                logging.Formatter().formatException(record.exc_info)
            )
        return True


def install_log_filter(secrets: Secrets) -> RedactingFilter:
    """Put a `RedactingFilter` on every logger of the integration (a filter of a logger sees
    only the records of that very logger, not of its children)."""
    log_filter = RedactingFilter(secrets)
    for logger in _our_loggers():
        logger.addFilter(log_filter)
    return log_filter


def remove_log_filter(log_filter: RedactingFilter) -> None:
    for logger in _our_loggers():
        logger.removeFilter(log_filter)


def _our_loggers() -> list[logging.Logger]:
    names = [
        name
        for name in list(logging.root.manager.loggerDict)
        if name == LOGGER_PREFIX or name.startswith(f"{LOGGER_PREFIX}.")
    ]
    return [logging.getLogger(name) for name in [LOGGER_PREFIX, *names]]
