"""Imports point down only: core, then the toolkit, then the parts, the local stack and the
command (README, "Where things are"). A new import that points up fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PARTS = {"worker", "exporters", "alerts", "dashboards", "deploy"}
# What each package may import of the pack (itself included).
ALLOWED = {
    "core": {"core"},
    "toolkit": {"core", "toolkit"},
    "worker": {"core", "toolkit", "worker"},
    "exporters": {"core", "toolkit", "exporters"},
    "alerts": {"core", "toolkit", "alerts"},
    # The SLO dashboard and the lint read the SLO spec and its record names: alerts.slo only.
    "dashboards": {"core", "toolkit", "dashboards", "alerts.slo"},
    # The deployment packages what the generators wrote (files), and reads no part's code.
    "deploy": {"core", "toolkit", "deploy"},
    "stack": {"core", "toolkit", "stack", *PARTS},
    "dictobs": {"core", "toolkit", "stack", "dictobs", *PARTS},
}
PACK = set(ALLOWED) | {"benchmarks"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in PACK}


def _allowed(module: str, allowed: set[str]) -> bool:
    return any(module == a or module.startswith(a + ".") for a in allowed)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_the_layers_below_it(package):
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if "_pb2" not in path.name
        for module in sorted(_imports(path))
        if not _allowed(module, ALLOWED[package])
    ]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_an_upward_import(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("from dictobs.cli import main\nimport os\nfrom core import domain\n")
    assert _imports(path) == {"dictobs.cli", "core"}
    assert not _allowed("dictobs.cli", ALLOWED["core"])
