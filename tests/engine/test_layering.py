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
