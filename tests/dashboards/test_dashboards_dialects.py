"""The dashboards rendered for each SDK dialect read what a worker of that dialect serves.

The dialect's fixture (one scrape, see ``tests/sdk_dialects.py``), backfilled as an hour of
history and served by the real Prometheus, must answer every panel query that reads SDK metrics
only and every template variable (which lists namespaces and queues from the worker's pollers);
and the dashboards must pass ``dictobs dashboards lint`` with the dialect's names and labels.
"""

from __future__ import annotations

import re
import time

import backfill
import pytest
from sdk_dialects import TARGET, exposition, using

from core.catalog import dialects, sdk
from dashboards import build, lint
from toolkit.selectors import dialect

# A series name followed by its selector: every catalog selector carries the job.
_SELECTED = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\{")


@pytest.fixture(scope="module", params=dialects.NAMES)
def served(request, tmp_path_factory):
    """(dialect, Prometheus holding an hour of that dialect's worker)."""
    name = request.param
    history = backfill.history(exposition(name), TARGET, int(time.time()) - 30)
    prometheus = backfill.serve(tmp_path_factory.mktemp(f"prom-{name}"), history)
    try:
        yield name, prometheus
    finally:
        prometheus.stop()


def _reads_sdk(expr: str, where: str, names: set[str]) -> bool:
    """Whether ``expr`` should answer from the SDK's series alone: a panel query reading only
    them, or a template variable (the union of the worker's pollers and the exporter's)."""
    used = set(_SELECTED.findall(expr))
    return bool(used & names) and (used <= names or ": variable " in where)


def _sdk_queries(name: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The queries that read SDK metrics, and the lint's problems, rendered in ``name``."""
    with using(name):
        spelling = dialect()
        names = {s for m in sdk.SDK_METRICS if spelling.emits(m) for s in spelling.all_series(m)}
        models = build.models()
        problems = lint.problems(models)
    reading_sdk = [
        (where, expr)
        for model in models
        for where, expr in lint.queries(model)
        if _reads_sdk(expr, where, names)
    ]
    return reading_sdk, problems


def test_every_panel_reading_sdk_metrics_returns_data(served):
    name, prometheus = served
    queries, problems = _sdk_queries(name)
    assert problems == []
    assert len(queries) >= 50, f"only {len(queries)} queries read SDK metrics"
    empty = [
        f"{where}: {why}"
        for where, expr in queries
        if (why := backfill.why_empty(prometheus, expr))
    ]
    assert empty == [], f"{name}: panels that would show No data:\n" + "\n".join(empty)
