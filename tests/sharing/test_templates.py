"""Every shipped template: instantiated with sample inputs, validated, rehearsed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.engine.definition import load_definition
from custom_components.stream_workflows.engine.rehearse import rehearse
from custom_components.stream_workflows.engine.run import RehearsalPlan
from custom_components.stream_workflows.sharing.authoring import make_template
from custom_components.stream_workflows.sharing.templates import (
    instantiate,
    load_bundled,
    parse_template,
)

SAMPLES = {"discord_channel": "123456789012345678", "target": "friend", "light": "light.desk"}
EXPECTED: dict[str, list[str]] = {
    "stream_start_countdown": ["soon", "go_live", "announce", "countdown", "main"],
    "raid": ["prepare", "announce", "wait", "raid", "end"],
    "stream_end_clip_vod": [
        "ending",
        "clip",
        "outro",
        "share_clip",
        "stop_stream",
        "stop_recording",
    ],
    "be_right_back": ["go_brb", "tell_chat", "break_time", "come_back", "welcome_back"],
    "ad_break": ["ad_scene", "commercial", "tell_chat", "wait_out", "back"],
    "going_live_lights_discord": ["light_on", "scene", "start", "announce"],
    "highlight_to_discord": ["clip", "replay", "share"],
    "scene_rotation": [
        "first",
        "wait_first",
        "second",
        "wait_second",
        "first_again",
        "wait_again",
        "main",
    ],
    "alert_scene_light": ["alert", "flash", "thanks", "hold", "back"],
    "wrap_up": ["marker", "thank_chat", "ending", "linger", "stop"],
}


def test_ten_templates_load_without_problems() -> None:
    templates, problems = load_bundled()
    assert problems == []
    assert set(templates) == set(EXPECTED)


@pytest.mark.parametrize("template_id", sorted(EXPECTED))
def test_template_rehearses(template_id: str) -> None:
    templates, _ = load_bundled()
    template = templates[template_id]
    values = {name: value for name, value in SAMPLES.items() if name in template.inputs}
    document, problems = instantiate(template, values)
    assert problems == []
    assert document is not None
    definition, problems = load_definition(document, default_registry())
    assert definition is not None, problems
    loop = asyncio.new_event_loop()
    try:
        result = loop.run_until_complete(
            rehearse(definition, default_registry(), {}, RehearsalPlan())
        )
    finally:
        loop.close()
    assert result.status.value == "succeeded"
    assert result.path == EXPECTED[template_id]


def test_inputs_are_substituted_with_their_types() -> None:
    templates, _ = load_bundled()
    document, _ = instantiate(templates["be_right_back"], {"seconds": 42, "reason": "tea"})
    assert document is not None
    steps = document["steps"]
    assert steps[2]["params"]["seconds"] == 42
    assert steps[1]["params"]["message"] == "Be right back: tea! Back in 42 seconds."


def test_a_value_can_never_become_a_reference() -> None:
    templates, _ = load_bundled()
    document, _ = instantiate(templates["be_right_back"], {"reason": "${config.token}"})
    assert document is not None
    message = document["steps"][1]["params"]["message"]
    assert "$${config.token}" in message
    definition, problems = load_definition(document, default_registry())
    assert definition is not None, problems


@pytest.mark.parametrize(
    ("values", "path", "words"),
    [
        ({}, "inputs.target", "required"),
        ({"target": 5}, "inputs.target", "expected text"),
        ({"target": "x", "wait": 9999}, "inputs.wait", "at most 600"),
        ({"target": "x", "nope": 1}, "inputs.nope", "no such input"),
        ({"target": "x", "raid_scene": ""}, "inputs.raid_scene", "OBS scene"),
    ],
)
def test_every_input_is_checked(values: dict[str, Any], path: str, words: str) -> None:
    templates, _ = load_bundled()
    document, problems = instantiate(templates["raid"], values)
    assert document is None
    assert any(p.path == path and words in p.message for p in problems), problems


def test_selectors_entity_select_channel() -> None:
    template, problems = parse_template(
        {
            "template": {
                "name": "T",
                "input": {
                    "light": {"selector": {"entity": {"domain": "light"}}},
                    "mood": {"selector": {"select": {"options": ["calm", "hype"]}}},
                    "channel": {"selector": {"discord_channel": {}}},
                },
            },
            "workflow": {
                "id": "t",
                "steps": [
                    {
                        "id": "a",
                        "service": "internal",
                        "action": "log",
                        "params": {"message": "${inputs.light} ${inputs.mood} ${inputs.channel}"},
                    }
                ],
            },
        }
    )
    assert template is not None, problems
    bad = {"light": "switch.x", "mood": "sad", "channel": "general"}
    _, found = instantiate(template, bad)
    assert {p.path for p in found} == {"inputs.light", "inputs.mood", "inputs.channel"}
    good = {"light": "light.desk", "mood": "hype", "channel": "123456789012345678"}
    document, found = instantiate(template, good)
    assert document is not None
    assert found == []
    assert document["steps"][0]["params"]["message"] == "light.desk hype 123456789012345678"


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"template": {"name": "x"}}, "workflow"),
        (
            {
                "template": {"name": "x", "input": {"a": {"selector": {"colour": {}}}}},
                "workflow": {"id": "x", "steps": []},
            },
            "template.input.a.selector",
        ),
        (
            {"template": {"name": "x", "min_version": "99.0"}, "workflow": {"id": "x"}},
            "template.min_version",
        ),
        (
            {
                "template": {"name": "x"},
                "workflow": {
                    "id": "x",
                    "steps": [
                        {
                            "id": "a",
                            "service": "internal",
                            "action": "log",
                            "params": {"message": "${inputs.ghost}"},
                        }
                    ],
                },
            },
            "workflow.steps[0].params.message",
        ),
        (
            {
                "template": {
                    "name": "x",
                    "input": {"n": {"default": "a", "selector": {"number": {}}}},
                },
                "workflow": {"id": "x"},
            },
            "template.input.n.default",
        ),
    ],
)
def test_bad_templates_have_located_problems(document: dict[str, Any], path: str) -> None:
    template, problems = parse_template(document)
    assert template is None
    assert path in [p.path for p in problems], problems


def test_hostile_references_and_ids_in_a_template_body() -> None:
    body = {
        "id": "../x",
        "steps": [
            {
                "id": "a",
                "service": "internal",
                "action": "log",
                "params": {"message": "${__class__.__mro__}"},
            }
        ],
    }
    template, problems = parse_template({"template": {"name": "x"}, "workflow": body})
    assert template is None
    paths = {p.path for p in problems}
    assert paths == {"workflow.id", "workflow.steps[0].params.message"}


def test_save_a_workflow_as_a_template() -> None:
    workflow = {
        "id": "mine",
        "steps": [
            {
                "id": "s",
                "service": "obs",
                "action": "set_current_scene",
                "params": {"scene_name": "Cam"},
            },
            {"id": "w", "service": "internal", "action": "wait", "params": {"seconds": 5}},
        ],
    }
    document, problems = make_template(
        workflow,
        {"steps[0].params.scene_name": "scene", "steps[1].params.seconds": "pause"},
        name="Mine",
    )
    assert document is not None, problems
    template, problems = parse_template(document, template_id="mine")
    assert template is not None, problems
    assert template.inputs["scene"].selector == {"obs_scene": {}}
    assert template.inputs["pause"].default == 5
    again, _ = instantiate(template, {"scene": "Other"})
    assert again is not None
    assert again["steps"][0]["params"]["scene_name"] == "Other"
    assert again["steps"][1]["params"]["seconds"] == 5
    _, problems = make_template(workflow, {"steps[9].params.x": "x"}, name="M")
    assert problems[0].path == "steps[9].params.x"
