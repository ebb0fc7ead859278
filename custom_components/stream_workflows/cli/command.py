"""The `stream-workflows` command: `validate`, `simulate` and `graph`, with the exit codes of
DESIGN.md §4."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ..adapters import default_registry
from ..engine.definition import load_file
from ..engine.errors import InputError, escape_text
from ..engine.graph import mermaid
from ..engine.loading import json_ready
from ..engine.model import Shape, WorkflowDefinition
from ..engine.rehearse import rehearse
from .arguments import UsageError, plan_from, variables_from
from .output import print_rehearsal
from .sharing_commands import COMMANDS as SHARING_COMMANDS
from .sharing_commands import add_commands as add_sharing_commands
from .sharing_commands import run_command as run_sharing_command

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXIT_INTERNAL = 3  # a bug of ours: one line names it (never 1, which means "invalid file")
EXIT_OUTPUT = 4  # the output could not be written (a full disk); a closed pipe is quiet
SHAPE_WORDS = {
    Shape.STATE_MACHINE: ("state machine", "state"),
    Shape.SEQUENCE: ("sequence", "step"),
    Shape.DAG: ("DAG", "node"),
}


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point of the `stream-workflows` command.

    Whatever happens ends in an exit code of §4 and at most one line per problem: a closed
    pipe (`| head`) ends quietly, a terminal that cannot show a character gets an escape, an
    unexpected error of ours prints one line naming it and exits with `EXIT_INTERNAL`."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    try:
        code = run(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        code = EXIT_OK
    except KeyboardInterrupt:
        code = 130
    except OSError as err:  # writing the output failed (a full disk)
        _report(f"cannot write the output: {err.strerror or err}")
        _quiet_stdout()
        code = EXIT_OUTPUT
    except Exception as err:  # a bug: one line, never a traceback
        _report(f"internal error: {type(err).__name__}: {err} (please report this)")
        code = EXIT_INTERNAL
    sys.exit(code)


def _report(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(f"stream-workflows: {escape_text(message, 500)}", file=sys.stderr)


def _quiet_stdout() -> None:
    """After a failed write, Python flushes stdout again at exit: point it at /dev/null."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


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
        if args.command in SHARING_COMMANDS:
            return run_sharing_command(args)
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
    add_sharing_commands(commands)
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
        print(f"{escape_text(str(path))}: ok ({shape}, {count} {noun}{'s' if count != 1 else ''})")
    return status


def _simulate(args: argparse.Namespace) -> int:
    definition = _load(args.file)
    if definition is None:
        return EXIT_INVALID
    given = variables_from(args.set)
    overrides = plan_from(definition, args.outcome, args.result)
    try:
        rehearsal = _run_on_own_loop(rehearse(definition, default_registry(), given, overrides))
    except InputError as err:
        raise UsageError(f"--set: {err}") from None
    if args.json:
        # strict JSON: NaN and Infinity become text, dates text, sets lists
        print(json.dumps(json_ready(rehearsal.as_json()), ensure_ascii=False, allow_nan=False))
    else:
        print_rehearsal(definition, rehearsal)
    return EXIT_OK


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
