"""PromQL building blocks for the panels, always from the metric catalog.

Metric names come from :mod:`core.catalog` entries and label spellings from the constants
below, so a rename is one edit and a test fails when a panel names a metric or a label the
catalog does not know. Every selector carries the pack's ``job`` of the metric's source (and the
cluster, when the pack configuration names a cluster label), as the mixins scope theirs: one
Grafana over several environments never sums them together. Template variables
(``$namespace``, ``$task_queue`` and the server's derived ``$taskqueue``) live here too, because
their spelling and the selectors that use them must agree.
"""

from __future__ import annotations

from core import config
from core.catalog import Metric, Source, exporter, sdk, server
from dashboards.model import Variable
from toolkit.selectors import in_seconds, selector

# Grafana's built-in intervals; the tests substitute them before promtool sees the query.
RATE = "$__rate_interval"
# What a ratio or percentile panel says when nothing happened in its window, instead of "No data".
IDLE = "no traffic in the window"
RANGE = "$__range"

# Template variables, as referenced in queries.
VAR_DATASOURCE = "datasource"
VAR_CLUSTER = "cluster"
VAR_NAMESPACE = "namespace"
VAR_TASK_QUEUE = "task_queue"  # SDK and exporter spelling: dict-task-queue
VAR_SERVER_TASK_QUEUE = "taskqueue"  # the server's spelling: dict_task_queue

# Label names as the sources spell them; the namespace's as the scrape does (pack configuration,
# read when the dashboards are first imported: ``dictobs --pack-config FILE dashboards build``).
L_NAMESPACE = config.current().namespace_label
L_TASK_QUEUE = "task_queue"
L_SERVER_TASK_QUEUE = "taskqueue"
L_WORKFLOW_TYPE = "workflow_type"
L_SERVER_WORKFLOW_TYPE = "workflowType"

NS = f'{L_NAMESPACE}="${VAR_NAMESPACE}"'
TQ = f'{L_TASK_QUEUE}=~"${VAR_TASK_QUEUE}"'
SERVER_TQ = f'{L_SERVER_TASK_QUEUE}=~"${VAR_SERVER_TASK_QUEUE}"'


def jobs() -> tuple[str, ...]:
    """The pack's scrape jobs: the server's, the worker's and the exporter's."""
    cfg = config.current()
    return (cfg.server_job, cfg.worker_job, cfg.exporter_job)


def scope(metric: Metric) -> tuple[str, ...]:
    """The matchers every selector of ``metric`` starts with: its source's job, and the cluster
    when the pack is multi-cluster. Prometheus' own ``up`` is limited to the pack's jobs."""
    cfg = config.current()
    job = {
        Source.SDK: cfg.worker_job,
        Source.WORKER: cfg.worker_job,
        Source.EXPORTER: cfg.exporter_job,
        Source.SERVER: cfg.server_job,
    }.get(metric.source)
    matchers = [f'job="{job}"' if job else f'job=~"{"|".join(jobs())}"']
    if cfg.cluster_label:
        matchers.append(f'{cfg.cluster_label}="${VAR_CLUSTER}"')
    return tuple(matchers)


def series(metric: Metric, *matchers: str, suffix: str = "") -> str:
    """``name{job, m1, m2}``; ``suffix`` picks a histogram series (``bucket``, ``count``,
    ``sum``)."""
    name = f"{metric.name}_{suffix}" if suffix else None
    return selector(metric, *scope(metric), *matchers, series=name)


def rate(metric: Metric, *matchers: str, by: str = "", suffix: str = "", window: str = RATE) -> str:
    """``sum by (by) (rate(metric{...}[window]))``; without ``by`` a plain sum. A histogram's
    ``sum`` is in seconds, whatever unit the SDK dialect records it in."""
    inner = f"rate({series(metric, *matchers, suffix=suffix)}[{window}])"
    summed = f"sum by ({by}) ({inner})" if by else f"sum({inner})"
    return in_seconds(metric, summed) if suffix == "sum" else summed


def increase(metric: Metric, *matchers: str, by: str = "", window: str = RANGE) -> str:
    inner = f"increase({series(metric, *matchers)}[{window}])"
    return f"sum by ({by}) ({inner})" if by else f"sum({inner})"


def quantile(q: float, metric: Metric, *matchers: str, by: str = "") -> str:
    """The ``q`` quantile of a catalog histogram, per ``by`` group; a duration in seconds."""
    group = f"{by}, le" if by else "le"
    buckets = f"sum by ({group}) (rate({series(metric, *matchers, suffix='bucket')}[{RATE}]))"
    return in_seconds(metric, f"histogram_quantile({q}, {buckets})")


