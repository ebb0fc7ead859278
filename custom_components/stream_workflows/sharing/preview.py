"""The import preview, and applying an import with the choices made in it.

`preview(shared, here)` lists, per workflow, what it will do and call (each action, each
Home Assistant entity, OBS scene and Discord channel), what is missing here, whether its id
is taken, and the default choice: a copy with a new id. `apply_import` makes the documents
to save: ids per choice (`copy` or `replace`), remapped entities/scenes/channels, and every
trigger turned off (`enabled: false`) until the user turns it on. Plain data in and out: the
panel calls these through the websocket API, the actions and the command line directly.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine.definition import WORKFLOW_ID
from ..engine.errors import Problem
from ..engine.paths import child
from .needs import calls, channel_of, entity_values, scene_of, trigger_entities
from .share import SharedDocument

CHOICES = ("copy", "replace")
REMAP_KINDS = ("entities", "obs_scenes", "discord_channels")


@dataclass(slots=True)
class Here:
    """What this Home Assistant has; None for what is not known (nothing is then missing)."""

    workflow_ids: Collection[str] = ()
    file_ids: Collection[str] = ()  # ids of workflows from files: they cannot be replaced
    services: Collection[str] | None = None  # connected services (internal, homeassistant...)
    actions: Collection[str] | None = None  # `service.action` known here
    entities: Collection[str] | None = None
    obs_scenes: Collection[str] | None = None
    discord_channels: Collection[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def free_id(wanted: str, taken: Collection[str]) -> str:
    """`wanted`, or `wanted_2`, `wanted_3`... (at most 100 characters) when it is taken."""
    if wanted not in taken:
        return wanted
    number = 2
    while True:
        suffix = f"_{number}"
        candidate = wanted[: 100 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


def _missing(values: list[str], known: Collection[str] | None) -> list[str]:
    return [] if known is None else [value for value in values if value not in known]


def _item(workflow: Mapping[str, Any], here: Here, taken: Collection[str]) -> dict[str, Any]:
    found = calls(workflow)
    entities = sorted(
        {e for call in found for _, e in entity_values(call)} | set(trigger_entities(workflow))
    )
    scenes = sorted({s for call in found if (s := scene_of(call)) is not None})
    channels = sorted({c for call in found if (c := channel_of(call)) is not None})
    services = sorted({call.service for call in found})
    actions = sorted({f"{call.service}.{call.action}" for call in found})
    workflow_id = str(workflow["id"])
    triggers = list(workflow.get("triggers") or []) + (
        [workflow["trigger"]] if "trigger" in workflow else []
    )
    return {
        "workflow_id": workflow_id,
        "name": str(workflow.get("name", workflow_id)),
        "description": str(workflow.get("description", "")),
        "exists": workflow_id in here.workflow_ids,
        "from_file": workflow_id in here.file_ids,
        "choice": "copy",
        "new_id": free_id(workflow_id, taken),
        "calls": [
            {"step": c.step, "service": c.service, "action": c.action, "params": c.params}
            for c in found
        ],
        "entities": entities,
        "obs_scenes": scenes,
        "discord_channels": channels,
        "triggers": len(triggers),
        "missing": {
            "services": _missing(services, here.services),
            "actions": _missing(actions, here.actions),
            "entities": _missing(entities, here.entities),
            "obs_scenes": _missing(scenes, here.obs_scenes),
            "discord_channels": _missing(channels, here.discord_channels),
        },
    }


def preview(shared: SharedDocument, here: Here) -> dict[str, Any]:
    """What importing `shared` would do here: plain data (JSON-ready)."""
    document = shared.document
    taken = set(here.workflow_ids)
    items: list[dict[str, Any]] = []
    for workflow in shared.workflows:
        item = _item(workflow, here, taken)
        taken.add(item["new_id"])
        items.append(item)
    missing: dict[str, list[str]] = {key: [] for key in ("services", "actions", *REMAP_KINDS)}
    for item in items:
        for key, values in item["missing"].items():
            missing[key].extend(value for value in values if value not in missing[key])
    used: dict[str, list[str]] = {key: [] for key in REMAP_KINDS}
    for item in items:
        for key in REMAP_KINDS:
            used[key].extend(value for value in item[key] if value not in used[key])
    requires = document.get("requires", {})
    result: dict[str, Any] = {
        "name": document.get("name", ""),
        "author": document.get("author", ""),
        "description": document.get("description", ""),
        "schema_version": document.get("schema_version"),
        "written_in_schema": shared.written_in,
        "integration_version": document.get("integration_version", ""),
        "kind": "template" if shared.template is not None else "workflows",
        "workflows": items,
        "missing": missing,
        # what can be remapped: every value used, and whether this side's are known (when
        # not, e.g. no OBS connected, nothing is "missing" but each can still be remapped)
        "used": used,
        "known_here": {key: getattr(here, key) is not None for key in REMAP_KINDS},
        "local": {"obs_scenes": None if here.obs_scenes is None else list(here.obs_scenes)},
        "inputs": dict(requires.get("inputs", {})) if isinstance(requires, dict) else {},
        "removed_secrets": list(requires.get("removed_secrets", []))
        if isinstance(requires, dict)
        else [],
        "triggers_start_off": True,
        "warnings": [p.format() for p in shared.warnings],
    }
    if shared.template is not None:
        result["template"] = shared.template.summary()
    return result


def apply_import(
    shared: SharedDocument,
    here: Here,
    *,
    choices: Mapping[str, str] | None = None,
    new_ids: Mapping[str, str] | None = None,
    remap: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The documents to save, or problems (then nothing may be written)."""
    choices, new_ids, remap = choices or {}, new_ids or {}, remap or {}
    problems: list[Problem] = []
    imported_ids = [str(w["id"]) for w in shared.workflows]
    for key in list(choices) + list(new_ids):
        if key not in imported_ids:
            problems.append(Problem(child("choices", key), "no workflow with this id to import"))
    for kind in remap:
        if kind not in REMAP_KINDS:
            problems.append(Problem(child("remap", kind), f"remap one of {', '.join(REMAP_KINDS)}"))
    taken = set(here.workflow_ids)
    results: list[dict[str, Any]] = []
    for workflow in shared.workflows:
        original = str(workflow["id"])
        choice = choices.get(original, "copy")
        where = child("choices", original)
        if choice not in CHOICES:
            problems.append(Problem(where, "choose copy or replace"))
            continue
        document = copy.deepcopy(workflow)
        if choice == "replace":
            if original in here.file_ids:
                problems.append(
                    Problem(
                        where,
                        f"'{original}' comes from a workflow file and cannot be "
                        "replaced by an import; import it as a copy",
                    )
                )
                continue
            target = original
        elif original in new_ids:
            target = new_ids[original]
            if not isinstance(target, str) or not WORKFLOW_ID.fullmatch(target):
                problems.append(Problem(child("new_ids", original), f"'{target}' is not an id"))
                continue
            if target in taken:
                problems.append(
                    Problem(
                        child("new_ids", original),
                        f"id collision: a workflow '{target}' exists already",
                    )
                )
                continue
        else:
            target = free_id(original, taken)
        if target != original:
            document["name"] = f"{document.get('name', original)} (copy)"
        document["id"] = target
        taken.add(target)
        _remap(document, remap)
        triggers_off(document)
        results.append(document)
    return ([] if problems else results), problems


