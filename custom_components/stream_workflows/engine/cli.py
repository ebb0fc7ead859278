"""`stream-workflows`: validate, rehearse (simulate) and draw workflow files."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ..adapters import default_registry
from .definition import load_file
from .errors import InputError
from .graph import mermaid
from .model import Outcome, Shape, WorkflowDefinition
from .run import RehearsalPlan
from .simulate import Rehearsal, rehearse

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
SHAPE_WORDS = {
    Shape.STATE_MACHINE: ("state machine", "state"),
    Shape.SEQUENCE: ("sequence", "step"),
    Shape.DAG: ("DAG", "node"),
}


class UsageError(Exception):
    """A command-line argument that cannot be used."""


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the `stream-workflows` command."""
    sys.exit(run(argv))


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command and return its exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse: usage errors (2), --help (0)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        if args.command == "validate":
            return _validate(args.files)
        if args.command == "simulate":
            return _simulate(args)
        return _graph(args.file)
    except UsageError as err:
        parser.print_usage(sys.stderr)
        print(f"stream-workflows {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stream-workflows", description="Check, rehearse and draw Stream Workflows files."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = commands.add_parser("validate", help="check workflow files; exit 1 on problems")
    validate.add_argument("files", nargs="+", metavar="FILE", type=Path)
    simulate = commands.add_parser(
        "simulate", help="rehearse a workflow on virtual time; nothing external is called"
    )
    simulate.add_argument("file", metavar="FILE", type=Path)
    simulate.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a run variable (dotted names nest; VALUE is JSON when it parses, else text)",
    )
    simulate.add_argument(
        "--outcome",
        action="append",
        default=[],
        metavar="STEP=OUTCOME",
        help="make a step end in error, timeout or cancel",
    )
    simulate.add_argument(
        "--result",
        action="append",
        default=[],
        metavar="STEP=JSON",
        help="the result a step returns instead of its simulated one",
    )
    simulate.add_argument("--json", action="store_true", help="print one JSON object")
    graph = commands.add_parser("graph", help="print a Mermaid flowchart of a workflow")
    graph.add_argument("file", metavar="FILE", type=Path)
    return parser


def _load(path: Path) -> WorkflowDefinition | None:
    definition, problems = load_file(path, default_registry())
    for problem in problems:
        print(problem.format(str(path)), file=sys.stderr)
    return definition


def _validate(files: list[Path]) -> int:
    status = EXIT_OK
    for path in files:
        definition = _load(path)
        if definition is None:
            status = EXIT_INVALID
            continue
        shape, noun = SHAPE_WORDS[definition.shape]
        count = definition.action_count()
        print(f"{path}: ok ({shape}, {count} {noun}{'s' if count != 1 else ''})")
    return status


def _simulate(args: argparse.Namespace) -> int:
    definition = _load(args.file)
    if definition is None:
        return EXIT_INVALID
    variables = _variables(args.set)
    plan = _plan(definition, args.outcome, args.result)
    try:
        rehearsal = _run_on_own_loop(rehearse(definition, default_registry(), variables, plan))
    except InputError as err:
        raise UsageError(f"--set: {err}") from None
    if args.json:
        print(json.dumps(rehearsal.as_json(), ensure_ascii=False))
    else:
        _print_rehearsal(definition, rehearsal)
    return EXIT_OK


def _variables(assignments: list[str]) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    for assignment in assignments:
        name, value = _split(assignment, "--set", "NAME=VALUE")
        parts = name.split(".")
        if not all(parts):
            raise UsageError(f"--set {assignment!r}: '{name}' is not a variable name")
        target = variables
        for part in parts[:-1]:
            existing = target.setdefault(part, {})
            if not isinstance(existing, dict):
                raise UsageError(f"--set {assignment!r}: '{part}' was already set to a value")
            target = existing
        target[parts[-1]] = _json_or_text(value)
    return variables


def _plan(definition: WorkflowDefinition, outcomes: list[str], results: list[str]) -> RehearsalPlan:
    steps = definition.all_steps()
    plan = RehearsalPlan()
    allowed = (Outcome.ERROR, Outcome.TIMEOUT, Outcome.CANCEL)
    for item in outcomes:
        step, outcome = _split(item, "--outcome", "STEP=OUTCOME")
        _known_step(step, steps, "--outcome")
        if outcome not in [value.value for value in allowed]:
            raise UsageError(f"--outcome {item!r}: the outcome is error, timeout or cancel")
        plan.outcomes[step] = Outcome(outcome)
    for item in results:
        step, text = _split(item, "--result", "STEP=JSON")
        _known_step(step, steps, "--result")
        try:
            plan.results[step] = json.loads(text)
        except json.JSONDecodeError as err:
            raise UsageError(f"--result {item!r}: not JSON ({err.msg})") from None
    return plan


def _known_step(step: str, steps: dict[str, Any], option: str) -> None:
    if step not in steps:
        known = ", ".join(steps)
        raise UsageError(f"{option}: there is no step '{step}' (steps: {known})")


def _split(item: str, option: str, form: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name:
        raise UsageError(f"{option} {item!r}: expected {form}")
    return name.strip(), value


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _print_rehearsal(definition: WorkflowDefinition, rehearsal: Rehearsal) -> None:
    print(f"{definition.name} ({definition.id}): rehearsal, nothing external was called")
    start = rehearsal.started_at
    width = max((len(d.step) for _, d in rehearsal.actions), default=0)
    for at, dispatch in rehearsal.actions:
        offset = int((at - start).total_seconds()) if start else 0
        minutes, seconds = divmod(offset, 60)
        params = json.dumps(dict(dispatch.params), ensure_ascii=False)
        retry = f" (attempt {dispatch.attempt})" if dispatch.attempt > 1 else ""
        print(
            f"  +{minutes:02d}:{seconds:02d}  {dispatch.step:<{width}}  "
            f"{dispatch.service}.{dispatch.action} {params}{retry}"
        )
    print(f"Path: {' → '.join(rehearsal.path) or '(nothing entered)'}")
    elapsed = ""
    if rehearsal.started_at and rehearsal.finished_at:
        total = (rehearsal.finished_at - rehearsal.started_at).total_seconds()
        elapsed = f" after {total:g} s of virtual time"
    print(f"Status: {rehearsal.status.value}{elapsed}")
    if rehearsal.error:
        error = rehearsal.error
        print(f"Error: {error['step'] or 'run'}: {error['message']} ({error['type']})")


def _graph(path: Path) -> int:
    definition = _load(path)
    if definition is None:
        return EXIT_INVALID
    print(mermaid(definition), end="")
    return EXIT_OK


def _run_on_own_loop[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Like `asyncio.run`, but leaves the thread's current event loop as it was, so that
    `run()` can be called from programs (and tests) that have one."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
