"""Every string of strings.json formats as Home Assistant formats it.

- The frontend renders strings as ICU MessageFormat (FormatJS's `intl-messageformat`): a
  brace opens an argument whose name must be an identifier, so `{a: 1}` or `${x.y}` in help
  text is "Translation error: MALFORMED_ARGUMENT" in the dialog. `icu_problems` follows
  FormatJS's parser for arguments and apostrophe quoting.
- The backend formats exception messages with `str.format` (`async_get_exception_message`).
- hassfest's rules for translation values (script/hassfest/translations.py): no HTML, no
  placeholder in single quotes, placeholders that are identifiers, no URLs, no surrounding
  spaces.
The strings are loaded through Home Assistant's own translation loader.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.translation import async_get_translations

from custom_components.stream_workflows.const import DOMAIN

COMPONENT = Path(__file__).parents[2] / "custom_components" / DOMAIN
STRINGS = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))

# Unicode Pattern_Syntax (UAX #31), which ends an ICU argument name, with white space.
_PATTERN_SYNTAX = re.compile(
    "[\\s!-/:-@\\[-^`{-~\u00a1-\u00a7\u00a9\u00ab\u00ac\u00ae\u00b0\u00b1\u00b6\u00bb\u00bf"
    "\u00d7\u00f7\u2010-\u2027\u2030-\u203e\u2041-\u2053\u2055-\u205e\u2190-\u245f"
    "\u2500-\u2775\u2794-\u2bff\u2e00-\u2e7f\u3001-\u3003\u3008-\u3020\u3030\ufd3e\ufd3f"
    "\ufe45\ufe46]"
)
_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)


def icu_problems(text: str) -> tuple[list[str], list[str]]:
    """(problems, argument names) of `text` read as an ICU message, as FormatJS reads one."""
    problems: list[str] = []
    names: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "'":
            following = text[index + 1 : index + 2]
            if following == "'":
                index += 2  # '' is one apostrophe
                continue
            if following in ("{", "}"):
                # a quoted literal, up to the next lone apostrophe
                end = index + 1
                while True:
                    end = text.find("'", end + 1)
                    if end == -1:
                        return problems, names  # quoted to the end: all literal
                    if text[end + 1 : end + 2] == "'":
                        end += 1
                        continue
                    break
                index = end + 1
                continue
            index += 1
            continue
        if char != "{":
            index += 1
            continue
        close = text.find("}", index)
        if close == -1:
            problems.append(f"EXPECT_ARGUMENT_CLOSING_BRACE at {index}")
            return problems, names
        inside = text[index + 1 : close].strip()
        name_match = _PATTERN_SYNTAX.search(inside)
        name = inside if name_match is None else inside[: name_match.start()]
        rest = inside[len(name) :].strip()
        if not inside:
            problems.append(f"EMPTY_ARGUMENT at {index}")
        elif not name or (rest and not rest.startswith(",")):
            problems.append(f"MALFORMED_ARGUMENT at {index}: {{{inside}}}")
        elif rest:
            problems.append(f"a formatted argument ({{{inside}}}) is not used by this integration")
        else:
            names.append(name)
        index = close + 1
    return problems, names


def hassfest_problems(text: str) -> list[str]:
    """What hassfest's `validate_translation_value` refuses."""
    problems: list[str] = []
    try:
        cv.string_with_no_html(text)
    except vol.Invalid as err:
        problems.append(str(err))
    if re.search(r"'{\w+}'", text):
        problems.append("a placeholder inside single quotes")
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field]
    except ValueError as err:
        problems.append(f"not a format string: {err}")
        fields = []
    problems.extend(
        f"placeholder {{{f}}} is not an identifier" for f in fields if not f.isidentifier()
    )
    if re.search(r"(.+\[%)|(%\].+)", text):
        problems.append("a combined translation reference")
    if text != text.strip():
        problems.append("leading or trailing spaces")
    if _URL.search(text):
        problems.append("a URL (use a placeholder)")
    return problems


def every_string(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from every_string(value, f"{path}.{key}" if path else key)
    else:
        assert isinstance(node, str), path
        yield path, node


def problems_of(text: str) -> list[str]:
    problems, names = icu_problems(text)
    problems.extend(hassfest_problems(text))
    if not problems:
        # the backend's formatting (exception messages, notifications) with every placeholder
        text.format(**dict.fromkeys(names, "x"))
    return problems


def test_the_checks_find_what_broke_the_options_dialog() -> None:
    # the help text that showed "Translation error: MALFORMED_ARGUMENT" under Variables
    broken = (
        'Variables every workflow sees, e.g. config: {discord_channel_id: "123"} makes '
        "${config.discord_channel_id} available."
    )
    problems = problems_of(broken)
    assert any(problem.startswith("MALFORMED_ARGUMENT") for problem in problems), problems
    assert "placeholder {config.discord_channel_id} is not an identifier" in problems
    assert problems_of("Run {name} now.") == []
    # ICU quotes a brace as '{'; hassfest still refuses it: strings here use no braces
    assert icu_problems("Write '{'braces'}' like this.") == ([], [])
    assert problems_of("Write '{'braces'}' like this.") != []
    assert icu_problems("{title} lacks {scopes}")[1] == ["title", "scopes"]


@pytest.mark.parametrize(("path", "text"), list(every_string(STRINGS)))
def test_every_string_formats(path: str, text: str) -> None:
    assert problems_of(text) == [], path


async def test_home_assistant_loads_every_string(hass: HomeAssistant) -> None:
    """Through Home Assistant's loader: every category of strings.json comes back whole
    (translations/en.json is what it reads, and must be strings.json's copy)."""
    english = json.loads((COMPONENT / "translations" / "en.json").read_text(encoding="utf-8"))
    assert english == STRINGS
    expected = dict(every_string(STRINGS))
    loaded: dict[str, str] = {}
    for category in STRINGS:
        found = await async_get_translations(hass, "en", category, {DOMAIN})
        prefix = f"component.{DOMAIN}."
        loaded.update({key.removeprefix(prefix): value for key, value in found.items()})
    assert loaded == expected
