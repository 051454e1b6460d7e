"""Imports run one way: model <- parsers <- store <- alerts <- monitor.

Each package may import the packages below it and none above; the core
model imports none of them. The test reads every module's imports (static,
so imports inside functions count too) and fails on an upward one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("model", "parsers", "store", "alerts", "monitor")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", LAYERS)
def test_a_package_imports_only_the_layers_below(package: str) -> None:
    above = set(LAYERS[LAYERS.index(package) + 1 :])
    upward = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & above)
        for path in _modules(package)
        if _imports(path) & above
    }
    assert upward == {}, f"{package} imports a higher layer: {upward}"


def test_the_layering_test_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from monitor.settings import Settings\n", encoding="utf-8")
    assert _imports(module) == {"monitor"}
