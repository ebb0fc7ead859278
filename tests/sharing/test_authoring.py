"""Save a workflow as a template: the values offered as inputs, and the chosen ones made into
inputs with a name, label and selector (pure: no Home Assistant)."""

from __future__ import annotations

from typing import Any

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.sharing import api
from custom_components.stream_workflows.sharing.authoring import candidates, make_template
from custom_components.stream_workflows.sharing.templates import instantiate, parse_template

BREAK: dict[str, Any] = {
    "id": "break_time",
    "name": "Break time",
    "triggers": [{"trigger": "event", "event_type": "break_go"}],
    "steps": [
        {
            "id": "show",
            "service": "obs",
            "action": "set_current_scene",
            "params": {"scene_name": "Pause Screen"},
        },
        {
            "id": "lamp",
            "service": "homeassistant",
            "action": "input_boolean.turn_on",
            "params": {"target": {"entity_id": ["input_boolean.desk_lamp"]}},
        },
        {
            "id": "tell",
            "service": "discord",
            "action": "send_channel_message",
            "params": {"channel_id": "123456789012345678", "message": "Back in ${vars.x}"},
        },
        {"id": "hold", "service": "internal", "action": "wait", "params": {"seconds": 90}},
    ],
}


def test_candidates_are_the_plain_parameter_values_with_a_guess() -> None:
    found = {c["path"]: c for c in candidates(BREAK)}
    assert set(found) == {
        "steps[0].params.scene_name",
        "steps[1].params.target.entity_id[0]",
        "steps[2].params.channel_id",
        "steps[3].params.seconds",
    }  # the text with a reference is not offered
    scene = found["steps[0].params.scene_name"]
    assert scene["value"] == "Pause Screen"
    assert scene["selector"] == {"obs_scene": {}}
    assert scene["name"] == "show_scene_name"
    assert scene["step"] == "show"
    assert scene["action"] == "obs.set_current_scene"
    lamp = found["steps[1].params.target.entity_id[0]"]
    assert lamp["selector"] == {"entity": {"domain": "input_boolean"}}
    assert found["steps[2].params.channel_id"]["selector"] == {"discord_channel": {}}
    assert found["steps[3].params.seconds"]["selector"] == {"number": {"mode": "box"}}


def test_chosen_values_become_named_inputs_with_their_selector() -> None:
    document, problems = make_template(
        BREAK,
        {
            "steps[0].params.scene_name": {
                "name": "scene",
                "label": "Break scene",
                "selector": {"obs_scene": {}},
            },
            "steps[1].params.target.entity_id[0]": {
                "name": "lamp",
                "selector": {"entity": {"domain": "input_boolean"}},
            },
            "steps[3].params.seconds": {"name": "pause", "selector": {"number": {"min": 10}}},
        },
        name="Break",
    )
    assert document is not None, problems
    template, problems = parse_template(document, template_id="break")
    assert template is not None, problems
    assert template.inputs["scene"].label == "Break scene"
    assert template.inputs["scene"].default == "Pause Screen"
    assert template.inputs["pause"].selector == {"number": {"min": 10}}
    made, problems = instantiate(template, {"scene": "BRB", "lamp": "input_boolean.studio"})
    assert made is not None, problems
    assert made["steps"][0]["params"]["scene_name"] == "BRB"
    assert made["steps"][1]["params"]["target"]["entity_id"] == ["input_boolean.studio"]
    assert made["steps"][3]["params"]["seconds"] == 90
    # the value the workflow had must suit the selector chosen, or nothing is made
    _, problems = make_template(
        BREAK,
        {"steps[3].params.seconds": {"name": "pause", "selector": {"number": {"max": 60}}}},
        name="Break",
    )
    assert problems[0].path == "steps[3].params.seconds.selector"
    assert "at most 60" in problems[0].message
    _, problems = make_template(
        BREAK, {"steps[0].params.scene_name": {"name": "s", "selector": {"colour": {}}}}, name="B"
    )
    assert "unknown selector 'colour'" in problems[0].message
    _, problems = make_template(BREAK, {"steps[0].params.scene_name": "bad name"}, name="B")
    assert "'bad name' is not an input name" in problems[0].message


def test_api_save_as_template_lists_and_creates_from_a_users_template() -> None:
    saved = api.save_as_template(
        BREAK, {"steps[0].params.scene_name": "scene"}, name="Break", template_id="break"
    )
    assert "problems" not in saved, saved
    assert "id" not in saved["template"]["workflow"]  # made workflows get the template's id
    assert saved["summary"]["origin"] == "user"
    mine = {"break": saved["template"]}
    listed = {t["id"]: t for t in api.list_templates(mine)}
    assert listed["break"]["origin"] == "user"
    assert listed["be_right_back"]["origin"] == "bundled"
    made = api.create_from_template("break", {"scene": "BRB"}, default_registry(), saved=mine)
    assert made["document"]["id"] == "break"
    assert made["document"]["steps"][0]["params"]["scene_name"] == "BRB"
    missing = api.create_from_template("break", {}, default_registry())
    assert "no template 'break'" in missing["problems"][0]["message"]
