"""Prometheus' ``promtool``: found once, run with a clear error when it is missing.

The rules, the SLO specs and the dashboards all ask the same two things of it: does this PromQL
parse (:func:`parse_problems`), and do these rule files pass ``check rules`` / ``test rules``
(:func:`run`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

INSTALL_HINT = "install Debian's prometheus package (make setup does)"


class PromtoolError(RuntimeError):
    """promtool is missing or could not be run."""


def path() -> str:
    """promtool on PATH, else Debian's ``/usr/bin/promtool``."""
    found = shutil.which("promtool") or shutil.which("/usr/bin/promtool")
    if found is None:
        raise PromtoolError(f"promtool not found on PATH or in /usr/bin: {INSTALL_HINT}")
    return found


def run(
    *args: str, input: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """``promtool args...``, ``input`` on its standard input (``check metrics`` reads a scrape
    there); the caller reads the return code and the output."""
    return subprocess.run(
        [path(), *args], input=input, capture_output=True, text=True, timeout=timeout, check=False
    )


def parse_problems(exprs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(where, why)`` for every expression promtool cannot parse, in one promtool run.

    Each ``(where, expr)`` becomes a recording rule of one throwaway file; promtool names the
    rule that failed, and the rule's index names the expression.
    """
    if not exprs:
        return []
    rules = [{"record": f"check:expr_{i}", "expr": expr} for i, (_, expr) in enumerate(exprs)]
    with tempfile.TemporaryDirectory() as tmp:
        rule_file = Path(tmp) / "expressions.yaml"
        rule_file.write_text(yaml.safe_dump({"groups": [{"name": "check", "rules": rules}]}))
        proc = run("check", "rules", str(rule_file), timeout=60)
    if proc.returncode == 0:
        return []
    text = proc.stdout + proc.stderr
    failed = [
        (int(m.group(1)), m.group(2))
        for m in re.finditer(r'"check:expr_(\d+)": (?:could not parse expression: )?(.*)', text)
    ]
    return [(exprs[i][0], why) for i, why in failed] or [("promtool", text.strip())]
