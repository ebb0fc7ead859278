"""The panel's plain-data entry points: JSON in, JSON out, problems as data."""

from __future__ import annotations

import json

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.sharing import api
from custom_components.stream_workflows.sharing.preview import Here


def test_template_form_to_workflow_to_share_and_back() -> None:
    templates = api.list_templates()
    assert len(templates) == 10
    brb = next(t for t in templates if t["id"] == "be_right_back")
    fields = {field["name"]: field for field in brb["inputs"]}
    assert fields["brb_scene"]["selector"] == {"obs_scene": {}}
    assert fields["seconds"]["default"] == 300
    json.dumps(templates)
    made = api.create_from_template("be_right_back", {"seconds": 45}, default_registry())
    document = made["document"]
    exported = api.export([document])
    assert exported["share"].startswith("sw1:")
    here = Here(workflow_ids={"be_right_back"})
    preview = api.import_preview(exported["share"], default_registry(), here)
    assert preview["preview"]["workflows"][0]["new_id"] == "be_right_back_2"
    imported = api.import_documents(exported["share"], default_registry(), here)
    assert imported["documents"][0]["id"] == "be_right_back_2"
    json.dumps([made, exported, preview, imported])


def test_problems_are_data() -> None:
    bad = api.create_from_template("raid", {"wait": "soon"}, default_registry())
    assert {p["path"] for p in bad["problems"]} == {"inputs.target", "inputs.wait"}
    broken = api.import_preview("sw1:???", default_registry(), Here())
    assert "damaged" in broken["problems"][0]["message"]
    saved = api.save_as_template(
        {
            "id": "x",
            "steps": [
                {"id": "a", "service": "internal", "action": "wait", "params": {"seconds": 3}}
            ],
        },
        {"steps[0].params.seconds": "pause"},
        name="X",
    )
    assert "${inputs.pause}" in saved["yaml"]
