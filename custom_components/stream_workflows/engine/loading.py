"""Read workflow files safely: whatever a file holds ends in a document or located problems.

Only regular files are read (a FIFO or a link to `/dev/zero` is refused at once), up to
`MAX_FILE_BYTES`. YAML is read event by event into plain JSON types, never through PyYAML's
constructors: aliases are copied within a budget (an alias bomb is a problem, not gigabytes),
keys must be unique text, tags other than the core scalar ones are problems, dates stay text,
and nesting is bounded before anything recurses. JSON gets the same checks. Every problem is
located by its path in the document (and its line, where the parser knows it).
"""

from __future__ import annotations

import json
import math
import os
import stat
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from .errors import Problem
from .paths import child

MAX_FILE_BYTES = 1024 * 1024  # one workflow file
MAX_DEPTH = 64  # mappings and lists inside each other
MAX_VALUES = 1_000_000  # every scalar, mapping and list, aliases expanded
MAX_INT_DIGITS = 4300  # as Python's own int/str conversion limit
SUFFIXES = (".json", ".yaml", ".yml")

try:  # libyaml's parser (events in C), about ten times faster than the pure-Python one
    from yaml.cyaml import CParser as _CParser  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_BOOLS = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}


class _Fatal(Exception):
    """A problem after which the rest of the document is not read."""


