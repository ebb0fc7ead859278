"""Plain-data entry points for the panel's websocket commands (and anything else).

Every function takes and returns JSON-ready data and never raises for what it is given:
`{"problems": [{"path", "message", "severity"}, ...]}` says what is wrong. Blocking (file
reads, validation): call them from the executor. `here` is a `preview.Here`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..engine.adapter import AdapterRegistry
from ..engine.definition import load_definition
from ..engine.errors import Problem
from .authoring import candidates, make_template
from .preview import Here, apply_import, preview
from .share import (
    SharedDocument,
    as_share_document,
    check_share,
    encode_share,
    read_share_text,
    share_document,
    to_yaml,
)
from .templates import Template, instantiate, load_bundled, parse_template


def problems_data(problems: Iterable[Problem]) -> list[dict[str, str]]:
    return [{"path": p.path, "message": p.message, "severity": p.severity} for p in problems]


type UserTemplates = Mapping[str, Mapping[str, Any]]
"""The templates the user made (`save_as_template`), by id: their documents."""


def user_templates(saved: UserTemplates) -> dict[str, Template]:
    """The saved templates that still parse (one written by a newer version may not)."""
    found: dict[str, Template] = {}
    for template_id, document in saved.items():
        template, _ = parse_template(dict(document), template_id=template_id)
        if template is not None:
            found[template_id] = template
    return found


def list_templates(saved: UserTemplates | None = None) -> list[dict[str, Any]]:
    """The shipped templates, then the user's, each with its form fields and its `origin`
    (`bundled` or `user`)."""
    templates, _ = load_bundled()
    listed = [{**t.summary(), "origin": "bundled"} for t in templates.values()]
    mine = user_templates(saved or {})
    listed.extend({**t.summary(), "origin": "user"} for t in mine.values())
    return listed


def find_template(
    template: str | Mapping[str, Any], saved: UserTemplates | None = None
) -> tuple[Template | None, list[Problem]]:
    """A template given as a document, or by id: the user's first, then the shipped ones."""
    if isinstance(template, Mapping):
        return parse_template(dict(template))
    mine = user_templates(saved or {})
    if template in mine:
        return mine[template], []
    templates, _ = load_bundled()
    found = templates.get(template)
    if found is None:
        known = ", ".join([*templates, *mine])
        return None, [Problem("template", f"no template '{template}' ({known})")]
    return found, []


def create_from_template(
    template: str | Mapping[str, Any],
    inputs: Mapping[str, Any],
    registry: AdapterRegistry,
    *,
    workflow_id: str | None = None,
    saved: UserTemplates | None = None,
) -> dict[str, Any]:
    """`{"document": ...}` (validated, ready for `async_save_workflow`) or `{"problems"}`."""
    checked, problems = find_template(template, saved)
    if checked is None:
        return {"problems": problems_data(problems)}
    document, problems = instantiate(checked, inputs, workflow_id=workflow_id)
    if document is None:
        return {"problems": problems_data(problems)}
    definition, problems = load_definition(document, registry)
    if definition is None:
        return {"problems": problems_data(problems)}
    return {"document": document, "warnings": problems_data(problems)}


def save_as_template(
    document: Mapping[str, Any],
    inputs: Mapping[str, Any],
    *,
    name: str,
    description: str = "",
    author: str = "",
    template_id: str = "template",
) -> dict[str, Any]:
    """`{"template": ..., "yaml": ..., "summary": ...}` with the chosen paths as inputs, or
    `{"problems"}`. `inputs` maps a path to an input name or `{name, label, selector}`."""
    made, problems = make_template(
        document, inputs, name=name, description=description, author=author
    )
    if made is None:
        return {"problems": problems_data(problems)}
    # a workflow made from it gets the template's id (then a free one), not the original's
    made["workflow"].pop("id", None)
    checked, problems = parse_template(made, template_id=template_id)
    if checked is None:
        return {"problems": problems_data(problems)}
    return {
        "template": made,
        "yaml": to_yaml(made),
        "summary": {**checked.summary(), "origin": "user"},
    }


def template_candidates(document: Mapping[str, Any]) -> dict[str, Any]:
    """`{"values": [...]}`: what the save-as-template dialog offers (`authoring.candidates`)."""
    return {"values": candidates(document)}


def export(
    workflows: Iterable[Mapping[str, Any]],
    *,
    known_secrets: Iterable[str] = (),
    name: str = "",
    author: str = "",
    description: str = "",
) -> dict[str, Any]:
    """`{"share", "yaml", "removed_secrets"}` for workflow documents."""
    document, stripped = share_document(
        list(workflows),
        name=name,
        author=author,
        description=description,
        known_secrets=known_secrets,
    )
    return {
        "share": encode_share(document),
        "yaml": to_yaml(document),
        "removed_secrets": [item.as_dict() for item in stripped],
    }


def _read(text: str, registry: AdapterRegistry) -> tuple[SharedDocument | None, list[Problem]]:
    document, problems = read_share_text(text)
    if document is None:
        return None, problems
    document, problems = as_share_document(document)
    if document is None:
        return None, problems
    return check_share(document, registry)


def import_preview(text: str, registry: AdapterRegistry, here: Here) -> dict[str, Any]:
    """`{"preview": ...}` (see `preview.preview`) or `{"problems"}`; writes nothing."""
    shared, problems = _read(text, registry)
    if shared is None:
        return {"problems": problems_data(problems)}
    return {"preview": preview(shared, here)}


def import_documents(
    text: str,
    registry: AdapterRegistry,
    here: Here,
    *,
    choices: Mapping[str, str] | None = None,
    new_ids: Mapping[str, str] | None = None,
    remap: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """`{"documents": [...]}` to save (triggers off), or `{"problems"}` (save nothing)."""
    shared, problems = _read(text, registry)
    if shared is None:
        return {"problems": problems_data(problems)}
    if shared.template is not None:
        return {
            "problems": [
                {
                    "path": "",
                    "severity": "error",
                    "message": "this is a template: create a workflow from it",
                }
            ]
        }
    documents, problems = apply_import(shared, here, choices=choices, new_ids=new_ids, remap=remap)
    if problems:
        return {"problems": problems_data(problems)}
    return {"documents": documents}
