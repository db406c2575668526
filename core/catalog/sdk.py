"""Metrics the temporalio SDK emits inside the worker.

Names as the SDK prints them with ``PrometheusConfig(counters_total_suffix=True,
unit_suffix=True, durations_as_seconds=True)`` (temporalio 1.35.0): the ``openmetrics`` dialect.
Other SDKs spell the same base name, type and unit their own way (:mod:`core.catalog.dialects`);
bucket bounds here are in seconds, whatever unit a dialect writes them in. Every series also
carries ``service_name="temporal-core-sdk"``. The task queue label is ``task_queue`` with the
queue name as given (``dict-task-queue``), unlike the server's ``taskqueue``.
"""

from __future__ import annotations

from core.catalog.dialects import CORE_MS, OPENMETRICS
from core.catalog.model import Metric, MetricType, Source

C, G, H = MetricType.COUNTER, MetricType.GAUGE, MetricType.HISTOGRAM
_TQ = ("namespace", "service_name", "task_queue")
_WF = (*_TQ, "workflow_type")
_ACT = (*_WF, "activity_type")

# Schedule-to-start boundaries: the alerts need 0.2 s and 1 s to exist as buckets.
SCHEDULE_TO_START_BUCKETS = (0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
DAY = 86400.0
# Claim end-to-end latency reaches 30 days; the SDK's default buckets stop at 24 h.
WORKFLOW_E2E_BUCKETS = (
    1.0, 10.0, 60.0, 600.0, 3600.0, 6 * 3600.0, DAY, 7 * DAY, 14 * DAY, 21 * DAY, 28 * DAY,
    29 * DAY, 30 * DAY, 30 * DAY + 3600.0, 31 * DAY, 32 * DAY,
)  # fmt: skip


def _m(name: str, type_: MetricType, help_: str, labels: tuple[str, ...], **kw: object) -> Metric:
    return Metric(name, type_, help_, labels, Source.SDK, **kw)  # type: ignore[arg-type]


WORKFLOW_COMPLETED = _m("temporal_workflow_completed_total", C, "Workflows completed.", _WF)
WORKFLOW_FAILED = _m("temporal_workflow_failed_total", C, "Workflows failed.", _WF)
WORKFLOW_CANCELED = _m("temporal_workflow_canceled_total", C, "Workflows cancelled.", _WF)
WORKFLOW_CONTINUE_AS_NEW = _m(
    "temporal_workflow_continue_as_new_total", C, "Workflows continued as new.", _WF
)
WORKFLOW_ENDTOEND_LATENCY = _m(
    "temporal_workflow_endtoend_latency_seconds",
    H,
    "Workflow end-to-end latency, from start to close.",
    _WF,
    unit="seconds",
    buckets=WORKFLOW_E2E_BUCKETS,
)
WORKFLOW_TASK_SCHEDULE_TO_START = _m(
    "temporal_workflow_task_schedule_to_start_latency_seconds",
    H,
    "Time a workflow task waited in the queue before a worker picked it up.",
    _TQ,
    unit="seconds",
    buckets=SCHEDULE_TO_START_BUCKETS,
)
WORKFLOW_TASK_EXECUTION_LATENCY = _m(
    "temporal_workflow_task_execution_latency_seconds",
    H,
    "Workflow task execution latency.",
    _WF,
    unit="seconds",
)
WORKFLOW_TASK_EXECUTION_FAILED = _m(
    "temporal_workflow_task_execution_failed_total",
    C,
    "Workflow task failures; failure_reason=NonDeterminismError marks nondeterminism.",
    (*_WF, "failure_reason"),
)
ACTIVITY_EXECUTION_FAILED = _m(
    "temporal_activity_execution_failed_total",
    C,
    "Activity attempts that failed (each retry counts).",
    (*_ACT, "failure_reason"),
)
ACTIVITY_EXECUTION_LATENCY = _m(
    "temporal_activity_execution_latency_seconds",
    H,
    "Activity attempt execution latency.",
    _ACT,
    unit="seconds",
)
ACTIVITY_SCHEDULE_TO_START = _m(
    "temporal_activity_schedule_to_start_latency_seconds",
    H,
    "Time an activity task waited in the queue before a worker picked it up.",
    _TQ,
    unit="seconds",
    buckets=SCHEDULE_TO_START_BUCKETS,
)
ACTIVITY_SUCCEED_ENDTOEND_LATENCY = _m(
    "temporal_activity_succeed_endtoend_latency_seconds",
    H,
    "Activity latency from first schedule to success, retries included.",
    _ACT,
    unit="seconds",
)
# Core-based SDKs only (under openmetrics: our Python worker, not Go's tally or Java): no rule or
# panel reads it; attempts are the execution latency's count, which every SDK records.
ACTIVITY_TASK_RECEIVED = _m(
    "temporal_activity_task_received_total",
    C,
    "Activity tasks received.",
    (*_ACT, "eager"),
    dialects=(OPENMETRICS, CORE_MS),
)
WORKER_TASK_SLOTS_AVAILABLE = _m(
    "temporal_worker_task_slots_available",
    G,
    "Free task slots per worker type (WorkflowWorker, ActivityWorker, LocalActivityWorker).",
    (*_TQ, "worker_type"),
)
WORKER_TASK_SLOTS_USED = _m(
    "temporal_worker_task_slots_used",
    G,
    "Task slots in use per worker type.",
    (*_TQ, "worker_type"),
)
NUM_POLLERS = _m(
    "temporal_num_pollers",
    G,
    "Pollers the worker has open, by poller type.",
    (*_TQ, "poller_type"),
)
WORKER_START = _m("temporal_worker_start_total", C, "Worker starts.", _TQ)
STICKY_CACHE_SIZE = _m("temporal_sticky_cache_size", G, "Workflows in the sticky cache.", _TQ)
STICKY_CACHE_HIT = _m("temporal_sticky_cache_hit_total", C, "Sticky cache hits.", _WF)
STICKY_CACHE_MISS = _m("temporal_sticky_cache_miss_total", C, "Sticky cache misses.", _WF)
STICKY_CACHE_FORCED_EVICTION = _m(
    "temporal_sticky_cache_total_forced_eviction_total", C, "Sticky cache forced evictions.", _TQ
)
# Client requests: ``namespace`` is absent on GetSystemInfo and ``task_queue`` is present only on
# calls made for a task queue (StartWorkflowExecution, polls); the labels listed are the union.
_REQ = ("namespace", "operation", "service_name", "task_queue")
REQUEST = _m("temporal_request_total", C, "Client requests to the server.", _REQ)
REQUEST_FAILURE = _m(
    "temporal_request_failure_total",
    C,
    "Client requests to the server that failed.",
    (*_REQ, "status_code"),
)
REQUEST_LATENCY = _m(
    "temporal_request_latency_seconds",
    H,
    "Client request latency.",
    _REQ,
    unit="seconds",
)
LONG_REQUEST = _m(
    "temporal_long_request_total", C, "Long-poll requests to the server (task polls).", _REQ
)
LONG_REQUEST_FAILURE = _m(
    "temporal_long_request_failure_total",
    C,
    "Long-poll requests that failed (TRANSPORT_ERROR while the frontend is unreachable).",
    (*_REQ, "status_code"),
)
LONG_REQUEST_LATENCY = _m(
    "temporal_long_request_latency_seconds",
    H,
    "Long-poll request latency (a poll waits up to a minute for a task).",
    _REQ,
    unit="seconds",
)
WORKFLOW_TASK_REPLAY_LATENCY = _m(
    "temporal_workflow_task_replay_latency_seconds",
    H,
    "Time spent replaying history to rebuild a workflow that left the cache.",
    _WF,
    unit="seconds",
)
WORKFLOW_TASK_POLL_SUCCEED = _m(
    "temporal_workflow_task_queue_poll_succeed_total",
    C,
    "Workflow task polls that returned a task.",
    _TQ,
)
# A poll that waited its whole long-poll interval and came back without a task.
WORKFLOW_TASK_POLL_EMPTY = _m(
    "temporal_workflow_task_queue_poll_empty_total",
    C,
    "Workflow task polls that timed out with no task.",
    _TQ,
)
ACTIVITY_POLL_NO_TASK = _m(
    "temporal_activity_poll_no_task_total",
    C,
    "Activity task polls that timed out with no task.",
    _TQ,
)

SDK_METRICS: tuple[Metric, ...] = (
    WORKFLOW_COMPLETED,
    WORKFLOW_FAILED,
    WORKFLOW_CANCELED,
    WORKFLOW_CONTINUE_AS_NEW,
    WORKFLOW_ENDTOEND_LATENCY,
    WORKFLOW_TASK_SCHEDULE_TO_START,
    WORKFLOW_TASK_EXECUTION_LATENCY,
    WORKFLOW_TASK_EXECUTION_FAILED,
    ACTIVITY_EXECUTION_FAILED,
    ACTIVITY_EXECUTION_LATENCY,
    ACTIVITY_SCHEDULE_TO_START,
    ACTIVITY_SUCCEED_ENDTOEND_LATENCY,
    ACTIVITY_TASK_RECEIVED,
    WORKER_TASK_SLOTS_AVAILABLE,
    WORKER_TASK_SLOTS_USED,
    NUM_POLLERS,
    WORKER_START,
    STICKY_CACHE_SIZE,
    STICKY_CACHE_HIT,
    STICKY_CACHE_MISS,
    STICKY_CACHE_FORCED_EVICTION,
    REQUEST,
    REQUEST_FAILURE,
    REQUEST_LATENCY,
    LONG_REQUEST,
    LONG_REQUEST_FAILURE,
    LONG_REQUEST_LATENCY,
    WORKFLOW_TASK_REPLAY_LATENCY,
    WORKFLOW_TASK_POLL_SUCCEED,
    WORKFLOW_TASK_POLL_EMPTY,
    ACTIVITY_POLL_NO_TASK,
)
