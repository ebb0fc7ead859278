"""The selectors a template input may declare, and the check of a value against one.

Written as Home Assistant writes selectors (`{"number": {"min": 0, "max": 600}}`) so that
the panel can draw the form with HA's own selector elements; `obs_scene` and
`discord_channel` are ours (a text field the panel fills with the connected OBS's scenes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

MAX_TEXT = 10_000
ENTITY_ID = re.compile(r"[a-z0-9_]{1,64}\.[a-z0-9_]{1,255}")
SNOWFLAKE = re.compile(r"[0-9]{5,25}")
SELECTOR_KINDS = (
    "text",
    "number",
    "boolean",
    "entity",
    "select",
    "obs_scene",
    "discord_channel",
)

Check = Callable[[Mapping[str, Any], Any], str | None]


def selector_problem(selector: Any) -> str | None:
    """Why `selector` is not one we know, or None."""
    if not isinstance(selector, Mapping) or len(selector) != 1:
        return f"a selector is one of {', '.join(SELECTOR_KINDS)} with its options"
    kind, options = next(iter(selector.items()))
    if kind not in SELECTOR_KINDS:
        return f"unknown selector '{kind}' (known: {', '.join(SELECTOR_KINDS)})"
    if options is None:
        return None
    if not isinstance(options, Mapping):
        return f"the options of the '{kind}' selector are a mapping"
    if kind == "select" and not _options(options):
        return "a select selector needs 'options': a list of texts or {value, label}"
    if kind == "number":
        for bound in ("min", "max", "step"):
            if bound in options and not _is_number(options[bound]):
                return f"the number selector's '{bound}' is a number"
    return None


def kind_of(selector: Mapping[str, Any]) -> str:
    return str(next(iter(selector)))


def check_value(selector: Mapping[str, Any], value: Any) -> str | None:
    """Why `value` is not acceptable to `selector` (already valid), or None."""
    kind = kind_of(selector)
    options = selector[kind] or {}
    return _CHECKS[kind](options, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _options(options: Mapping[str, Any]) -> list[str]:
    raw = options.get("options")
    if not isinstance(raw, list) or not raw:
        return []
    values: list[str] = []
    for item in raw:
        if isinstance(item, str):
            values.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("value"), str):
            values.append(item["value"])
        else:
            return []
    return values


def _text(options: Mapping[str, Any], value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected text, got {_kind(value)}"
    limit = options.get("max", MAX_TEXT)
    limit = limit if isinstance(limit, int) and 0 < limit <= MAX_TEXT else MAX_TEXT
    if len(value) > limit:
        return f"at most {limit} characters ({len(value)} given)"
    if not options.get("multiline") and ("\n" in value or "\r" in value):
        return "one line of text"
    return None


def _number(options: Mapping[str, Any], value: Any) -> str | None:
    if not _is_number(value):
        return f"expected a number, got {_kind(value)}"
    low, high = options.get("min"), options.get("max")
    if _is_number(low) and value < low:
        return f"at least {low} ({value} given)"
    if _is_number(high) and value > high:
        return f"at most {high} ({value} given)"
    return None


def _boolean(options: Mapping[str, Any], value: Any) -> str | None:
    return None if isinstance(value, bool) else f"expected true or false, got {_kind(value)}"


def _entity(options: Mapping[str, Any], value: Any) -> str | None:
    if options.get("multiple"):
        if not isinstance(value, list) or not value:
            return "expected a list of entity ids"
        for item in value:
            if (problem := _one_entity(options, item)) is not None:
                return problem
        return None
    return _one_entity(options, value)


def _one_entity(options: Mapping[str, Any], value: Any) -> str | None:
    if not isinstance(value, str) or not ENTITY_ID.fullmatch(value):
        return f"'{_short(value)}' is not an entity id (like light.desk)"
    domains = options.get("domain")
    allowed = [domains] if isinstance(domains, str) else domains
    if isinstance(allowed, list) and allowed and value.split(".", 1)[0] not in allowed:
        return f"'{value}' is not in the domain {' or '.join(map(str, allowed))}"
    return None


def _select(options: Mapping[str, Any], value: Any) -> str | None:
    allowed = _options(options)
    if value not in allowed:
        return f"'{_short(value)}' is not one of {', '.join(allowed)}"
    return None


def _scene(options: Mapping[str, Any], value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "expected the name of an OBS scene"
    return None if len(value) <= 256 else "an OBS scene name has at most 256 characters"


def _channel(options: Mapping[str, Any], value: Any) -> str | None:
    if isinstance(value, str) and SNOWFLAKE.fullmatch(value):
        return None
    return f"'{_short(value)}' is not a Discord channel id (its digits)"


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a mapping"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:60] + "..."


_CHECKS: dict[str, Check] = {
    "text": _text,
    "number": _number,
    "boolean": _boolean,
    "entity": _entity,
    "select": _select,
    "obs_scene": _scene,
    "discord_channel": _channel,
}
