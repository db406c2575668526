"""The worker's own metrics (claims, activity attempts, Bridge calls), recorded through the SDK
metric meter: the catalog is split by the source that emits a metric, and this is the worker's.

Recording through ``workflow.metric_meter()`` makes them replay-safe (the SDK drops records made
while replaying) and puts them on the same ``/metrics`` endpoint as the SDK's metrics, with the
same base labels. Histogram names here carry the unit suffix the SDK appends
(``unit_suffix=True``): the meter is given the base name and the unit ``seconds``.
"""

from __future__ import annotations

from core import domain
from core.catalog.model import Metric, MetricType, Source

C, H = MetricType.COUNTER, MetricType.HISTOGRAM
_WF = ("namespace", "service_name", "task_queue", "workflow_type")
_ACT = ("activity_type", "namespace", "service_name", "task_queue")

DAY = 86400.0
# Resolution time is judged against the 30-day deadline: dense around 29, 30 and 31 days.
CLAIM_RESOLUTION_BUCKETS = (
    3600.0, DAY, 7 * DAY, 14 * DAY, 21 * DAY, 28 * DAY, 29 * DAY, 29.5 * DAY, 30 * DAY,
    30 * DAY + 3600.0, 30.5 * DAY, 31 * DAY, 32 * DAY,
)  # fmt: skip
# Bridge calls: a healthy call is tens of milliseconds; the client deadline is seconds.
BRIDGE_CALL_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# Fixed label values; nothing else is ever recorded.
OUTCOMES = domain.RESOLUTION_OUTCOMES

CLAIMS_STARTED = Metric(
    "dict_claims_started_total",
    C,
    "Claims whose CreateClaim workflow started.",
    _WF,
    Source.WORKER,
)
CLAIMS_RESOLVED = Metric(
    "dict_claims_resolved_total",
    C,
    "Claims resolved, by outcome (confirmed, cancelled, expired).",
    (*_WF, "outcome"),
    Source.WORKER,
)
CLAIMS_REFUSED = Metric(
    "dict_claims_refused_total",
    C,
    "Claims the Bridge refused for a business reason, failing their workflow, by reason "
    "(ValidationError, KeyAlreadyExistsError). Created on the first refusal.",
    (*_WF, "reason"),
    Source.WORKER,
)
CLAIM_RESOLUTION = Metric(
    "dict_claim_resolution_seconds",
    H,
    "Time from a claim's start to its resolution, by outcome.",
    (*_WF, "outcome"),
    Source.WORKER,
    unit="seconds",
    buckets=CLAIM_RESOLUTION_BUCKETS,
)
ACTIVITY_ATTEMPTS = Metric(
    "dict_activity_attempts_total",
    C,
    "Activity attempts, retries included, by activity.",
    _ACT,
    Source.WORKER,
)
ACTIVITY_FAILURES = Metric(
    "dict_activity_failures_total",
    C,
    "Activity attempts that failed, by activity and error type.",
    (*_ACT, "error_type"),
    Source.WORKER,
)
BRIDGE_REQUEST_DURATION = Metric(
    "dict_bridge_request_duration_seconds",
    H,
    "Bridge gRPC call latency by method and gRPC status code (OK on success).",
    (*_ACT, "method", "status"),
    Source.WORKER,
    unit="seconds",
    buckets=BRIDGE_CALL_BUCKETS,
)

CLAIM_METRICS: tuple[Metric, ...] = (
    CLAIMS_STARTED,
    CLAIMS_RESOLVED,
    CLAIMS_REFUSED,
    CLAIM_RESOLUTION,
    ACTIVITY_ATTEMPTS,
    ACTIVITY_FAILURES,
    BRIDGE_REQUEST_DURATION,
)

# The worker process's own state, set once at start (no workflow or activity labels): recorded
# on the runtime's meter, which carries only ``service_name``.
BRIDGE_CLIENT_CERT_EXPIRY = Metric(
    "dict_bridge_client_certificate_expiry_timestamp_seconds",
    MetricType.GAUGE,
    "Unix time when the worker's Bridge client certificate (BRIDGE_TLS_CERT) expires; absent "
    "without mTLS.",
    ("service_name",),
    Source.WORKER,
)

PROCESS_METRICS: tuple[Metric, ...] = (BRIDGE_CLIENT_CERT_EXPIRY,)