def triggers_off(document: dict[str, Any]) -> None:
    """Every trigger of the workflow with `enabled: false` (a stream event name becomes the
    mapping `{trigger: stream_event, event: NAME, enabled: false}`)."""

    def off(trigger: Any) -> Any:
        if isinstance(trigger, str):
            return {"trigger": "stream_event", "event": trigger, "enabled": False}
        if isinstance(trigger, dict):
            return {**trigger, "enabled": False}
        return trigger

    if "trigger" in document:
        document["trigger"] = off(document["trigger"])
    if isinstance(document.get("triggers"), list):
        document["triggers"] = [off(trigger) for trigger in document["triggers"]]


def _remap(document: dict[str, Any], remap: Mapping[str, Mapping[str, str]]) -> None:
    entities = remap.get("entities", {})
    scenes = remap.get("obs_scenes", {})
    channels = remap.get("discord_channels", {})
    for call in calls(document):
        params = call.params
        if scenes and scene_of(call) in scenes:
            params["scene_name"] = scenes[params["scene_name"]]  # type: ignore[index]
        if channels and channel_of(call) in channels:
            params["channel_id"] = channels[params["channel_id"]]  # type: ignore[index]
        if entities:
            for where, entity in list(entity_values(call)):
                if entity in entities:
                    _replace(params, where, entity, entities[entity])
    if entities:
        for trigger in [document.get("trigger"), *(document.get("triggers") or [])]:
            if isinstance(trigger, dict) and "entity_id" in trigger:
                trigger["entity_id"] = _swap(trigger["entity_id"], entities)


def _replace(params: Any, where: tuple[str, ...], old: str, new: str) -> None:
    holder = params
    for key in where[:-1]:
        holder = holder[key]
    holder[where[-1]] = _swap(holder[where[-1]], {old: new})


def _swap(value: Any, table: Mapping[str, str]) -> Any:
    if isinstance(value, list):
        return [table.get(item, item) if isinstance(item, str) else item for item in value]
    return table.get(value, value) if isinstance(value, str) else value
