"""Bounded attribute values: long texts, lists, mappings and nesting are shortened."""

from __future__ import annotations

import json

from custom_components.stream_workflows.bounded import MAX_TEXT, MORE, bound_attribute


def test_long_values_are_shortened_and_small_ones_kept() -> None:
    small = {"who": "raider", "n": 3, "ok": True, "none": None, "list": [1, 2]}
    assert bound_attribute(small) == small
    text = bound_attribute("x" * (1024 * 1024))
    assert len(text) == MAX_TEXT
    assert text.endswith(MORE)
    many = bound_attribute(list(range(100)))
    assert many[:20] == list(range(20))
    assert many[20] == f"{MORE} 80 more"
    wide = bound_attribute({f"k{n}": n for n in range(50)})
    assert len(wide) == 21
    assert wide[MORE] == "30 more"


def test_deep_and_odd_values_become_small_json() -> None:
    deep: object = "bottom"
    for _ in range(300):
        deep = {"d": deep}
    bounded = bound_attribute(deep)
    assert len(json.dumps(bounded)) < 100  # cut after a few levels, and JSON-ready
    assert bound_attribute({"when": {1, 2}}) == {"when": "{1, 2}"}
    assert bound_attribute((1, "a")) == [1, "a"]