def read_document(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> tuple[Any, list[Problem]]:
    """Read and parse one definition file; never raises for anything the file holds."""
    if path.suffix.lower() not in SUFFIXES:
        return None, [Problem("", "workflow files must end in .json, .yaml or .yml")]
    data, problem = _read_bytes(path, max_bytes)
    if problem is not None:
        return None, [problem]
    assert data is not None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return None, [Problem("", f"cannot read the file: not UTF-8 text (byte {err.start})")]
    return parse_text(text, "json" if path.suffix.lower() == ".json" else "yaml")


def _read_bytes(path: Path, max_bytes: int) -> tuple[bytes | None, Problem | None]:
    # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as err:
        return None, Problem("", f"cannot read the file: {err.strerror or err}")
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return None, Problem("", "cannot read the file: not a regular file")
        if info.st_size > max_bytes:
            return None, Problem("", _too_big(info.st_size, max_bytes))
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:  # the size may change while reading: count, do not trust
            chunk = os.read(descriptor, min(65536, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            return None, Problem("", _too_big(size, max_bytes))
        return b"".join(chunks), None
    except OSError as err:
        return None, Problem("", f"cannot read the file: {err.strerror or err}")
    finally:
        os.close(descriptor)


def _too_big(size: int, max_bytes: int) -> str:
    return f"the file is larger than the limit of {max_bytes} bytes for a workflow file ({size})"


def parse_text(text: str, fmt: str) -> tuple[Any, list[Problem]]:
    """Parse JSON (`fmt` "json") or YAML text into plain JSON types, with located problems."""
    if fmt == "json":
        return _parse_json(text)
    return _YamlReader(text).read()


# -- JSON -------------------------------------------------------------------------------


class _Marker:
    """Stands in for a value JSON cannot give us; `plain()` turns it into a located problem."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _parse_json(text: str) -> tuple[Any, list[Problem]]:
    duplicates: dict[int, list[str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        for key, value in items:
            if key in mapping:
                duplicates.setdefault(id(mapping), []).append(key)
            mapping[key] = value
        return mapping

    def integer(digits: str) -> Any:
        if len(digits) > MAX_INT_DIGITS:
            return _Marker(
                f"a number of {len(digits)} digits; numbers have at most {MAX_INT_DIGITS}"
            )
        return int(digits)

    def constant(name: str) -> Any:
        return _Marker(f"{name} is not JSON; write a number, or text in quotes")

    try:
        document = json.loads(
            text, object_pairs_hook=pairs, parse_int=integer, parse_constant=constant
        )
    except json.JSONDecodeError as err:
        return None, [Problem(f"line {err.lineno}, column {err.colno}", err.msg)]
    except RecursionError:
        return None, [Problem("", f"nested deeper than {MAX_DEPTH} levels")]
    except ValueError as err:
        return None, [Problem("", f"not valid JSON: {err}")]
    problems: list[Problem] = []
    plain = plain_value(document, problems, duplicates=duplicates)
    return (None if problems else plain), problems


# -- plain values -------------------------------------------------------------------------


def plain_value(
    value: Any,
    problems: list[Problem],
    *,
    path: str = "",
    duplicates: Mapping[int, list[str]] | None = None,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """A copy of `value` in plain JSON types (dates as ISO text, tuples as lists).

    Anything else (keys that are not text, bytes, sets, objects, numbers too long, nesting
    deeper than `max_depth`, a structure that contains itself) is added to `problems` at its
    path. Iterative: a deep value cannot exhaust the interpreter's stack.
    """
    count = 0
    root: list[Any] = [None]
    # (container to fill, key or index there, value, path, depth)
    stack: list[tuple[Any, Any, Any, str, int]] = [(root, 0, value, path, 0)]
    while stack:
        target, slot, item, where, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            problems.append(Problem(path, f"more than {MAX_VALUES} values in one document"))
            return None
        converted, problem = _scalar(item)
        if problem is not None:
            problems.append(Problem(where, problem))
            continue
        if converted is not _CONTAINER:
            target[slot] = converted
            continue
        if depth >= max_depth:
            problems.append(Problem(where, f"nested deeper than {max_depth} levels"))
            continue
        if isinstance(item, Mapping):
            mapping: dict[str, Any] = {}
            target[slot] = mapping
            if duplicates and id(item) in duplicates:
                for repeated in duplicates[id(item)]:
                    problems.append(Problem(child(where, repeated), f"duplicate key '{repeated}'"))
            children: list[tuple[Any, Any, Any, str, int]] = []
            for key, inner in item.items():
                if not isinstance(key, str):
                    problems.append(Problem(where, _key_problem(key)))
                    continue
                mapping[key] = None
                children.append((mapping, key, inner, child(where, key), depth + 1))
            stack.extend(reversed(children))
        else:
            sequence: list[Any] = [None] * len(item)
            target[slot] = sequence
            stack.extend(
                (sequence, index, inner, child(where, index), depth + 1)
                for index, inner in reversed(list(enumerate(item)))
            )
    return root[0]


_CONTAINER = object()


def _scalar(item: Any) -> tuple[Any, str | None]:
    """A plain scalar, `_CONTAINER` for mappings and lists, or a problem."""
    if item is None or isinstance(item, bool | str):
        return item, None
    if isinstance(item, int):
        if item.bit_length() > MAX_INT_DIGITS * 3.33:
            return None, f"a number of more than {MAX_INT_DIGITS} digits"
        return item, None
    if isinstance(item, float):
        return item, None
    if isinstance(item, Mapping | list | tuple):
        return _CONTAINER, None
    if isinstance(item, datetime | date | time):
        return item.isoformat(), None
    if isinstance(item, _Marker):
        return None, item.message
    return None, f"a value of type {type(item).__name__} is not allowed in a workflow"


def _key_problem(key: Any) -> str:
    if isinstance(key, bool):
        return (
            f"the key {str(key).lower()} is not text: YAML reads on/off/yes/no as true/false; "
            "put the key in quotes"
        )
    if key is None:
        return "a key is empty (null): put the key in quotes"
    if isinstance(key, int | float):
        return f"the key {key!r} is a number: keys are text; put it in quotes"
    return f"a key of type {type(key).__name__} is not allowed: keys are text"


def json_ready(value: Any, *, max_depth: int = 200) -> Any:
    """`value` made acceptable to strict JSON (`allow_nan=False`): non-finite numbers, dates,
    bytes, sets and unknown objects become text or lists. For output, never raises."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if value.bit_length() < 14000 else f"<a number of {value.bit_length()} bits>"
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if max_depth <= 0:
        return "<nested too deeply>"
    if isinstance(value, Mapping):
        return {str(key): json_ready(item, max_depth=max_depth - 1) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [json_ready(item, max_depth=max_depth - 1) for item in items]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "backslashreplace")
    return str(value)


# -- YAML -------------------------------------------------------------------------------


class _Frame:
    """A mapping or list being read."""

    __slots__ = ("anchor", "count", "height", "key", "keys", "merges", "path", "value")

    def __init__(self, value: dict[str, Any] | list[Any], path: str, anchor: str | None) -> None:
        self.value = value
        self.path = path
        self.anchor = anchor
        self.count = 1  # values inside, itself included
        self.height = 1  # levels below, itself included
        self.key: Any = _NO_KEY
        self.keys: set[str] = set()
        self.merges: list[Any] = []


_NO_KEY = object()
_BAD_KEY = object()
_MERGE = object()


class _YamlReader:
    """Turns YAML events into plain values; see the module's docstring for the rules."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.problems: list[Problem] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int, int]] = {}  # value, values inside, height
        self.open_anchors: set[str] = set()
        self.values = 0
        self.document: Any = None
        self.documents = 0
        self.resolved: dict[str, str] = {}

    def read(self) -> tuple[Any, list[Problem]]:
        parser = _CParser(self.text) if _CParser is not None else yaml.Loader(self.text)
        try:
            while True:
                event = parser.get_event()
                if event is None or isinstance(event, yaml.StreamEndEvent):
                    break
                self.event(event)
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            return None, [*self.problems, Problem(where, f"{err.problem or err}")]
        except yaml.YAMLError as err:
            return None, [*self.problems, Problem("", f"not valid YAML: {err}")]
        except _Fatal:
            return None, self.problems
        finally:
            dispose = getattr(parser, "dispose", None)
            if dispose is not None:
                dispose()
        if self.problems:
            return None, self.problems
        return self.document, []

    # -- events ---------------------------------------------------------------------------

    def event(self, event: Any) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:  # the common case first
            self.add(self.scalar(event), event, 1, 1, event.anchor)
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                self.fail(event, "", "one workflow per file: this file has a second document")
        elif kind is yaml.AliasEvent:
            self.alias(event)
        elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
            self.start(event)
        elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            frame = self.stack.pop()
            if frame.anchor is not None:
                self.open_anchors.discard(frame.anchor)
            if isinstance(frame.value, dict) and frame.merges:
                self.merge(frame)
            self.add(frame.value, event, frame.count, frame.height, frame.anchor, ended=True)

    def start(self, event: Any) -> None:
        is_map = isinstance(event, yaml.MappingStartEvent)
        path = self.child_path()
        tag = event.tag
        allowed = (None, "!", _TAG + ("map" if is_map else "seq"))
        if tag not in allowed:
            self.problem(event, path, _tag_problem(tag))
        if len(self.stack) >= MAX_DEPTH:
            self.fail(event, path, f"nested deeper than {MAX_DEPTH} levels")
        frame = _Frame({} if is_map else [], path, event.anchor)
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.count(event, path, 1)
        self.stack.append(frame)

    def alias(self, event: Any) -> None:
        path = self.child_path()
        name = event.anchor
        if name in self.open_anchors:
            self.fail(event, path, f"the alias *{name} refers to a value that contains it")
        if name not in self.anchors:
            self.fail(event, path, f"there is no anchor &{name} before this alias")
        value, size, height = self.anchors[name]
        self.count(event, path, size)
        if len(self.stack) + height > MAX_DEPTH:
            self.fail(event, path, f"nested deeper than {MAX_DEPTH} levels")
        self.add(_copy(value), event, size, height, None, counted=True)

    def add(
        self,
        value: Any,
        event: Any,
        size: int,
        height: int,
        anchor: str | None,
        *,
        ended: bool = False,
        counted: bool = False,
    ) -> None:
        if not ended and not counted:
            self.count(event, None, size)
        if anchor is not None:
            self.anchors[anchor] = (value, size, height)
        if not self.stack:
            self.document = value
            return
        frame = self.stack[-1]
        frame.count += size
        if height >= frame.height:
            frame.height = height + 1
        if isinstance(frame.value, list):
            frame.value.append(value)
            return
        if frame.key is _NO_KEY:
            frame.key = self.key(frame, value, event)
            return
        key, frame.key = frame.key, _NO_KEY
        if key is _MERGE:
            frame.merges.append((value, event))
        elif key is not _BAD_KEY:
            frame.value[key] = value

    def key(self, frame: _Frame, key: Any, event: Any) -> Any:
        if key is _MERGE:
            return _MERGE
        if not isinstance(key, str):
            self.problem(event, frame.path, _key_problem(key))
            return _BAD_KEY
        if key in frame.keys:
            self.problem(event, child(frame.path, key), f"duplicate key '{key}'")
            return _BAD_KEY
        frame.keys.add(key)
        return key

    def merge(self, frame: _Frame) -> None:
        """`<<: *defaults`: keys written in the mapping win over merged ones."""
        assert isinstance(frame.value, dict)
        merged: dict[str, Any] = {}
        for value, event in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, dict):
                    self.problem(event, frame.path, "'<<' merges a mapping or a list of mappings")
                    continue
                for key, item in source.items():
                    merged.setdefault(key, item)
        merged.update(frame.value)
        frame.value.clear()
        frame.value.update(merged)

    def scalar(self, event: Any) -> Any:
        value: str = event.value
        implicit = event.tag is None
        if implicit and not event.implicit[0]:
            return value  # quoted: always text
        if event.tag == "!":
            tag = _TAG + "str"
        elif implicit:
            known = self.resolved.get(value)
            if known is None:
                known = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
                if len(self.resolved) < 4096:  # names repeat: service, action, success...
                    self.resolved[value] = known
            tag = str(known)
            if tag == _STR:
                return value
        else:
            tag = event.tag
        path = None  # worked out only for a problem: most scalars have none
        name = tag[len(_TAG) :] if tag.startswith(_TAG) else None
        if name == "str" or (name == "timestamp" and implicit):
            return value  # dates stay text: `name: 2020-13-45` is a name, not a crash
        if name == "null":
            return None
        if name == "bool":
            if value.lower() in _BOOLS:
                return _BOOLS[value.lower()]
            self.problem(event, path, f"'{_short(value)}' is not true or false")
            return None
        if name in ("int", "float"):
            return self.number(event, path, name, value)
        if name == "timestamp":
            if _RESOLVER_TIMESTAMP(value):
                return value  # dates stay text
            self.problem(event, path, f"'{_short(value)}' is not a date")
            return None
        if name == "merge":
            return _MERGE if self.stack and self.stack[-1].key is _NO_KEY else value
        if name == "value":
            return value
        self.problem(event, path, _tag_problem(tag))
        return None

    def number(self, event: Any, path: str | None, name: str, value: str) -> Any:
        if sum(character.isdigit() for character in value) > MAX_INT_DIGITS:
            self.problem(event, path, f"a number of more than {MAX_INT_DIGITS} digits")
            return None
        node = yaml.ScalarNode(_TAG + name, value)
        try:
            if name == "int":
                return _CONSTRUCTOR.construct_yaml_int(node)
            return _CONSTRUCTOR.construct_yaml_float(node)
        except (ValueError, OverflowError, IndexError):
            kind = "an integer" if name == "int" else "a number"
            self.problem(event, path, f"'{_short(value)}' is not {kind}")
            return None

    # -- bookkeeping ------------------------------------------------------------------

    def child_path(self) -> str:
        if not self.stack:
            return ""
        frame = self.stack[-1]
        if isinstance(frame.value, list):
            return child(frame.path, len(frame.value))
        if frame.key is _NO_KEY or not isinstance(frame.key, str):
            return frame.path
        return child(frame.path, frame.key)

    def count(self, event: Any, path: str | None, size: int) -> None:
        self.values += size
        if self.values > MAX_VALUES:
            self.fail(
                event, path, f"more than {MAX_VALUES} values in one document (aliases expanded)"
            )

    def problem(self, event: Any, path: str | None, message: str) -> None:
        """`path` None: where the value being read goes (the current child's path)."""
        if path is None:
            path = self.child_path()
        mark = event.start_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        self.problems.append(Problem(path, message + where))

    def fail(self, event: Any, path: str | None, message: str) -> None:
        self.problem(event, path, message)
        raise _Fatal


def _copy(value: Any) -> Any:
    # Depth is bounded by MAX_DEPTH (checked before the copy), so recursion is safe here.
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _tag_problem(tag: str) -> str:
    shown = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
    return (
        f"the YAML tag '{_short(shown)}' is not supported in workflow files "
        "(use plain text, numbers, true/false, lists and mappings)"
    )


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _timestamp_check() -> Callable[[str], bool]:
    for first, resolvers in _RESOLVER.yaml_implicit_resolvers.items():
        for tag, pattern in resolvers:
            if tag == _TAG + "timestamp" and first == "0":
                return lambda text: pattern.fullmatch(text) is not None
    return lambda text: False


_RESOLVER_TIMESTAMP = _timestamp_check()

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_INT_DIGITS",
    "MAX_VALUES",
    "SUFFIXES",
    "json_ready",
    "parse_text",
    "plain_value",
    "read_document",
]
