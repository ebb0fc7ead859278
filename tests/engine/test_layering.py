"""The engine stands on its own: no module of it imports Home Assistant, the adapters, the
command line or anything else of the integration above it (read from the code with `ast`)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "custom_components" / "stream_workflows"
ENGINE = PACKAGE / "engine"
# What the engine may use besides the standard library and its own modules.
THIRD_PARTY = {"voluptuous", "yaml", "regex"}


def imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every import in the file; level 0 is absolute."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def outside_engine(path: Path) -> list[str]:
    wrong: list[str] = []
    for level, module in imports(path):
        if level > 1:  # `from ..x`: out of engine/ into the integration
            wrong.append(f"{'.' * level}{module}")
        elif level == 0:
            top = module.partition(".")[0]
            if top not in sys.stdlib_module_names and top not in THIRD_PARTY | {"__future__"}:
                wrong.append(module)
    return wrong


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=lambda path: path.name)
def test_an_engine_module_imports_only_the_engine_and_plain_libraries(path: Path) -> None:
    assert outside_engine(path) == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "from ..adapters import default_registry\n"
        "import homeassistant.core\n"
        "from custom_components.stream_workflows import const\n"
        "from .model import Shape\n"
        "import json\n"
    )
    assert outside_engine(module) == [
        "..adapters",
        "homeassistant.core",
        "custom_components.stream_workflows",
    ]


def test_the_command_line_is_imported_by_nothing_of_the_integration() -> None:
    for path in PACKAGE.rglob("*.py"):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        for level, module in imports(path):
            assert not (level > 0 and module.split(".")[-1] == "cli"), path
            assert not module.startswith("custom_components.stream_workflows.cli"), path


def engine_graph() -> dict[str, set[str]]:
    """Module -> the engine modules it imports (`from .x import`, `from . import x`)."""
    graph: dict[str, set[str]] = {}
    for path in ENGINE.glob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    found.add(node.module.partition(".")[0])
                else:
                    found.update(alias.name for alias in node.names)
        graph[path.stem] = found - {path.stem}
    return graph


def reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), set()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


RUN_MODULES = (
    "run",
    "run_types",
    "run_host",
    "run_state",
    "step_executor",
    "run_values",
    "waits",
    "drive_machine",
    "drive_sequence",
    "drive_dag",
)


@pytest.mark.parametrize("module", RUN_MODULES)
def test_the_run_modules_never_reach_the_engine(module: str) -> None:
    """The run depends on its host protocol, never on `engine.py`: no circle."""
    assert "engine" not in reaches(engine_graph(), module)


@pytest.mark.parametrize("module", RUN_MODULES[3:])
def test_the_run_parts_never_reach_the_run(module: str) -> None:
    """The state, the step executor and the drivers know the run only by its protocol
    (`run_host.RunControl`): none of them imports `run.py`."""
    assert "run" not in reaches(engine_graph(), module)


def test_no_engine_module_reaches_itself() -> None:
    graph = engine_graph()
    circles = sorted(name for name in graph if name in reaches(graph, name))
    assert circles == []