def ratio(numerator: str, denominator: str) -> str:
    """``num / den`` where a zero denominator yields nothing rather than NaN or Inf."""
    return f"({numerator}) / ({denominator} > 0)"


def or_zero(a: str, b: str) -> str:
    """``a``, or 0 for every group present only in ``b``: a ratio reads 0 instead of empty."""
    return f"({a} or {b} * 0)"


def share(part: str, rest: str) -> str:
    """part / (part + rest) per group; 0, not empty, for groups where ``part`` never happened."""
    p, r = or_zero(part, rest), or_zero(rest, part)
    return ratio(p, f"{p} + {r}")


def buckets(metric: Metric, *matchers: str, window: str = RATE) -> str:
    """Bucket increases per ``le``: what heatmaps and bucket bar gauges plot."""
    inner = f"increase({series(metric, *matchers, suffix='bucket')}[{window}])"
    return f"sum by (le) ({inner})"


# --- template variables -----------------------------------------------------------------------

# Every live worker exports pollers and the exporter describes every configured queue, so the
# union of the two lists namespaces and queues even while one of the sources is down.
_QUEUE_SOURCES = (sdk.NUM_POLLERS, exporter.TASK_QUEUE_POLLERS)


def _union(*matchers: str) -> str:
    return " or ".join(series(m, *matchers) for m in _QUEUE_SOURCES)


def _dashes_to_underscores(expr: str, label: str, depth: int = 8) -> str:
    """Nested ``label_replace`` turning each ``-`` of ``label`` into ``_`` (up to ``depth``).

    Each level rewrites the last dash; a value without dashes does not match and stays as is.
    """
    for _ in range(depth):
        expr = f'label_replace({expr}, "{label}", "${{1}}_${{2}}", "{label}", "(.*)-(.*)")'
    return expr


def cluster_variable() -> Variable:
    """The cluster to show: picked from the pack's targets when the pack configuration names a
    cluster label; otherwise a hidden constant no query reads (single-cluster)."""
    cfg = config.current()
    if not cfg.cluster_label:
        return Variable(VAR_CLUSTER, "Cluster", "", "", constant=True, hidden=True)
    label = cfg.cluster_label
    targets = selector(server.UP, scope(server.UP)[0])  # every cluster's, not the chosen one's
    return Variable(
        name=VAR_CLUSTER,
        label="Cluster",
        query=f"count by ({label}) ({targets})",
        regex=f'/{label}="([^"]+)"/',
    )


def variables() -> tuple[Variable, ...]:
    """Cluster, namespace, task queue, and the server's spelling of the task queue derived from
    it; namespace and task queue default to the pack configuration's."""
    cfg = config.current()
    namespace = Variable(
        name=VAR_NAMESPACE,
        label="Namespace",
        query=f"count by ({L_NAMESPACE}) ({_union()})",
        regex=f'/{L_NAMESPACE}="([^"]+)"/',
        default=cfg.namespace,
    )
    task_queue = Variable(
        name=VAR_TASK_QUEUE,
        label="Task queue",
        query=f"count by ({L_TASK_QUEUE}) ({_union(NS)})",
        regex=f'/{L_TASK_QUEUE}="([^"]+)"/',
        default=cfg.task_queue,
        multi=True,
        include_all=True,
    )
    copied = (
        f"label_replace(count by ({L_TASK_QUEUE}) ({_union(NS, TQ)}), "
        f'"{L_SERVER_TASK_QUEUE}", "$1", "{L_TASK_QUEUE}", "(.*)")'
    )
    server_task_queue = Variable(
        name=VAR_SERVER_TASK_QUEUE,
        label="Task queue (server spelling)",
        query=f"count by ({L_SERVER_TASK_QUEUE}) "
        f"({_dashes_to_underscores(copied, L_SERVER_TASK_QUEUE)})",
        regex=f'/{L_SERVER_TASK_QUEUE}="([^"]+)"/',
        default="$__all",
        multi=True,
        include_all=True,
        hidden=True,
    )
    return (cluster_variable(), namespace, task_queue, server_task_queue)


def server_spelling(task_queue: str) -> str:
    """What the derived variable yields: ``dict-task-queue`` → ``dict_task_queue``."""
    return task_queue.replace("-", "_")
