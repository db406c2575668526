"""Metrics the Temporal server emits (server 1.32 as shipped in the Temporal CLI 1.9.1), and the
series Prometheus makes itself.

Server metrics have no ``_total`` suffix, label the task queue ``taskqueue`` with ``-`` turned
into ``_`` (``dict_task_queue``) and split a queue into partitions (sum over ``partition``).
Every series carries ``service_name`` (frontend, history, matching, worker).

Checked against a running dev server (``tests/alerts/test_alerts_server_catalog.py`` repeats the
check for the series ordinary traffic produces): errors are ``service_error_with_type`` with
``error_type="serviceerror_<Type>"``; a rate-limited call (``frontend.namespaceRPS``) counts in
``service_error_with_type{error_type="serviceerror_ResourceExhausted"}`` and in
``service_errors_resource_exhausted{resource_exhausted_cause="RpsLimit",
resource_exhausted_scope="Namespace"}``; persistence latency is the ``persistence_latency``
histogram in seconds; history counts closed executions in ``workflow_success``, ``_failed``,
``_timeout``, ``_terminate`` and ``_cancel``, labelled ``workflowType`` (camel case). Matching's
poll counters carry worker-versioning labels, and 1.32 also emits ``pri_poll_success*`` twins
from the priority matcher (same counts; not used here). Activities dispatched eagerly never pass
through a poll. ``approximate_backlog_*`` appear per
partition (the dev server has four) once tasks wait, with the same versioning labels and, for the
count, a ``task_priority``. Shard-level persistence calls (task reads, shard updates) carry
``namespace="system"``, calls made before a namespace is known ``namespace="_unknown_"``.
"""

from __future__ import annotations

from core.catalog.model import TARGET_LABELS, Metric, MetricType, Source

C, G, H = MetricType.COUNTER, MetricType.GAUGE, MetricType.HISTOGRAM
_OP = ("namespace", "operation", "service_name")
_TQ = ("namespace", "operation", "service_name", "taskqueue", "task_type", "partition")
_POLL = (
    *_TQ,
    "namespace_state",
    "worker_build_id",
    "worker_deployment_name",
    "worker_version",
)


def _m(name: str, type_: MetricType, help_: str, labels: tuple[str, ...]) -> Metric:
    return Metric(name, type_, help_, labels, Source.SERVER)


SERVICE_REQUESTS = _m("service_requests", C, "Requests served, by service and operation.", _OP)
SERVICE_ERROR_WITH_TYPE = _m(
    "service_error_with_type",
    C,
    "Requests that failed, by error type (serviceerror_Internal, serviceerror_NotFound, ...).",
    (*_OP, "error_type"),
)
SERVICE_ERRORS_RESOURCE_EXHAUSTED = _m(
    "service_errors_resource_exhausted",
    C,
    "Requests rejected with RESOURCE_EXHAUSTED, by cause (rate limits, busy workflow, ...).",
    (*_OP, "resource_exhausted_cause", "resource_exhausted_scope"),
)
SERVICE_LATENCY = _m("service_latency", H, "Request latency in seconds.", _OP)
PERSISTENCE_REQUESTS = _m("persistence_requests", C, "Persistence requests.", _OP)
PERSISTENCE_ERROR_WITH_TYPE = _m(
    "persistence_error_with_type", C, "Persistence errors by type.", (*_OP, "error_type")
)
PERSISTENCE_LATENCY = _m("persistence_latency", H, "Persistence latency in seconds.", _OP)
APPROXIMATE_BACKLOG_COUNT = _m(
    "approximate_backlog_count",
    G,
    "Matching's estimate of the task-queue backlog per partition and priority; 0 once an idle "
    "queue unloads (sum over partition and task_priority).",
    (*_POLL, "task_priority"),
)
APPROXIMATE_BACKLOG_AGE = _m(
    "approximate_backlog_age_seconds",
    G,
    "Age of the oldest task in the backlog; 0 once an idle queue unloads.",
    _POLL,
)
POLL_SUCCESS = _m("poll_success", C, "Polls that returned a task.", _POLL)
POLL_SUCCESS_SYNC = _m(
    "poll_success_sync", C, "Polls that returned a task matched synchronously.", _POLL
)
RESTARTS = _m("restarts", C, "Server service (re)starts.", ("service_name",))
# From a history task's scheduled time (a timer's fire time) to its completion: the timer
# queue's processing lag for operation TimerActiveTaskUserTimer (workflow timers, such as the
# claim's 30-day deadline). Appears once a task of the kind ran.
TASK_LATENCY_QUEUE = _m(
    "task_latency_queue",
    H,
    "History task latency from scheduled to done, including queueing and retries, in seconds.",
    (
        "archetype",
        "namespace",
        "operation",
        "queue_reader_id",
        "service_name",
        "task_priority",
        "task_type",
    ),
)
# How workflow executions closed, counted by history once per closed run. The only place a
# timed-out or terminated execution is counted: the SDK never sees those. Note ``workflowType``.
_CLOSED = ("namespace", "namespace_state", "operation", "service_name", "taskqueue", "workflowType")
WORKFLOW_SUCCESS = _m("workflow_success", C, "Workflow executions that completed.", _CLOSED)
WORKFLOW_FAILED = _m("workflow_failed", C, "Workflow executions that failed.", _CLOSED)
WORKFLOW_TIMEOUT = _m(
    "workflow_timeout", C, "Workflow executions that hit their execution or run timeout.", _CLOSED
)
WORKFLOW_TERMINATE = _m("workflow_terminate", C, "Workflow executions terminated.", _CLOSED)
WORKFLOW_CANCEL = _m("workflow_cancel", C, "Workflow executions cancelled on request.", _CLOSED)
NUMSHARDS = _m(
    "numshards_gauge", G, "History shards the history host owns.", ("operation", "service_name")
)
# Counted by history when a task's start-to-close timer fires: a workflow task a worker took and
# never completed is ``operation="TimerActiveTaskWorkflowTaskTimeout"``.
START_TO_CLOSE_TIMEOUT = _m(
    "start_to_close_timeout",
    C,
    "Workflow and activity tasks that hit their start-to-close timeout, by timer task type.",
    ("first_attempt", "namespace", "operation", "service_name", "versioning_behavior"),
)
UP = Metric(
    "up",
    MetricType.GAUGE,
    "1 when Prometheus' last scrape of the target worked.",
    TARGET_LABELS,
    Source.PROMETHEUS,
)

SERVER_METRICS: tuple[Metric, ...] = (
    SERVICE_REQUESTS,
    SERVICE_ERROR_WITH_TYPE,
    SERVICE_ERRORS_RESOURCE_EXHAUSTED,
    SERVICE_LATENCY,
    PERSISTENCE_REQUESTS,
    PERSISTENCE_ERROR_WITH_TYPE,
    PERSISTENCE_LATENCY,
    APPROXIMATE_BACKLOG_COUNT,
    APPROXIMATE_BACKLOG_AGE,
    POLL_SUCCESS,
    POLL_SUCCESS_SYNC,
    RESTARTS,
    TASK_LATENCY_QUEUE,
    WORKFLOW_SUCCESS,
    WORKFLOW_FAILED,
    WORKFLOW_TIMEOUT,
    WORKFLOW_TERMINATE,
    WORKFLOW_CANCEL,
    NUMSHARDS,
    START_TO_CLOSE_TIMEOUT,
    UP,
)
