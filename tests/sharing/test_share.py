"""Share documents and strings: round trip, hostile strings, secrets, migrations, preview."""

from __future__ import annotations

import base64
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from custom_components.stream_workflows.adapters import default_registry
from custom_components.stream_workflows.sharing.migrations import CURRENT_SCHEMA
from custom_components.stream_workflows.sharing.preview import Here, apply_import, preview
from custom_components.stream_workflows.sharing.share import (
    MAX_DOCUMENT_BYTES,
    SharedDocument,
    check_share,
    decode_share,
    encode_share,
    read_share_text,
    share_document,
)
from custom_components.stream_workflows.sharing.version import INTEGRATION_VERSION

FIXTURES = Path(__file__).parent / "fixtures"
WORKFLOW: dict[str, Any] = {
    "id": "alert",
    "name": "Alert",
    "trigger": "channel_follow",
    "steps": [
        {
            "id": "scene",
            "service": "obs",
            "action": "set_current_scene",
            "params": {"scene_name": "Alert"},
        },
        {
            "id": "lamp",
            "service": "homeassistant",
            "action": "light.turn_on",
            "params": {"target": {"entity_id": "light.desk"}},
        },
        {
            "id": "post",
            "service": "discord",
            "action": "send_channel_message",
            "params": {"channel_id": "111111111111111111", "message": "hi"},
        },
    ],
}


def _pack(raw: bytes) -> str:
    return "sw1:" + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def _checked(text: str) -> SharedDocument:
    document, problems = read_share_text(text)
    assert document is not None, problems
    shared, problems = check_share(document, default_registry())
    assert shared is not None, problems
    return shared


def test_round_trip_and_requires() -> None:
    document, stripped = share_document([WORKFLOW], author="me")
    assert stripped == []
    string = encode_share(document)
    assert string.startswith("sw1:")
    shared = _checked(string)
    assert shared.workflows == [WORKFLOW]
    requires = shared.document["requires"]
    assert requires["connections"] == ["obs", "discord"]
    assert requires["entities"] == ["light.desk"]
    assert requires["obs_scenes"] == ["Alert"]
    assert "homeassistant.light.turn_on" in requires["actions"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (encode_share({"a": 1})[:-6], "cut short"),
        ("sw1:" + "A" * 10 + "!" + "B" * 10, "damaged"),
        ("sw1:" + base64.urlsafe_b64encode(b"not zlib at all").decode(), "does not inflate"),
        (_pack(b"\0" * (MAX_DOCUMENT_BYTES * 20)), "decompression bomb"),
        (_pack(b'{"a": [1, 2'), "damaged"),
        (_pack(b"[1]"), "does not hold a share document"),
        ("sw9:abc", "newer Stream Workflows"),
        ("sw1:" + "A" * 2_000_000, "longer than"),
    ],
)
def test_hostile_strings_get_a_clear_message(text: str, words: str) -> None:
    document, problems = decode_share(text)
    assert document is None
    assert words in problems[0].message, problems


def test_a_bomb_stops_at_the_limit() -> None:
    bomb = zlib.compress(b"\0" * (50 * 1024 * 1024), 9)
    assert len(bomb) < 100_000
    document, problems = decode_share("sw1:" + base64.urlsafe_b64encode(bomb).decode())
    assert document is None
    assert "decompression bomb" in problems[0].message


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        ({"schema_version": 3, "workflows": []}, "schema_version", "update the integration"),
        ({"schema_version": "2"}, "schema_version", "whole number"),
        (
            {**share_document([WORKFLOW])[0], "workflows": [{**WORKFLOW, "id": "../../etc"}]},
            "workflows[0].id",
            "not a valid workflow id",
        ),
        (
            {
                **share_document([WORKFLOW])[0],
                "workflows": [
                    {
                        **WORKFLOW,
                        "steps": [
                            {
                                "id": "x",
                                "service": "internal",
                                "action": "log",
                                "params": {"message": "${__class__.__init__}"},
                            }
                        ],
                    }
                ],
            },
            "workflows[0].steps[0].params",
            "__",
        ),
        (
            {**share_document([WORKFLOW])[0], "workflows": [WORKFLOW, WORKFLOW]},
            "workflows[1].id",
            "used twice",
        ),
        ({**share_document([WORKFLOW])[0], "extra": 1}, "extra", "unknown key"),
    ],
)
def test_hostile_documents_are_refused_with_located_problems(
    document: dict[str, Any], path: str, words: str
) -> None:
    shared, problems = check_share(json.loads(json.dumps(document)), default_registry())
    assert shared is None
    assert any(p.path == path and words in p.message for p in problems), problems


# -- secrets: one test per kind -----------------------------------------------------------


