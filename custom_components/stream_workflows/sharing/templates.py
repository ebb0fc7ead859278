"""Templates: a workflow with declared inputs, close to Home Assistant's blueprints.

```yaml
template:
  name: Be right back
  description: Switch to a BRB scene, tell chat, come back.
  author: Stream Workflows
  source_url: https://example.org/brb.yaml   # optional
  min_version: "0.1.0"                        # optional: the oldest integration it runs on
  input:
    brb_scene:
      name: BRB scene
      description: The scene shown during the break
      default: BRB                            # no default: the input is required
      selector: {obs_scene: {}}
workflow:
  id: brb
  steps:
    - {id: go, service: obs, action: set_current_scene,
       params: {scene_name: "${inputs.brb_scene}"}}
```

The body refers to an input as `${inputs.NAME}`, replaced when the template is instantiated
(a value that is exactly one reference keeps its type, inside text it is formatted); every
other `${...}` is left for the run. A `${` in a given value is written `$${`, so a value can
never become a reference. Files are read by `engine.loading` (bounded, safe YAML).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.definition import WORKFLOW_ID
from ..engine.errors import Problem
from ..engine.loading import plain_value, read_document
from ..engine.paths import child
from ..engine.template import iter_references, path_problem
from .selectors import check_value, kind_of, selector_problem
from .version import INTEGRATION_VERSION, is_newer, parse_version

BUNDLED = Path(__file__).parents[1] / "templates"
INPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
TEMPLATE_ID = re.compile(r"[a-z0-9_]{1,100}")
_REFERENCE = re.compile(r"\$\$\{|\$\{\s*inputs\.([^{}]*?)\s*\}")
_META_TEXT = {"name": 200, "description": 4000, "author": 200, "source_url": 2000}


@dataclass(frozen=True, slots=True)
class TemplateInput:
    """One declared input: what the form asks for and how a value is checked."""

    name: str
    label: str
    description: str
    selector: Mapping[str, Any]
    default: Any = None
    has_default: bool = False

    def form_field(self) -> dict[str, Any]:
        """Plain data for a form (the panel draws it with Home Assistant's selectors)."""
        item: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "description": self.description,
            "selector": copy.deepcopy(dict(self.selector)),
            "required": not self.has_default,
        }
        if self.has_default:
            item["default"] = copy.deepcopy(self.default)
        return item


