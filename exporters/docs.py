"""The exporter's tables in ``docs/exporter.md`` and the README, generated from the metric
catalog and the settings table.

``python -m exporters.docs`` rewrites the generated blocks in place; a test fails when the
committed document differs from what this module generates.
"""

from __future__ import annotations

import sys
from pathlib import Path

from core.catalog.exporter import EXPORTER_METRICS
from exporters.settings_table import SETTINGS
from toolkit import docblocks
from toolkit.docblocks import cell as _cell

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "exporter.md"
README = ROOT / "README.md"


def metrics_table() -> str:
    rows = ["| metric | type | labels | meaning |", "| --- | --- | --- | --- |"]
    for m in EXPORTER_METRICS:
        labels = ", ".join(f"`{label}`" for label in m.labels) or "—"
        rows.append(f"| `{m.name}` | {m.type.value} | {labels} | {_cell(m.help)} |")
    return "\n".join(rows) + "\n"


def settings_table() -> str:
    rows = [
        "| flag | YAML key | environment | default | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in SETTINGS:
        default = ", ".join(s.default) if isinstance(s.default, tuple) else s.default
        env = f"`{s.env}`" if s.env else "—"
        if s.env_alias:
            env += f" (or `{s.env_alias}`)"
        shown = f"`{default}`" if default else "unset"
        rows.append(f"| `{s.flag}` | `{s.key}` | {env} | {shown} | {_cell(s.help)} |")
    return "\n".join(rows) + "\n"


GENERATORS = {"metrics": metrics_table, "settings": settings_table}


def render(text: str) -> str:
    """``text`` with every generated block replaced by what the generators produce now."""
    return docblocks.render(text, GENERATORS)


if __name__ == "__main__":
    sys.exit(
        docblocks.main(
            {DOC: GENERATORS, README: GENERATORS}, sys.argv[1:], "python -m exporters.docs"
        )
    )
