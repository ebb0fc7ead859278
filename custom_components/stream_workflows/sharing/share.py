"""Share documents and share strings.

A share document (JSON or YAML):
`{schema_version, integration_version, name, author, description, requires: {...},
workflows: [...]}` or, instead of `workflows`, `template: {template: ..., workflow: ...}`.

A share string is `sw1:` then the document as compact JSON, deflated (zlib), in base64url
without padding. Decoding is bounded at every stage: the string's length, the compressed
size, the inflated size (`decompressobj` with `max_length`: a decompression bomb stops at
the limit), then strict JSON read as a workflow file is (`engine.loading`), then the same
checks as a file: every workflow validated by the engine, ids unique.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml  # type: ignore[import-untyped]

from ..engine.adapter import AdapterRegistry
from ..engine.definition import load_definition
from ..engine.errors import Problem
from ..engine.loading import MAX_FILE_BYTES, parse_text, plain_value
from ..engine.model import WorkflowDefinition
from ..engine.paths import child
from .migrations import CURRENT_SCHEMA, migrate
from .needs import requirements
from .secrets import Stripped, strip_secrets
from .templates import Template, is_template_document, parse_template
from .version import INTEGRATION_VERSION

PREFIX = "sw1:"
_PREFIX = re.compile(r"sw([0-9]{1,4}):")
MAX_DOCUMENT_BYTES = MAX_FILE_BYTES  # inflated JSON, as a workflow file
MAX_SHARE_CHARS = 1_500_000  # base64 of a document that compresses badly
MAX_WORKFLOWS = 50
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_TOP_KEYS = {
    "schema_version",
    "integration_version",
    "name",
    "author",
    "description",
    "requires",
    "workflows",
    "template",
}
_TEXTS = {"integration_version": 50, "name": 200, "author": 200, "description": 4000}


@dataclass(slots=True)
class SharedDocument:
    """A checked share document in the current schema."""

    document: dict[str, Any]
    written_in: int  # the schema version it was written in
    workflows: list[dict[str, Any]] = field(default_factory=list)
    definitions: list[WorkflowDefinition] = field(default_factory=list)
    template: Template | None = None
    warnings: list[Problem] = field(default_factory=list)


# -- writing ------------------------------------------------------------------------------


def share_document(
    workflows: Sequence[Mapping[str, Any]] = (),
    *,
    template: Mapping[str, Any] | None = None,
    name: str = "",
    author: str = "",
    description: str = "",
    known_secrets: Iterable[str] = (),
) -> tuple[dict[str, Any], list[Stripped]]:
    """The share document of workflows (or of one template document), secrets removed."""
    known = list(known_secrets)
    cleaned: list[dict[str, Any]] = []
    stripped: list[Stripped] = []
    for workflow in workflows:
        clean, removed = strip_secrets(workflow, known)
        cleaned.append(clean)
        stripped.extend(removed)
    document: dict[str, Any] = {
        "schema_version": CURRENT_SCHEMA,
        "integration_version": INTEGRATION_VERSION,
        "name": name or (str(cleaned[0].get("name", cleaned[0].get("id"))) if cleaned else ""),
        "author": author,
        "description": description,
    }
    if template is not None:
        body, removed = strip_secrets(dict(template.get("workflow", {})), known)
        stripped.extend(removed)
        cleaned_template = {"template": dict(template.get("template", {})), "workflow": body}
        requires = requirements([body])
        document["name"] = name or str(cleaned_template["template"].get("name", ""))
        requires["inputs"] = {
            **requires["inputs"],
            **{
                key: str(spec.get("description", ""))
                for key, spec in cleaned_template["template"].get("input", {}).items()
                if isinstance(spec, dict) and "default" not in spec
            },
        }
        document["requires"] = requires
        document["template"] = cleaned_template
    else:
        document["requires"] = requirements(cleaned)
        document["workflows"] = cleaned
    document["requires"]["removed_secrets"] = [item.as_dict() for item in stripped]
    return document, stripped


def encode_share(document: Mapping[str, Any]) -> str:
    """`sw1:` + base64url(deflate(compact JSON))."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    packed = zlib.compress(text.encode("utf-8"), 9)
    return PREFIX + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def to_yaml(document: Mapping[str, Any]) -> str:
    text: str = yaml.safe_dump(
        dict(document), sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return text


# -- reading ------------------------------------------------------------------------------


def is_share_string(text: str) -> bool:
    return _PREFIX.match(text.strip()) is not None


def decode_share(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The document inside a share string, or located problems; never raises."""
    text = text.strip()
    if len(text) > MAX_SHARE_CHARS:
        return None, [Problem("", f"the share string is longer than {MAX_SHARE_CHARS} characters")]
    prefix = _PREFIX.match(text)
    if prefix is None:
        return None, [Problem("", "not a share string: it starts with 'sw1:'")]
    if prefix.group(0) != PREFIX:
        return None, [
            Problem(
                "",
                f"this share string has the format '{prefix.group(0)}', made by a newer "
                f"Stream Workflows (this version reads '{PREFIX}'): update the integration",
            )
        ]
    body = text[len(PREFIX) :]
    if not _BASE64URL.fullmatch(body):
        bad = next(c for c in body if not (c.isascii() and (c.isalnum() or c in "-_=")))
        return None, [Problem("", f"the share string is damaged: it contains {bad!r}")]
    try:
        packed = base64.urlsafe_b64decode(body.rstrip("=") + "=" * (-len(body.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None, [Problem("", "the share string is damaged (cut short or changed)")]
    data, problem = _inflate(packed)
    if problem is not None:
        return None, [Problem("", problem)]
    assert data is not None
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, [Problem("", "the share string is damaged: its content is not text")]
    document, problems = parse_text(decoded, "json")
    if problems:
        return None, [Problem("", f"the share string is damaged: {problems[0].message}")]
    if not isinstance(document, dict):
        return None, [Problem("", "the share string does not hold a share document")]
    return document, []


def _inflate(packed: bytes) -> tuple[bytes | None, str | None]:
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(packed, MAX_DOCUMENT_BYTES + 1)
    except zlib.error:
        return None, "the share string is damaged (it does not inflate)"
    if len(data) > MAX_DOCUMENT_BYTES or inflater.unconsumed_tail:
        return None, (
            f"the share string inflates to more than {MAX_DOCUMENT_BYTES} bytes, the limit for "
            "a workflow document (refused: this could be a decompression bomb)"
        )
    if not inflater.eof:
        return None, "the share string is cut short (it is incomplete: copy all of it)"
    if inflater.unused_data:
        return None, "the share string is damaged: something follows its end"
    return data, None


def read_share_text(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A share string, or share/workflow/template YAML or JSON text, as a share document."""
    if is_share_string(text):
        return decode_share(text)
    if len(text) > MAX_DOCUMENT_BYTES:
        return None, [Problem("", f"longer than {MAX_DOCUMENT_BYTES} characters")]
    stripped = text.lstrip()
    document, problems = parse_text(text, "json" if stripped.startswith("{") else "yaml")
    if problems:
        return None, problems
    return as_share_document(document)


def as_share_document(document: Any) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A share document as is; a lone workflow or template wrapped in one (schema current)."""
    problems: list[Problem] = []
    document = plain_value(document, problems)
    if problems:
        return None, problems
    if not isinstance(document, dict):
        return None, [Problem("", "expected a share document, a workflow or a template")]
    if "schema_version" in document:
        return document, []
    if is_template_document(document):
        return {"schema_version": CURRENT_SCHEMA, "template": document}, []
    if any(key in document for key in ("states", "steps", "nodes")):
        return {"schema_version": CURRENT_SCHEMA, "workflows": [document]}, []
    return None, [Problem("", "not a share document (no schema_version), a workflow or a template")]


def check_share(
    document: dict[str, Any], registry: AdapterRegistry
) -> tuple[SharedDocument | None, list[Problem]]:
    """Migrate and check a share document as a loaded file is; all problems at once."""
    current, written, problems = migrate(document)
    if current is None or written is None:
        return None, problems
    for key in current:
        if key not in _TOP_KEYS:
            problems.append(Problem(key, f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})"))
    for key, limit in _TEXTS.items():
        value = current.get(key, "")
        if not isinstance(value, str) or len(value) > limit:
            problems.append(Problem(key, f"text of at most {limit} characters"))
    has_workflows, has_template = "workflows" in current, "template" in current
    if has_workflows == has_template:
        problems.append(Problem("", "a share document has either 'workflows' or 'template'"))
        return None, problems
    shared = SharedDocument(document=current, written_in=written)
    if has_template:
        template, found = parse_template(current["template"])
        problems.extend(_within("template", p) for p in found)
        shared.template = template
    else:
        _check_workflows(current["workflows"], registry, shared, problems)
    errors = [p for p in problems if p.severity == "error"]
    shared.warnings = [p for p in problems if p.severity == "warning"]
    return (None if errors else shared), problems


def _check_workflows(
    workflows: Any, registry: AdapterRegistry, shared: SharedDocument, problems: list[Problem]
) -> None:
    if not isinstance(workflows, list) or not workflows:
        problems.append(Problem("workflows", "a list of one or more workflows"))
        return
    if len(workflows) > MAX_WORKFLOWS:
        problems.append(Problem("workflows", f"at most {MAX_WORKFLOWS} workflows in one document"))
        return
    seen: dict[str, int] = {}
    for index, workflow in enumerate(workflows):
        where = child("workflows", index)
        if not isinstance(workflow, dict) or "id" not in workflow:
            problems.append(Problem(where, "a workflow mapping with its 'id'"))
            continue
        definition, found = load_definition(workflow, registry)
        problems.extend(_within(where, p) for p in found)
        if definition is None:
            continue
        if definition.id in seen:
            problems.append(
                Problem(
                    child(where, "id"),
                    f"the id '{definition.id}' is used twice in this document "
                    f"(also workflows[{seen[definition.id]}])",
                )
            )
            continue
        seen[definition.id] = index
        shared.workflows.append(workflow)
        shared.definitions.append(definition)


def _within(prefix: str, problem: Problem) -> Problem:
    path = problem.path
    if not path:
        joined = prefix
    elif path.startswith("line "):
        joined = f"{prefix} ({path})"
    elif path.startswith("["):
        joined = prefix + path
    else:
        joined = f"{prefix}.{path}"
    return Problem(joined, problem.message, problem.severity)
