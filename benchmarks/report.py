"""Printing a benchmark's table and writing its figures as JSON."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

OUT_DIR = Path("build/bench")


def table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in columns]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def write(
    name: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    summary: Mapping[str, Any],
) -> Path:
    """Print the table and the summary (targets and ratios), and write ``build/bench/NAME.json``."""
    print(f"\n== {name}")
    print(table(columns, rows))
    for key, value in summary.items():
        print(f"{key}: {_fmt(value)}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.json"
    record = {
        "name": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
        "columns": list(columns),
        "rows": [list(r) for r in rows],
        "summary": dict(summary),
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(f"written: {path}")
    return path


def _cpus() -> int:
    import os

    return os.cpu_count() or 0
