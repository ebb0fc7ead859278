"""`new`, `templates`, `export` and `import`: templates and sharing on the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..adapters import default_registry
from ..engine.definition import load_definition, read_file
from ..engine.errors import Problem, escape_text
from ..engine.loading import SUFFIXES
from ..sharing.preview import Here, apply_import
from ..sharing.share import (
    MAX_SHARE_CHARS,
    check_share,
    encode_share,
    read_share_text,
    share_document,
    to_yaml,
)
from ..sharing.templates import (
    bundled_paths,
    instantiate,
    is_template_document,
    load_bundled,
    read_template,
)
from .arguments import UsageError, variables_from

EXIT_OK, EXIT_INVALID = 0, 1
COMMANDS = ("new", "templates", "export", "import")


def add_commands(commands: Any) -> None:
    """Add the sharing subcommands to the `stream-workflows` parser."""
    new = commands.add_parser("new", help="make a workflow file from a template")
    new.add_argument("template", metavar="TEMPLATE", help="a shipped template's id, or a file")
    new.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a template input (VALUE is JSON when it parses, else text)",
    )
    new.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here (else stdout)")
    commands.add_parser("templates", help="list the shipped templates and their inputs")
    export = commands.add_parser("export", help="export workflow files as one share document")
    export.add_argument("files", nargs="+", metavar="FILE", type=Path)
    export.add_argument("--share", action="store_true", help="print a share string, not YAML")
    imp = commands.add_parser("import", help="check a share string or file; write its workflow")
    imp.add_argument("source", metavar="STRING|FILE")
    imp.add_argument("-o", "--output", type=Path, metavar="FILE", required=True)


def run_command(args: argparse.Namespace) -> int:
    if args.command == "new":
        return _new(args)
    if args.command == "templates":
        return _templates()
    if args.command == "export":
        return _export(args.files, share=args.share)
    return _import(args.source, args.output)


def _print_problems(problems: list[Problem], source: str) -> None:
    for problem in problems:
        print(problem.format(source), file=sys.stderr)


def _new(args: argparse.Namespace) -> int:
    paths = bundled_paths()
    path = paths.get(args.template) or Path(args.template)
    if args.template not in paths and not path.is_file():
        raise UsageError(f"no template '{args.template}' (templates: {', '.join(paths)})")
    template, problems = read_template(path)
    if template is None:
        _print_problems(problems, str(path))
        return EXIT_INVALID
    values = {}
    for name, value in variables_from(args.set).items():
        values[name] = value
    document, problems = instantiate(template, values)
    if document is None:
        _print_problems(problems, args.template)
        return EXIT_INVALID
    definition, problems = load_definition(document, default_registry())
    if definition is None:
        _print_problems(problems, args.template)
        return EXIT_INVALID
    _write(to_yaml(document), args.output)
    return EXIT_OK


def _templates() -> int:
    templates, problems = load_bundled()
    _print_problems(problems, "templates")
    for template in templates.values():
        inputs = ", ".join(
            name if spec.has_default else f"{name} (required)"
            for name, spec in template.inputs.items()
        )
        print(f"{template.id}: {escape_text(template.name)} - inputs: {inputs or 'none'}")
    return EXIT_INVALID if problems and any(p.severity == "error" for p in problems) else EXIT_OK


def _export(files: list[Path], *, share: bool) -> int:
    workflows: list[dict[str, Any]] = []
    templates: list[dict[str, Any]] = []
    status = EXIT_OK
    for path in files:
        document, problems = read_file(path)
        if not problems and is_template_document(document):
            template, problems = read_template(path)
            if template is not None:
                templates.append(template.raw)
        elif not problems:
            definition, problems = load_definition(
                document, default_registry(), default_id=path.stem
            )
            if definition is not None and isinstance(document, dict):
                workflows.append({**document, "id": definition.id})
        if any(p.severity == "error" for p in problems):
            _print_problems(problems, str(path))
            status = EXIT_INVALID
    if status != EXIT_OK:
        return status
    if templates and (workflows or len(templates) > 1):
        raise UsageError("export one template alone, or workflows without templates")
    if templates:
        document, stripped = share_document(template=templates[0])
    else:
        document, stripped = share_document(workflows)
    for item in stripped:
        print(
            f"{escape_text(item.workflow_id)}: {item.path}: removed ({item.reason}); "
            f"now the input {item.input_name}",
            file=sys.stderr,
        )
    _write(encode_share(document) + "\n" if share else to_yaml(document), None)
    return EXIT_OK


def _import(source: str, output: Path) -> int:
    path = Path(source)
    shown = "share string"
    if len(source) < 4096 and not source.startswith("sw") and path.is_file():
        shown = source
        if path.suffix.lower() in SUFFIXES:
            text_document, problems = read_file(path)
            text = json.dumps(text_document)
        else:  # a text file holding a share string
            text, problems = _read_share_file(path)
        if problems:
            _print_problems(problems, shown)
            return EXIT_INVALID
    else:
        text = source
    document, problems = read_share_text(text)
    if document is None:
        _print_problems(problems, shown)
        return EXIT_INVALID
    shared, problems = check_share(document, default_registry())
    if shared is None:
        _print_problems(problems, shown)
        return EXIT_INVALID
    if shared.template is not None:
        _write(to_yaml(shared.template.raw), output)
        return EXIT_OK
    documents, problems = apply_import(shared, Here())
    if problems:
        _print_problems(problems, shown)
        return EXIT_INVALID
    if len(documents) == 1:
        _write(to_yaml(documents[0]), output)
    else:
        output.mkdir(parents=True, exist_ok=True)
        for document in documents:
            _write(to_yaml(document), output / f"{document['id']}.yaml")
    return EXIT_OK


def _read_share_file(path: Path) -> tuple[str, list[Problem]]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_SHARE_CHARS + 1)
    except OSError as err:
        return "", [Problem("", f"cannot read the file: {err.strerror or err}")]
    if len(data) > MAX_SHARE_CHARS:
        return "", [Problem("", f"larger than {MAX_SHARE_CHARS} bytes")]
    return data.decode("utf-8", "replace"), []


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    print(f"wrote {escape_text(str(output))}", file=sys.stderr)
