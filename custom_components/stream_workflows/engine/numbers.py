"""Number checks for schemas: booleans are not numbers, NaN and Infinity are refused, and every
duration, count and interval has a range (documented in the README's "Bad input" section)."""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable
from typing import Any

import voluptuous as vol

MAX_WAIT_SECONDS = 31 * 24 * 3600  # a wait (seconds, until, wait_for_event timeout): 31 days
MAX_TIMEOUT_SECONDS = 24 * 3600  # an action's timeout: one day
MAX_RETRY_DELAY_SECONDS = 24 * 3600  # retry interval and max_delay: one day
DEFAULT_MAX_DELAY_SECONDS = 3600.0  # the cap of a computed retry delay when none is written
MAX_BACKOFF_RATE = 10.0
_DIGITS = re.compile(r"[+-]?[0-9]{1,30}")  # rendered `${...}` text such as "60"
_YAML_TEXT_NUMBER = re.compile(r"[+-]?[0-9]+[eE][+-]?[0-9]+")  # YAML 1.1 needs a dot


def real(
    low: float = 0.0,
    high: float = MAX_WAIT_SECONDS,
    *,
    low_included: bool = True,
    what: str = "a number",
    keep: bool = False,
) -> Callable[[Any], float]:
    """A finite number in [low, high] (`low` excluded unless `low_included`), as float
    (or as written, `keep`: 30 stays 30)."""

    def check(value: Any) -> Any:
        if isinstance(value, str) and _YAML_TEXT_NUMBER.fullmatch(value.strip()):
            raise vol.Invalid(
                f"expected {what}, got the text {_shown(value)} "
                "(YAML reads 1e12 as text: write 1.0e+12, or the digits)"
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise vol.Invalid(f"expected {what}, got {_shown(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise vol.Invalid(f"expected {what}, got {_shown(value)}")
        if value < low or (value == low and not low_included) or value > high:
            bounds = (
                f"from {_plain(low)} to {_plain(high)}"
                if low_included
                else f"more than {_plain(low)} and at most {_plain(high)}"
            )
            raise vol.Invalid(f"expected {what} {bounds}, got {_shown(value)}")
        return value if keep else float(value)

    return check


def whole(low: int, high: int, *, what: str = "a whole number") -> Callable[[Any], int]:
    """An integer in [low, high]; a float without a fraction (30.0) and digits as text ("30",
    what a rendered `${...}` gives) are taken too; booleans and NaN/Infinity never."""

    def check(value: Any) -> int:
        number: int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
            number = int(value.strip())
        if number is None:
            raise vol.Invalid(f"expected {what}, got {_shown(value)}")
        if not low <= number <= high:
            raise vol.Invalid(f"expected {what} from {low} to {high}, got {_shown(number)}")
        return number

    return check


def real_or_text(low: float, high: float, *, what: str = "a number") -> Callable[[Any], float]:
    """Like `real`, also taking a number as text ("12.5", what a rendered `${...}` gives)."""
    inner = real(low, high, what=what)

    def check(value: Any) -> float:
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value.strip()) if len(value) <= 40 else value
        return inner(value)

    return check


def _plain(number: float) -> str:
    """2678400, not 2.6784e+06."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a number of {len(str(value)) if value.bit_length() < 14000 else 'many'} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:40] + "..."


__all__ = [
    "DEFAULT_MAX_DELAY_SECONDS",
    "MAX_BACKOFF_RATE",
    "MAX_RETRY_DELAY_SECONDS",
    "MAX_TIMEOUT_SECONDS",
    "MAX_WAIT_SECONDS",
    "real",
    "real_or_text",
    "whole",
]
