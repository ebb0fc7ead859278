"""`sharing/` is pure: it imports only the standard library, PyYAML, its own modules and the
engine (so the command line can use it); checked from the code, and by importing it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SHARING = Path(__file__).parents[2] / "custom_components" / "stream_workflows" / "sharing"
ALLOWED_ABOVE = {
    "engine",
    "engine.adapter",
    "engine.definition",
    "engine.errors",
    "engine.loading",
    "engine.model",
    "engine.paths",
    "engine.template",
}


def test_sharing_imports_only_the_engine() -> None:
    wrong: list[str] = []
    for path in sorted(SHARING.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                if (node.module or "") not in ALLOWED_ABOVE:
                    wrong.append(f"{path.name}: ..{node.module}")
            elif isinstance(node, ast.ImportFrom | ast.Import) and getattr(node, "level", 0) == 0:
                names = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom)
                    else [alias.name for alias in node.names]
                )
                for name in names:
                    top = (name or "").partition(".")[0]
                    if top not in sys.stdlib_module_names and top not in {"yaml", "__future__"}:
                        wrong.append(f"{path.name}: {name}")
    assert wrong == []


def test_importing_sharing_loads_no_home_assistant() -> None:
    code = (
        "import sys\n"
        "import custom_components.stream_workflows.sharing.preview\n"
        "import custom_components.stream_workflows.sharing.authoring\n"
        "import custom_components.stream_workflows.cli.sharing_commands\n"
        "print(sorted(m for m in sys.modules if m.startswith(('homeassistant', 'aiohttp'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=SHARING.parents[2],
    )
    assert done.stdout.strip() == "[]"
