"""Metrics the claim exporter serves, computed from the Temporal visibility and task-queue APIs.

Values are cached: the exporter refreshes in the background and serves the last complete
snapshot, so each HELP says so.
"""

from __future__ import annotations

from core.catalog.model import Metric, MetricType, Source

C, G, INFO = MetricType.COUNTER, MetricType.GAUGE, MetricType.INFO
_NS = ("namespace",)
_TQ = ("namespace", "task_queue", "task_type")


def _m(name: str, type_: MetricType, help_: str, labels: tuple[str, ...] = _NS) -> Metric:
    return Metric(name, type_, help_, labels, Source.EXPORTER)


CLAIMS_OPEN = _m(
    "dict_claims_open",
    G,
    "Open claims by claim status search attribute (cached).",
    (*_NS, "status"),
)
WORKFLOWS_OPEN = _m(
    "dict_workflows_open",
    G,
    "Open workflows by workflow type (cached).",
    (*_NS, "workflow_type"),
)
CLAIMS_OPEN_OLDER_THAN = _m(
    "dict_claims_open_older_than",
    G,
    'Open claims started longer ago than the age threshold, e.g. age="28d" (cached).',
    (*_NS, "age"),
)
CLAIM_OLDEST_OPEN_AGE = _m(
    "dict_claim_oldest_open_age_seconds",
    G,
    "Age of the oldest open claim, to the exporter's search resolution (cached).",
)
CLAIMS_NEAR_DEADLINE = _m(
    "dict_claims_near_deadline",
    G,
    "Open claims whose deadline falls within the near-deadline window (default 48h; cached).",
    (*_NS, "window"),
)
CLAIM_EARLIEST_DEADLINE = _m(
    "dict_claim_earliest_deadline_timestamp_seconds",
    G,
    "Unix time of the earliest deadline of an open claim, at most the exporter's search "
    "resolution early; absent when no open claim has a deadline (cached).",
)
CLAIMS_OVERDUE = _m(
    "dict_claims_overdue",
    G,
    "Open claims past their deadline: the auto-cancel did not happen (cached).",
)
CLAIMS_CLOSED_RECENT = _m(
    "dict_claims_closed_recent",
    G,
    "Claims closed within the lookback window, by outcome (cached).",
    (*_NS, "outcome", "window"),
)
CLAIMS_CLOSED_UNRESOLVED = _m(
    "dict_claims_closed_unresolved",
    G,
    "Claims whose workflow closed (failed, timed out, terminated, cancelled) while the claim was "
    "still open at the Bridge, by how the execution closed; within visibility retention "
    "(cached).",
    (*_NS, "outcome"),
)
CLAIMS_STUCK = _m(
    "dict_claims_stuck",
    G,
    "Open claims held longer than the stuck-after setting (default 1h) in a status a healthy "
    "claim leaves within minutes (OPEN, CONFIRMED), by status (cached).",
    (*_NS, "status"),
)
# Not ``..._backlog_count``: a gauge ending in ``_count`` fails ``promtool check metrics`` (the
# suffix belongs to histograms and summaries).
TASK_QUEUE_BACKLOG = _m(
    "dict_task_queue_backlog_tasks",
    G,
    "Approximate number of tasks in the task queue's backlog, from DescribeTaskQueue (cached).",
    _TQ,
)
TASK_QUEUE_BACKLOG_AGE = _m(
    "dict_task_queue_backlog_age_seconds",
    G,
    "Age of the oldest task in the backlog from DescribeTaskQueue (cached).",
    _TQ,
)
TASK_QUEUE_ADD_RATE = _m(
    "dict_task_queue_tasks_add_rate",
    G,
    "Tasks added per second, as the server estimates it (cached).",
    _TQ,
)
TASK_QUEUE_DISPATCH_RATE = _m(
    "dict_task_queue_tasks_dispatch_rate",
    G,
    "Tasks dispatched per second, as the server estimates it (cached).",
    _TQ,
)
TASK_QUEUE_POLLERS = _m(
    "dict_task_queue_pollers",
    G,
    "Pollers the server saw recently on the task queue (cached).",
    _TQ,
)
EXPORTER_UP = _m("dict_exporter_up", G, "1 when the last refresh from Temporal succeeded.", ())
EXPORTER_LAST_SUCCESS = _m(
    "dict_exporter_last_success_timestamp_seconds",
    G,
    "Unix time of the last successful refresh.",
    (),
)
EXPORTER_REFRESH_DURATION = _m(
    "dict_exporter_refresh_duration_seconds",
    G,
    "Duration of the last refresh.",
    (),
)
EXPORTER_VISIBILITY_CALLS = _m(
    "dict_exporter_visibility_calls_total",
    C,
    "Calls made to the Temporal APIs, by call type (count_workflows, describe_task_queue).",
    ("call",),
)
EXPORTER_VISIBILITY_CALL_FAILURES = _m(
    "dict_exporter_visibility_call_failures_total",
    C,
    "Calls to the Temporal APIs that failed, by call type.",
    ("call",),
)
EXPORTER_RATE_LIMITED = _m(
    "dict_exporter_rate_limited_calls_total",
    C,
    "Calls to the Temporal APIs refused with RESOURCE_EXHAUSTED (a rate limit), by call type; "
    "each is retried after a backoff and counts among the failures too.",
    ("call",),
)
EXPORTER_REFRESHES = _m(
    "dict_exporter_refreshes_total",
    C,
    "Background refreshes by result: success, failed, abandoned (overran the deadline).",
    ("result",),
)
EXPORTER_BUILD_INFO = _m(
    "dict_exporter_build_info",
    INFO,
    "Exporter build information.",
    ("version", "temporalio_version"),
)
EXPORTER_SERVING_CERT_EXPIRY = _m(
    "dict_exporter_serving_certificate_expiry_timestamp_seconds",
    G,
    "Unix time when the certificate /metrics is served with (web config) expires; absent "
    "without TLS.",
    (),
)

EXPORTER_METRICS: tuple[Metric, ...] = (
    CLAIMS_OPEN,
    WORKFLOWS_OPEN,
    CLAIMS_OPEN_OLDER_THAN,
    CLAIM_OLDEST_OPEN_AGE,
    CLAIMS_NEAR_DEADLINE,
    CLAIM_EARLIEST_DEADLINE,
    CLAIMS_OVERDUE,
    CLAIMS_CLOSED_RECENT,
    CLAIMS_CLOSED_UNRESOLVED,
    CLAIMS_STUCK,
    TASK_QUEUE_BACKLOG,
    TASK_QUEUE_BACKLOG_AGE,
    TASK_QUEUE_ADD_RATE,
    TASK_QUEUE_DISPATCH_RATE,
    TASK_QUEUE_POLLERS,
    EXPORTER_UP,
    EXPORTER_LAST_SUCCESS,
    EXPORTER_REFRESH_DURATION,
    EXPORTER_VISIBILITY_CALLS,
    EXPORTER_VISIBILITY_CALL_FAILURES,
    EXPORTER_RATE_LIMITED,
    EXPORTER_REFRESHES,
    EXPORTER_BUILD_INFO,
    EXPORTER_SERVING_CERT_EXPIRY,
)
