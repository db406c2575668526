"""The real Prometheus holding series a test wrote: backfilled with ``promtool tsdb
create-blocks-from openmetrics``, then served, so that a query sees an hour of history at once.

    prom = serve(run_dir, history(exposition, {"job": "dict-worker"}, end))
    why_empty(prom, 'sum(rate(x_total{job="dict-worker"}[$__rate_interval]))')  # None: data
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
from pathlib import Path

from dashboards import lint
from stack.ports import free_port
from stack.prometheus import Prometheus
from toolkit import promtool

HISTORY = 3600
STEP = 60


def serve(run_dir: Path, openmetrics: str) -> Prometheus:
    """A started Prometheus (stop it) whose storage holds ``openmetrics``: timestamped samples,
    ``# EOF`` last."""
    (run_dir / "series.om").write_text(openmetrics)
    (run_dir / "tsdb").mkdir()
    proc = subprocess.run(
        [promtool.path(), "tsdb", "create-blocks-from", "openmetrics", "series.om", "tsdb"],
        cwd=run_dir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Prometheus(run_dir, free_port(), {"global": {"scrape_interval": "1m"}}).start()


_SAMPLE = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(exposition: str) -> list[tuple[str, dict[str, str], float]]:
    """(series name, labels, value) of every sample of one scrape (Prometheus' text format),
    names as written: a client library's parser would add ``_total`` to a counter's."""
    out = []
    for line in exposition.splitlines():
        if line.strip() and not line.startswith("#"):
            match = _SAMPLE.fullmatch(line.strip())
            assert match is not None, f"not a sample line: {line!r}"
            name, labels, value = match.groups()
            out.append((name, dict(_LABEL.findall(labels or "")), float(value)))
    return out


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def history(exposition: str, target: dict[str, str], end: int) -> str:
    """One scrape as an hour of OpenMetrics history ending at ``end``, with the scrape
    ``target``'s labels (``job``, ``instance``) added: every sample rises at a steady rate to
    its scraped value, so that a rate sees the scrape's proportions (a gauge rises too; no
    query reads a gauge's slope)."""
    steps = HISTORY // STEP
    lines = []
    for name, labels, value in samples(exposition):
        series = f"{name}{_labels({**labels, **target})}"
        for n in range(steps + 1):
            lines.append(f"{series} {value * (n + 1) / (steps + 1):g} {end - HISTORY + n * STEP}")
    return "\n".join(sorted(lines, key=lambda line: line.rsplit(" ", 2)[0])) + "\n# EOF\n"


def why_empty(prometheus: Prometheus, expr: str) -> str | None:
    """Why the panel query ``expr`` returns nothing, or None when it returns data (Grafana's
    variables substituted with their defaults)."""
    query = lint.substitute(expr)
    try:
        return None if prometheus.query(query) else f"no data: {query}"
    except urllib.error.HTTPError as err:
        return f"{json.load(err).get('error')}: {query}"