def _exported(params: dict[str, Any], known: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
    workflow = {
        "id": "w",
        "steps": [
            {"id": "call", "service": "homeassistant", "action": "notify.send", "params": params}
        ],
    }
    document, stripped = share_document([workflow], known_secrets=known)
    string = encode_share(document)
    return json.dumps(document) + string, stripped


def _assert_stripped(secret: str, params: dict[str, Any], known: tuple[str, ...] = ()) -> None:
    text, stripped = _exported(params, known)
    decoded, _ = decode_share(text[text.index("sw1:") :])
    assert secret not in text
    assert secret not in json.dumps(decoded)
    assert stripped
    shared = _checked(text[text.index("sw1:") :])
    inputs = shared.workflows[0]["inputs"]
    assert all(spec["required"] for spec in inputs.values())
    assert shared.document["requires"]["removed_secrets"][0]["input"] in inputs


def test_export_strips_a_connection_credential() -> None:
    _assert_stripped(
        "hunter2-obs-pass",
        {"data": {"message": "pw hunter2-obs-pass"}},
        known=("hunter2-obs-pass",),
    )


def test_export_strips_a_token_under_a_secret_key() -> None:
    _assert_stripped("abc", {"data": {"api_token": "abc"}})


def test_export_strips_a_discord_webhook_address() -> None:
    hook = "https://discord.com/api/webhooks/123456/AbCdEf_secret-part"
    _assert_stripped(hook, {"data": {"url": hook}})


def test_export_strips_a_secret_shared_variable_value() -> None:
    from custom_components.stream_workflows.sharing.secrets import secret_values

    known = secret_values({"config": {"stream_pin": "8c7f2a91"}}, ["config.stream_pin"])
    assert known == ["8c7f2a91"]
    _assert_stripped("8c7f2a91", {"data": {"message": "pin 8c7f2a91"}}, known=tuple(known))


def test_export_strips_token_looking_values() -> None:
    _assert_stripped(
        "oauth:abcdefghijklmnopqrstuvwxyz0123",
        {"data": {"m": "oauth:abcdefghijklmnopqrstuvwxyz0123"}},
    )
    _assert_stripped(
        "Zx81kQ0pLm4nB7vC2xT9aR5sD3fG6hJ1", {"data": {"m": "Zx81kQ0pLm4nB7vC2xT9aR5sD3fG6hJ1"}}
    )


def test_references_and_ordinary_values_are_kept() -> None:
    text, stripped = _exported(
        {
            "data": {"token": "${config.token}", "message": "Hello chat"},
            "target": {"entity_id": "light.living_room_ceiling"},
        }
    )
    assert stripped == []
    assert "${config.token}" in text


# -- migrations ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["share_v1.json", "share_v2.json"])
def test_every_schema_version_imports(name: str) -> None:
    shared = _checked((FIXTURES / name).read_text())
    assert shared.document["schema_version"] == CURRENT_SCHEMA
    assert shared.written_in == int(name[7])
    assert shared.workflows
    assert "requires" in shared.document


def test_schema_1_gets_its_requirements() -> None:
    shared = _checked((FIXTURES / "share_v1.json").read_text())
    assert shared.document["requires"]["entities"] == ["light.desk"]
    assert "definitions" not in shared.document


# -- preview and import -------------------------------------------------------------------


def test_preview_lists_calls_missing_and_collisions() -> None:
    shared = _checked(encode_share(share_document([WORKFLOW])[0]))
    here = Here(
        workflow_ids={"alert"},
        services={"internal", "homeassistant", "obs"},
        entities={"light.other"},
        obs_scenes={"Main"},
        discord_channels=set(),
    )
    result = preview(shared, here)
    item = result["workflows"][0]
    assert item["exists"] is True
    assert item["choice"] == "copy"
    assert item["new_id"] == "alert_2"
    assert [c["action"] for c in item["calls"]] == [
        "set_current_scene",
        "light.turn_on",
        "send_channel_message",
    ]
    assert result["missing"]["services"] == ["discord"]
    assert result["missing"]["entities"] == ["light.desk"]
    assert result["missing"]["obs_scenes"] == ["Alert"]
    assert result["missing"]["discord_channels"] == ["111111111111111111"]
    json.dumps(result)  # websocket-ready


def test_import_copy_remaps_and_turns_triggers_off() -> None:
    shared = _checked(encode_share(share_document([WORKFLOW])[0]))
    here = Here(workflow_ids={"alert"})
    documents, problems = apply_import(
        shared,
        here,
        remap={
            "entities": {"light.desk": "light.mine"},
            "obs_scenes": {"Alert": "My Alert"},
            "discord_channels": {"111111111111111111": "222222222222222222"},
        },
    )
    assert problems == []
    (document,) = documents
    assert document["id"] == "alert_2"
    assert document["trigger"] == {
        "trigger": "stream_event",
        "event": "channel_follow",
        "enabled": False,
    }
    steps = document["steps"]
    assert steps[0]["params"]["scene_name"] == "My Alert"
    assert steps[1]["params"]["target"]["entity_id"] == "light.mine"
    assert steps[2]["params"]["channel_id"] == "222222222222222222"


def test_import_replace_and_collisions() -> None:
    shared = _checked(encode_share(share_document([WORKFLOW])[0]))
    documents, problems = apply_import(
        shared, Here(workflow_ids={"alert"}), choices={"alert": "replace"}
    )
    assert problems == []
    assert documents[0]["id"] == "alert"
    documents, problems = apply_import(
        shared, Here(workflow_ids={"alert"}, file_ids={"alert"}), choices={"alert": "replace"}
    )
    assert documents == []
    assert "workflow file" in problems[0].message
    documents, problems = apply_import(
        shared, Here(workflow_ids={"alert", "taken"}), new_ids={"alert": "taken"}
    )
    assert documents == []
    assert "id collision" in problems[0].message


def test_the_integration_version_is_the_manifests() -> None:
    manifest = Path(__file__).parents[2] / "custom_components/stream_workflows/manifest.json"
    assert json.loads(manifest.read_text(encoding="utf-8"))["version"] == INTEGRATION_VERSION
