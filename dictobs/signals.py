"""``docs/signals.md``: for every metric of the catalog, who emits it, its labels, and the rules,
panels and tests that use it.

Read from what the pack generates and commits (rule files, dashboards, promtool and pytest
files), so the table cannot drift from them. ``python -m dictobs.signals`` rewrites the table in
place; ``--check`` fails when it is out of date.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from alerts import generate
from core import catalog
from core.catalog import Metric, Source, exporter, sdk, server, worker
from dashboards import build, lint
from toolkit import docblocks
from toolkit.docblocks import cell

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "signals.md"

EMITTERS = {
    Source.SDK: "worker (temporalio SDK)",
    Source.WORKER: "worker (our claim metrics)",
    Source.EXPORTER: "claim exporter",
    Source.SERVER: "Temporal server",
    Source.PROMETHEUS: "Prometheus (per scrape target)",
}
SLO_RECORDINGS = "sloth-slo-sli-recordings-"  # group of an SLO's SLI recording rules
_TOKEN = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")

Uses = dict[str, set[str]]  # metric name -> where it is used


def _metrics_in(text: str) -> set[str]:
    """Catalog metrics whose series ``text`` names."""
    found = set()
    for token in set(_TOKEN.findall(text)):
        metric = catalog.lookup_series(token)
        if metric is not None:
            found.add(metric.name)
    return found


def rules() -> Uses:
    """Metric → the alerts and recording rules whose expression reads it."""
    uses: Uses = defaultdict(set)
    for path in sorted(generate.GENERATED_DIR.glob("*.yaml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
            slo = group["name"].removeprefix(SLO_RECORDINGS)
            for rule in group["rules"]:
                # An SLO's SLI is recorded once per window: name the SLO, not every record.
                name = (
                    f"SLO `{slo}`"
                    if slo != group["name"]
                    else f"`{rule.get('alert') or rule['record']}`"
                )
                for metric in _metrics_in(rule["expr"]):
                    uses[metric].add(name)
    return uses


def panels() -> Uses:
    """Metric → the dashboard panels (and template variables) whose queries read it."""
    uses: Uses = defaultdict(set)
    for model in build.models():
        for where, expr in lint.queries(model):
            for metric in _metrics_in(expr):
                uses[metric].add(where.rsplit(" (", 1)[0])
    return uses


def _constants() -> dict[str, str]:
    """Catalog constant name → metric name, for the names only one catalog module uses."""
    seen: dict[str, set[str]] = defaultdict(set)
    for module in (sdk, worker, exporter, server):
        for name, value in vars(module).items():
            if isinstance(value, Metric):
                seen[name].add(value.name)
    return {name: next(iter(metrics)) for name, metrics in seen.items() if len(metrics) == 1}


def _test_files() -> Iterable[Path]:
    yield from sorted((ROOT / "alerts" / "tests").glob("*.yaml"))
    yield from sorted(generate.GENERATED_TESTS_DIR.glob("*.yaml"))
    own = ROOT / "tests" / "dictobs" / "test_signals_doc.py"  # checks this document
    yield from (path for path in sorted((ROOT / "tests").rglob("test_*.py")) if path != own)


def _strings(node: Any) -> Iterable[str]:
    """Every string in a YAML document (its comments are prose, not uses)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _python_uses(text: str, constants: dict[str, str]) -> set[str]:
    """Metrics a test module names in its strings (docstrings and comments are prose) or
    through a catalog entry (``sdk.WORKFLOW_FAILED``)."""
    tree = ast.parse(text)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                found |= _metrics_in(node.value)
        elif isinstance(node, ast.Attribute) and node.attr in constants:
            found.add(constants[node.attr])
    return found


def tests() -> Uses:
    """Metric → the promtool and pytest files that name it (by series or catalog entry)."""
    constants = _constants()
    uses: Uses = defaultdict(set)
    for path in _test_files():
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            found = _python_uses(text, constants)
        else:
            found = set().union(*map(_metrics_in, _strings(yaml.safe_load(text))))
        for metric in found:
            uses[metric].add(f"`{path.relative_to(ROOT).as_posix()}`")
    return uses


def table() -> str:
    used_by_rules, used_by_panels, used_by_tests = rules(), panels(), tests()
    out = []
    for source, emitter in EMITTERS.items():
        metrics = [m for m in catalog.ALL if m.source is source]
        out += [f"### {emitter}", ""]
        out += [
            "| metric | type | labels | rules | panels | tests |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for m in metrics:
            labels = ", ".join(f"`{label}`" for label in m.labels) or "—"
            out.append(
                f"| `{m.name}` | {m.type.value} | {labels} | "
                f"{_listed(used_by_rules[m.name])} | {_listed(used_by_panels[m.name])} | "
                f"{_listed(used_by_tests[m.name])} |"
            )
        out.append("")
    return "\n".join(out)


def _listed(items: set[str]) -> str:
    return cell(", ".join(sorted(items))) if items else "—"


GENERATORS = {"signals": table}


if __name__ == "__main__":
    sys.exit(docblocks.main({DOC: GENERATORS}, sys.argv[1:], "python -m dictobs.signals"))
