"""Every panel returns data from a real Prometheus holding series shaped like the catalog says.

Series for every name the query checker accepts (catalog metrics, SLO recording rules, ALERTS)
are written as OpenMetrics with an hour of history, backfilled with ``promtool tsdb
create-blocks-from openmetrics``, and served by the real Prometheus. Each panel query and each
template variable query, with Grafana's variables substituted, must return at least one sample:
this catches what parsing alone cannot (vector matching that never matches, filters that drop
everything, a derived variable that does not line up with the server's spelling).
"""

from __future__ import annotations

import re
import time

import backfill
import pytest

from alerts.slo.model import SLO
from alerts.slo.spec import load_slos
from core import catalog, config, settings
from core.catalog import MetricType, Source, sdk, server, worker
from dashboards import build, links, lint
from stack.prometheus import Prometheus
from toolkit import prometheus_api

BUCKETS = ("0.1", "1", "10", "+Inf")
# Two values per label, so that selectors like status!="OK" or service_name="frontend" match.
VALUES = {
    "namespace": ("dict",),
    "task_queue": (settings.TASK_QUEUE,),
    "taskqueue": (settings.TASK_QUEUE.replace("-", "_"),),
    "service_name": ("frontend", "history", "matching"),
    "status": ("OK", "UNAVAILABLE"),
    "outcome": ("confirmed", "expired"),
    "operation": ("StartWorkflowExecution", "PollWorkflowTaskQueue"),
    "task_type": ("Workflow", "Activity"),
    "partition": ("0", "1"),
    "alertstate": ("firing",),
}
# Values a panel selects on for one metric only: history's timer tasks, the workflow task timeout.
METRIC_VALUES = {
    server.TASK_LATENCY_QUEUE.name: {
        "operation": ("TimerActiveTaskUserTimer", "TransferActiveTaskWorkflowTask")
    },
    server.START_TO_CLOSE_TIMEOUT.name: {
        "operation": ("TimerActiveTaskWorkflowTaskTimeout", "TimerActiveTaskActivityTimeout")
    },
}


def _jobs(name: str) -> tuple[str, ...]:
    """The scrape jobs a series comes from, as the pack configuration names them."""
    cfg = config.current()
    metric = catalog.lookup_series(name)
    source = metric.source if metric is not None else None
    return {
        Source.SDK: (cfg.worker_job,),
        Source.WORKER: (cfg.worker_job,),
        Source.EXPORTER: (cfg.exporter_job,),
        Source.SERVER: (cfg.server_job,),
        Source.PROMETHEUS: (cfg.server_job, cfg.worker_job, cfg.exporter_job),
    }.get(source, ("job-a", "job-b"))


# What a healthy, quiet stack does not expose (measured on the demo stack): the SDK and the server
# create a failure counter on its first event, the SDK its forced-eviction counter on the first
# eviction, the server drops its backlog gauges for an empty queue, and no alert fires.
ABSENT_WHEN_HEALTHY = {
    *(
        series
        for metric in (
            sdk.WORKFLOW_FAILED,
            sdk.WORKFLOW_CANCELED,
            sdk.WORKFLOW_TASK_EXECUTION_FAILED,
            sdk.ACTIVITY_EXECUTION_FAILED,
            sdk.REQUEST_FAILURE,
            sdk.LONG_REQUEST_FAILURE,
            server.START_TO_CLOSE_TIMEOUT,
            server.WORKFLOW_FAILED,
            server.WORKFLOW_TIMEOUT,
            server.WORKFLOW_TERMINATE,
            server.WORKFLOW_CANCEL,
            worker.ACTIVITY_FAILURES,
            server.SERVICE_ERROR_WITH_TYPE,
            server.SERVICE_ERRORS_RESOURCE_EXHAUSTED,
            server.PERSISTENCE_ERROR_WITH_TYPE,
            sdk.STICKY_CACHE_FORCED_EVICTION,
            server.APPROXIMATE_BACKLOG_COUNT,
            server.APPROXIMATE_BACKLOG_AGE,
        )
        for series in metric.series
    ),
    "ALERTS",
}
HEALTHY_VALUES = {**VALUES, "status": ("OK",), "outcome": ("confirmed",)}


