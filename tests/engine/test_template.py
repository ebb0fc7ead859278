"""`${...}` substitution: path lookup only, types kept, missing paths named, no attributes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from custom_components.stream_workflows.engine import TemplateError
from custom_components.stream_workflows.engine.template import (
    format_value,
    has_references,
    iter_references,
    lookup,
    path_problem,
    render,
)

from .helpers import build, finish

VALUES: dict[str, Any] = {
    "name": "someone",
    "count": 3,
    "ratio": 0.5,
    "on": True,
    "nothing": None,
    "config": {"discord_channel_id": "123", "nested": {"deep": [10, {"x": "y"}]}},
    "items": ["a", "b", "c"],
}


def resolve(path: str) -> Any:
    return lookup(VALUES, path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${count}", 3),
        ("${ratio}", 0.5),
        ("${on}", True),
        ("${nothing}", None),
        ("${config.nested}", {"deep": [10, {"x": "y"}]}),
        ("${items}", ["a", "b", "c"]),
        ("${ items.1 }", "b"),
        ("${items.-1}", "c"),
        ("${config.nested.deep.1.x}", "y"),
    ],
)
def test_a_single_reference_keeps_its_type(text: str, expected: Any) -> None:
    assert render(text, resolve) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Raiding ${name}!", "Raiding someone!"),
        ("${count} of ${count}", "3 of 3"),
        ("on=${on} off=${nothing}.", "on=true off=."),
        ("ratio ${ratio}", "ratio 0.5"),
        ("list ${items}", 'list ["a", "b", "c"]'),
        ("map ${config.nested.deep.1}", 'map {"x": "y"}'),
        ("literal $${name} and ${name}", "literal ${name} and someone"),
        ("$${name}", "${name}"),
        ("no references at all", "no references at all"),
        ("price $5", "price $5"),
    ],
)
def test_references_inside_text_are_formatted(text: str, expected: str) -> None:
    assert render(text, resolve) == expected


def test_render_copies_structures_and_leaves_other_values() -> None:
    params: dict[str, Any] = {"a": ["${count}", {"b": "x ${name}"}], "c": 7, "d": ("${on}",)}
    rendered = render(params, resolve)
    assert rendered == {"a": [3, {"b": "x someone"}], "c": 7, "d": [True]}
    assert params["a"][0] == "${count}"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("missing", "'${missing}': nothing is named 'missing'"),
        ("config.missing", "'${config.missing}': 'config' has no 'missing'"),
        (
            "config.nested.deep.5",
            "'${config.nested.deep.5}': index 5 is out of range ('config.nested.deep' has 2 items)",
        ),
        ("items.first", "'${items.first}': 'first' is not a list index ('items' is a list)"),
        ("name.upper", "'${name.upper}': cannot look up 'upper' in a str ('name')"),
        ("nothing.x", "'${nothing.x}': cannot look up 'x' in nothing ('nothing')"),
        ("count.real", "'${count.real}': cannot look up 'real' in a int ('count')"),
        ("config.__class__", "'${config.__class__}': names starting with '__' are not allowed"),
    ],
)
def test_missing_paths_are_errors_naming_the_path(path: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render("${" + path + "}", resolve)
    assert str(caught.value) == message
    assert caught.value.error_type == "template_error"
    with pytest.raises(TemplateError):
        render("inside ${" + path + "} text", resolve)


class Secretive:
    """A Python object whose attributes must never be reachable."""

    password = "hunter2"

    def __init__(self) -> None:
        self.visible = "no"


def test_no_attribute_access_on_python_objects() -> None:
    values = {"obj": Secretive(), "cls": Secretive, "fn": print}
    for path in ("obj.password", "obj.visible", "cls.password", "fn.__name__", "obj.__dict__"):
        with pytest.raises(TemplateError):
            lookup(values, path)


class MappingObject(Mapping[str, Any]):
    """A mapping is looked into by its keys only."""

    secret = "attribute"

    def __getitem__(self, key: str) -> Any:
        return {"key": "value"}[key]

    def __iter__(self) -> Any:
        return iter(["key"])

    def __len__(self) -> int:
        return 1


def test_mappings_are_read_by_key_never_by_attribute() -> None:
    values = {"m": MappingObject()}
    assert lookup(values, "m.key") == "value"
    with pytest.raises(TemplateError):
        lookup(values, "m.secret")


def test_path_problems() -> None:
    assert path_problem("a.b.0.c") is None
    assert path_problem("a-b.c_d") is None
    assert path_problem("__import__") == (
        "'${__import__}' uses a name starting with '__', which is not allowed"
    )
    assert path_problem("a.__class__") is not None
    for bad in ("", "a b", "a..b", "a.b()", "a[0]", "1abc", "a + b", ".a"):
        assert path_problem(bad) == (
            f"'${{{bad}}}' is not a path: use names and indexes joined by dots"
        )


def test_iter_and_has_references() -> None:
    value = {"a": "x ${one} ${ two.three }", "b": ["${four}", 5, {"c": "$${not_me}"}]}
    assert list(iter_references(value)) == ["one", "two.three", "four"]
    assert has_references(value)
    assert not has_references({"a": ["plain", 1, None]})


def test_format_value() -> None:
    assert format_value("text") == "text"
    assert format_value(None) == ""
    assert format_value(False) == "false"
    assert format_value(12) == "12"
    assert format_value({"é": 1}) == '{"é": 1}'


async def test_runs_resolve_results_variables_and_built_ins(engine_parts: Any) -> None:
    engine, _clock, recorder = engine_parts
    definition = build(
        {
            "id": "refs",
            "name": "Refs",
            "steps": [
                {
                    "id": "set",
                    "service": "internal",
                    "action": "set_variables",
                    "params": {"score": 7, "tags": ["x", "y"]},
                },
                {
                    "id": "say",
                    "service": "internal",
                    "action": "log",
                    "params": {
                        "message": "${who} ${score} ${tags.1} ${set.score} ${date} ${time} "
                        "${now} ${workflow.name} ${run.workflow_id} ${config.deep.value}"
                    },
                },
                {
                    "id": "typed",
                    "service": "internal",
                    "action": "set_variables",
                    "params": {"copy": "${set}", "count": "${score}"},
                },
            ],
        }
    )
    engine.globals.update({"config": {"deep": {"value": "g"}}})
    run = engine.start(definition, {"who": "me"})
    assert await finish(run) == "succeeded"
    message = recorder.dispatches[1].params["message"]
    assert message == ("me 7 y 7 2026-01-01 20-00-00 2026-01-01T20:00:00+00:00 Refs refs g")
    assert run.variables["copy"] == {"score": 7, "tags": ["x", "y"]}
    assert run.variables["count"] == 7


async def test_a_missing_path_fails_the_action_naming_the_path(engine_parts: Any) -> None:
    engine, _clock, recorder = engine_parts
    definition = build(
        {
            "id": "missing",
            "steps": [
                {"id": "first", "service": "internal", "action": "noop"},
                {
                    "id": "say",
                    "service": "internal",
                    "action": "log",
                    "params": {"message": "hello ${config.channel}"},
                },
                {"id": "never", "service": "internal", "action": "noop"},
            ],
        }
    )
    run = engine.start(definition, {"config": {}})
    assert await finish(run) == "failed"
    assert run.error is not None
    assert run.error.as_dict() == {
        "step": "say",
        "type": "template_error",
        "message": "'${config.channel}': 'config' has no 'channel'",
    }
    assert recorder.steps() == ["first"]  # the failing action was never dispatched


async def test_result_of_a_step_that_has_not_run(engine_parts: Any) -> None:
    engine, _clock, _recorder = engine_parts
    definition = build(
        {
            "id": "skip",
            "steps": [
                {"id": "maybe", "service": "internal", "action": "noop", "if": {"path": "go"}},
                {
                    "id": "use",
                    "service": "internal",
                    "action": "log",
                    "params": {"message": "${maybe}"},
                },
            ],
        }
    )
    run = engine.start(definition, {"go": False})
    assert await finish(run) == "failed"
    assert run.error is not None
    assert run.error.message == "'${maybe}': step 'maybe' has not produced a result"


async def test_rendered_params_are_validated_again(engine_parts: Any) -> None:
    engine, _clock, _recorder = engine_parts
    definition = build(
        {
            "id": "typed",
            "steps": [
                {
                    "id": "pause",
                    "service": "internal",
                    "action": "wait",
                    "params": {"seconds": "${how_long}"},
                }
            ],
        }
    )
    run = engine.start(definition, {"how_long": "soon"})
    assert await finish(run) == "failed"
    assert run.error is not None
    assert run.error.type == "invalid_params"
    assert run.error.message == (
        "invalid parameters after substitution: seconds: expected a number of seconds, got 'soon'"
    )
