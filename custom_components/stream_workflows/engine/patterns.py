"""`matches` patterns: checked when a file is validated, matched within a time budget.

Python's `re` cannot be interrupted: `^(a+)+$` against a long text that does not match runs
for ever on Home Assistant's event loop, and the text may come from an event payload anyone
can fire. Patterns are compiled with the `regex` package (the same syntax as `re`), whose
matching takes a `timeout`; and bounded before compiling, whose parser recurses.
"""

from __future__ import annotations

import re as _re
from functools import lru_cache
from typing import Any

import regex  # type: ignore[import-untyped]

MAX_PATTERN_LENGTH = 500  # characters
MAX_PATTERN_NESTING = 20  # groups inside groups
MAX_REPEAT = 1000  # {m,n} counts
MAX_SUBJECT_LENGTH = 100_000  # characters of the text a pattern is matched against
MATCH_TIMEOUT_SECONDS = 0.05  # per match, on the event loop

_REPEAT = _re.compile(r"\{\s*(\d*)\s*(?:,\s*(\d*)\s*)?\}")


class PatternError(ValueError):
    """A pattern that is refused; the message says why."""


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be used in a `matches` condition, or None when it can."""
    try:
        compile_pattern(pattern)
    except PatternError as err:
        return str(err)
    return None


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """The compiled pattern; PatternError when it is too long, too nested, or invalid."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(
            f"the pattern is {len(pattern)} characters long; at most {MAX_PATTERN_LENGTH}"
        )
    if _nesting(pattern) > MAX_PATTERN_NESTING:
        raise PatternError(f"the pattern nests groups more than {MAX_PATTERN_NESTING} deep")
    for found in _REPEAT.finditer(pattern):
        for count in found.groups():
            if count and (len(count) > 6 or int(count) > MAX_REPEAT):
                raise PatternError(f"a repeat count above {MAX_REPEAT} ('{found.group(0)}')")
    try:
        return regex.compile(pattern, regex.VERSION0)
    except (regex.error, RecursionError, OverflowError, ValueError, MemoryError) as err:
        raise PatternError(f"not a valid regular expression: {err}") from None


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` is found in `text`; PatternError when it cannot be decided in time."""
    compiled = compile_pattern(pattern)
    if len(text) > MAX_SUBJECT_LENGTH:
        raise PatternError(
            f"the text is {len(text)} characters long; patterns match at most {MAX_SUBJECT_LENGTH}"
        )
    try:
        return compiled.search(text, timeout=MATCH_TIMEOUT_SECONDS) is not None
    except TimeoutError:
        raise PatternError(
            f"the pattern took longer than {MATCH_TIMEOUT_SECONDS:g} s on a text of "
            f"{len(text)} characters (it backtracks too much; simplify it)"
        ) from None


def _nesting(pattern: str) -> int:
    """The deepest group nesting, skipping escapes and character classes."""
    depth = deepest = 0
    index = 0
    in_class = False
    while index < len(pattern):
        character = pattern[index]
        if character == "\\":
            index += 2
            continue
        if in_class:
            if character == "]":
                in_class = False
        elif character == "[":
            in_class = True
            if pattern[index + 1 : index + 2] == "]":
                index += 1  # `[]...]`: the first `]` is a member
        elif character == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif character == ")":
            depth = max(0, depth - 1)
        index += 1
    return deepest


__all__ = [
    "MATCH_TIMEOUT_SECONDS",
    "MAX_PATTERN_LENGTH",
    "MAX_PATTERN_NESTING",
    "MAX_REPEAT",
    "MAX_SUBJECT_LENGTH",
    "PatternError",
    "compile_pattern",
    "pattern_problem",
    "search",
]