def _series(
    known: dict[str, frozenset[str]], slos: list[SLO], healthy: bool = False
) -> dict[str, list[str]]:
    """Series name → label sets (as ``{a="b",...}`` text) to write."""
    out: dict[str, list[str]] = {}
    values_of = HEALTHY_VALUES if healthy else VALUES
    for name, labels in known.items():
        if healthy and name in ABSENT_WHEN_HEALTHY:
            continue
        per_slo = name.startswith("slo:") or name == "ALERTS"
        sets: list[dict[str, str]] = []
        metric = catalog.lookup_series(name)
        own = METRIC_VALUES.get(metric.name, {}) if metric is not None else {}
        choices = {**values_of, **own, "job": _jobs(name)}
        # A rule or ALERTS series exists once per SLO; a scraped metric has a series for each
        # value of its most varied label (``up`` one per job).
        widest = max([2, *(len(choices[label]) for label in labels if label in choices)])
        for i in range(1 if per_slo else widest):
            base = {}
            for label in labels:
                values = choices.get(label, (f"{label}-a", f"{label}-b"))
                base[label] = values[i % len(values)]
            if per_slo:
                for slo in slos:
                    sets.append(
                        {**base, **slo.labels, **slo.identity, "alertname": slo.alerting.name}
                    )
            else:
                sets.append(base)
        if "le" in labels:
            sets = [{**s, "le": le} for s in sets for le in BUCKETS]
        rendered = []
        for labelset in sets:
            keep = {k: v for k, v in labelset.items() if k in labels}
            rendered.append("{" + ",".join(f'{k}="{v}"' for k, v in sorted(keep.items())) + "}")
        out[name] = sorted(set(rendered))
    return out


def _openmetrics(series: dict[str, list[str]], end: int, idle: bool = False) -> str:
    lines = []
    for name, labelsets in sorted(series.items()):
        metric = catalog.lookup_series(name)
        cumulative = metric is not None and metric.type in (
            MetricType.COUNTER,
            MetricType.HISTOGRAM,
        )
        lines.append(f"# TYPE {name} unknown")
        for labelset in labelsets:
            # Counters grow (bucket counts more so for larger le), or stand still on an idle
            # stack; gauges hold a positive value.
            le = re.search(r'le="([^"]+)"', labelset)
            weight = BUCKETS.index(le.group(1)) + 1 if le else 1
            for n, ts in enumerate(range(end - backfill.HISTORY, end + 1, backfill.STEP)):
                value = (1 if idle else n + 1) * weight if cumulative else 3
                lines.append(f"{name}{labelset} {value} {ts}")
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def _start(run_dir, state: str) -> Prometheus:
    slos = load_slos(check_queries=False)
    end = int(time.time()) - 30
    series = _series(lint.known_series(slos), slos, healthy=state != "busy")
    return backfill.serve(run_dir, _openmetrics(series, end, idle=state == "idle"))


def _serve(tmp_path_factory, state: str):
    prom = _start(tmp_path_factory.mktemp(f"prom-{state}"), state)
    try:
        yield prom
    finally:
        prom.stop()


@pytest.fixture(scope="module", params=["busy", "healthy"])
def prometheus(request, tmp_path_factory):
    """``busy``: every series exists, failures included; ``healthy``: nothing failed yet."""
    yield from _serve(tmp_path_factory, request.param)


@pytest.fixture(scope="module")
def idle_prometheus(tmp_path_factory):
    """Healthy, and nothing happened for the last hour: every counter stands still."""
    yield from _serve(tmp_path_factory, "idle")


def test_every_panel_and_variable_returns_data(prometheus):
    empty = []
    for model in build.models():
        for where, expr in lint.queries(model):
            why = backfill.why_empty(prometheus, expr)
            if why:
                empty.append(f"{where}: {why}")
    assert empty == [], "queries that would show No data:\n" + "\n".join(empty)


def test_on_an_idle_stack_every_panel_shows_data_or_says_why(idle_prometheus):
    """Ratios and percentiles of zero traffic are empty; the panel then says so, not No data."""
    silent = []
    for model in build.models():
        for panel in model["panels"]:
            targets = panel.get("targets", [])
            if not targets or panel["fieldConfig"]["defaults"].get("noValue"):
                continue
            if all(backfill.why_empty(idle_prometheus, t["expr"]) for t in targets):
                silent.append(f"{model['uid']}: panel {panel['title']!r}")
    assert silent == [], "panels that would show No data on an idle stack:\n" + "\n".join(silent)


def test_server_spelling_variable_yields_the_servers_label_value(prometheus):
    model = build.models()[0]
    _, expr = next(q for q in lint.queries(model) if "'taskqueue'" in q[0])
    result = prometheus.query(lint.substitute(expr))
    assert [labels["taskqueue"] for labels, _ in result] == ["dict_task_queue"]


def test_the_near_deadline_variable_yields_unix_nanoseconds(prometheus):
    """The Temporal UI link reads it as a time: Prometheus must print it as a whole number."""
    variable = next(
        v for v in build.models()[0]["templating"]["list"] if v["name"] == links.VAR_NEAR_UNTIL
    )
    query = re.fullmatch(r"query_result\((.*)\)", variable["query"]).group(1)
    [result] = prometheus_api.api(prometheus.url, "query", {"query": query})["result"]
    assert result["metric"] == {}
    printed = f"{{}} {result['value'][1]} 0"  # what query_result shows: labels, value, time
    found = re.search(variable["regex"].strip("/"), printed)
    assert found is not None and found.group(1).isdigit() and len(found.group(1)) == 19
