"""The tables in ``docs/exporter.md``, generated from the metric catalog and the settings table.

``python -m exporters.docs`` rewrites the generated blocks in place; a test fails when the
committed document differs from what this module generates.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from dictobs.catalog.exporter import EXPORTER_METRICS
from exporters.settings_table import SETTINGS

DOC = Path(__file__).resolve().parent.parent / "docs" / "exporter.md"
_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[a-z]+) -->\n).*?(<!-- END GENERATED: (?P=name) -->)",
    re.DOTALL,
)


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
        shown = f"`{default}`" if default else "unset"
        rows.append(f"| `{s.flag}` | `{s.key}` | {env} | {shown} | {_cell(s.help)} |")
    return "\n".join(rows) + "\n"


GENERATORS = {"metrics": metrics_table, "settings": settings_table}


def render(text: str) -> str:
    """``text`` with every generated block replaced by what the generators produce now."""

    def block(match: re.Match[str]) -> str:
        return match.group(1) + GENERATORS[match.group("name")]() + match.group(3)

    return _BLOCK.sub(block, text)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def main(argv: list[str]) -> int:
    current = DOC.read_text()
    wanted = render(current)
    if "--check" in argv:
        if current != wanted:
            print(f"{DOC} is out of date: run python -m exporters.docs", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        fd, tmp = tempfile.mkstemp(dir=DOC.parent, prefix=".exporter.md.")
        with os.fdopen(fd, "w") as out:
            out.write(wanted)
        os.replace(tmp, DOC)
        print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