@dataclass(frozen=True, slots=True)
class Template:
    """A checked template."""

    id: str
    name: str
    description: str
    author: str
    source_url: str | None
    min_version: str | None
    inputs: dict[str, TemplateInput]
    body: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """What a list of templates shows, and the form: plain data (websocket-friendly)."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "author": self.author,
            "source_url": self.source_url,
            "min_version": self.min_version,
            "inputs": [item.form_field() for item in self.inputs.values()],
        }


def is_template_document(document: Any) -> bool:
    return isinstance(document, Mapping) and "template" in document and "workflow" in document


def read_template(path: Path) -> tuple[Template | None, list[Problem]]:
    """Read and check a template file (its stem is the template's id)."""
    document, problems = read_document(path)
    if problems:
        return None, problems
    return parse_template(document, template_id=_id_from(path.stem))


def parse_template(
    document: Any, *, template_id: str = "template"
) -> tuple[Template | None, list[Problem]]:
    """Check a template document (plain values, or anything: it is made plain first)."""
    problems: list[Problem] = []
    document = plain_value(document, problems)
    if problems:
        return None, problems
    if not isinstance(document, dict):
        return None, [Problem("", "a template is a mapping with 'template' and 'workflow'")]
    for key in document:
        if key not in ("template", "workflow"):
            problems.append(Problem(key, "unknown key: a template has 'template' and 'workflow'"))
    meta, body = document.get("template"), document.get("workflow")
    if not isinstance(meta, dict):
        return None, [*problems, Problem("template", "missing: name, description, input")]
    if not isinstance(body, dict):
        return None, [*problems, Problem("workflow", "missing: the workflow the template makes")]
    texts = _meta_texts(meta, problems)
    min_version = meta.get("min_version")
    if min_version is not None:
        if not isinstance(min_version, str) or parse_version(min_version) is None:
            problems.append(Problem("template.min_version", 'a version such as "0.1.0"'))
            min_version = None
        elif is_newer(min_version):
            problems.append(
                Problem(
                    "template.min_version",
                    f"this template needs Stream Workflows {min_version} or newer "
                    f"(this is {INTEGRATION_VERSION}); update the integration first",
                )
            )
    inputs = _inputs(meta.get("input", {}), problems)
    used = _check_references(body, inputs, problems)
    for name in inputs:
        if name not in used:
            problems.append(
                Problem(child("template.input", name), "this input is never used", "warning")
            )
    if any(problem.severity == "error" for problem in problems):
        return None, problems
    return (
        Template(
            id=template_id,
            name=texts.get("name") or template_id.replace("_", " ").capitalize(),
            description=texts.get("description", ""),
            author=texts.get("author", ""),
            source_url=texts.get("source_url"),
            min_version=min_version,
            inputs=inputs,
            body=body,
            raw=document,
        ),
        problems,
    )


def _meta_texts(meta: dict[str, Any], problems: list[Problem]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for key, value in meta.items():
        path = child("template", key)
        if key in ("min_version", "input"):
            continue
        if key not in _META_TEXT:
            problems.append(
                Problem(path, f"unknown key (known: {', '.join(_META_TEXT)}, min_version, input)")
            )
        elif not isinstance(value, str) or len(value) > _META_TEXT[key]:
            problems.append(Problem(path, f"text of at most {_META_TEXT[key]} characters"))
        elif key == "source_url" and not value.startswith(("https://", "http://")):
            problems.append(Problem(path, "an http(s) address"))
        else:
            texts[key] = value
    if "name" not in meta:
        problems.append(Problem("template.name", "missing: the template's name"))
    return texts


def _inputs(raw: Any, problems: list[Problem]) -> dict[str, TemplateInput]:
    inputs: dict[str, TemplateInput] = {}
    if not isinstance(raw, dict):
        problems.append(Problem("template.input", "a mapping of input names to their fields"))
        return inputs
    for name, spec in raw.items():
        path = child("template.input", name)
        if not INPUT_NAME.fullmatch(name):
            problems.append(Problem(path, f"'{name}' is not an input name (letters, digits, _)"))
            continue
        if not isinstance(spec, dict):
            problems.append(Problem(path, "an input is a mapping: name, description, selector"))
            continue
        unknown = set(spec) - {"name", "description", "default", "selector"}
        for key in sorted(unknown):
            problems.append(
                Problem(child(path, key), "unknown key (name, description, default, selector)")
            )
        selector = spec.get("selector", {"text": {}})
        if (problem := selector_problem(selector)) is not None:
            problems.append(Problem(child(path, "selector"), problem))
            continue
        selector = {kind_of(selector): selector[kind_of(selector)] or {}}
        has_default = "default" in spec
        if has_default and (problem := check_value(selector, spec["default"])) is not None:
            problems.append(Problem(child(path, "default"), problem))
        label, description = spec.get("name", name), spec.get("description", "")
        if not isinstance(label, str) or not isinstance(description, str):
            problems.append(Problem(path, "'name' and 'description' are text"))
            continue
        inputs[name] = TemplateInput(
            name=name,
            label=label[:200],
            description=description[:4000],
            selector=selector,
            default=spec.get("default"),
            has_default=has_default,
        )
    return inputs


def _check_references(
    body: Any, inputs: Mapping[str, TemplateInput], problems: list[Problem]
) -> set[str]:
    used: set[str] = set()
    body_id = body.get("id") if isinstance(body, dict) else None
    if body_id is not None and not (isinstance(body_id, str) and WORKFLOW_ID.fullmatch(body_id)):
        problems.append(Problem("workflow.id", f"'{body_id}' is not a valid workflow id"))
    for path, text in _texts(body, "workflow"):
        for reference in iter_references(text):
            if not reference.startswith("inputs.") and (bad := path_problem(reference)):
                problems.append(Problem(path, bad))
        for match in _REFERENCE.finditer(text):
            name = match.group(1)
            if name is None:
                continue
            if name not in inputs:
                known = ", ".join(inputs) or "none"
                problems.append(
                    Problem(path, f"'${{inputs.{name}}}' names no input (inputs: {known})")
                )
            used.add(name)
    return used


def _texts(value: Any, path: str) -> list[tuple[str, str]]:
    """Every text in `value` (keys' values, list items) with its path; iterative."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            found.append((where, item))
        elif isinstance(item, dict):
            stack.extend((inner, child(where, key)) for key, inner in item.items())
        elif isinstance(item, list):
            stack.extend((inner, child(where, index)) for index, inner in enumerate(item))
    return found


# -- instantiating ------------------------------------------------------------------------


def instantiate(
    template: Template, values: Mapping[str, Any], *, workflow_id: str | None = None
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The workflow document `template` makes with `values` (defaults fill the rest).

    Every value is checked against its input's selector; problems are located at
    `inputs.NAME`. The document still has to be validated as any workflow is."""
    problems: list[Problem] = []
    chosen: dict[str, Any] = {}
    for name in values:
        if name not in template.inputs:
            known = ", ".join(template.inputs) or "none"
            problems.append(Problem(child("inputs", name), f"no such input (inputs: {known})"))
    for name, spec in template.inputs.items():
        if name in values:
            value = values[name]
        elif spec.has_default:
            value = spec.default
        else:
            problems.append(Problem(child("inputs", name), f"required: {spec.label}"))
            continue
        if (problem := check_value(spec.selector, value)) is not None:
            problems.append(Problem(child("inputs", name), problem))
            continue
        chosen[name] = value
    if problems:
        return None, problems
    document = _substitute(copy.deepcopy(template.body), chosen)
    assert isinstance(document, dict)
    if workflow_id is not None:
        document["id"] = workflow_id
    elif "id" not in document:
        document["id"] = template.id
    return document, []


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    return value


def _substitute(value: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole is not None and whole.group(1) is not None:
            return _escaped(copy.deepcopy(values[whole.group(1)]))

        def replace(match: re.Match[str]) -> str:
            if match.group(1) is None:
                return match.group(0)  # `$${` stays for the run
            item = values[match.group(1)]
            text = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
            return str(_escaped(text))

        return _REFERENCE.sub(replace, value)
    if isinstance(value, dict):
        return {key: _substitute(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, values) for item in value]
    return value


# -- bundled templates --------------------------------------------------------------------


def bundled_paths() -> dict[str, Path]:
    """The templates shipped with the integration, by id (the file's stem)."""
    if not BUNDLED.is_dir():
        return {}
    return {
        path.stem: path
        for path in sorted(BUNDLED.iterdir())
        if path.suffix in (".yaml", ".yml") and TEMPLATE_ID.fullmatch(path.stem)
    }


def load_bundled() -> tuple[dict[str, Template], list[Problem]]:
    """Every shipped template (blocking file reads: call it off the event loop)."""
    templates: dict[str, Template] = {}
    problems: list[Problem] = []
    for template_id, path in bundled_paths().items():
        template, found = read_template(path)
        problems.extend(Problem(f"{path.name}: {p.path}", p.message, p.severity) for p in found)
        if template is not None:
            templates[template_id] = template
    return templates, problems


def _id_from(stem: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]", "_", stem.lower())[:100]
    return cleaned or "template"
