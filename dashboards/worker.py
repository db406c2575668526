"""Worker and SDK health: throughput and failures by workflow and activity type, retries,
schedule-to-start latency, task slots, pollers, the sticky cache and the Bridge calls.

Every query reads a metric the temporalio SDK emits with the pack's ``PrometheusConfig`` (or one
of our claim metrics), with the labels the SDK really puts on it.
"""

from __future__ import annotations

from core import config
from core.catalog import sdk
from dashboards import bridge, thresholds, worker_depth
from dashboards.model import Dashboard, Kind, Panel, Query, Row, Step
from dashboards.queries import (
    IDLE,
    NS,
    RATE,
    TQ,
    or_zero,
    quantile,
    rate,
    ratio,
    series,
    share,
    variables,
)

UID = "dict-worker-sdk"
W = (NS, TQ)
WT = "workflow_type"
AT = "activity_type"
RATIO_STEPS = (Step("green"), Step("orange", 0.01), Step("red", 0.05))


def _workflows() -> Row:
    completed = rate(sdk.WORKFLOW_COMPLETED, *W, by=WT)
    failed = rate(sdk.WORKFLOW_FAILED, *W, by=WT)
    return Row(
        "Workflows",
        (
            Panel(
                Kind.TIMESERIES,
                "Workflow completions per second by type",
                "Workflows completed, failed and cancelled per second, by workflow type. A drop "
                "to zero while claims are being started means the worker is not processing: "
                "check pollers and task slots below.",
                "ops",
                (
                    Query(or_zero(completed, failed), "completed: {{workflow_type}}"),
                    Query(or_zero(failed, completed), "failed: {{workflow_type}}"),
                    Query(
                        or_zero(rate(sdk.WORKFLOW_CANCELED, *W, by=WT), completed),
                        "cancelled: {{workflow_type}}",
                    ),
                ),
                width=8,
            ),
            Panel(
                Kind.TIMESERIES,
                "Workflow failure ratio by type",
                "Failed workflows over closed (completed + failed) workflows, by type. Orange "
                "from 1%, red from 5%: look at the failure reasons in the worker logs and the "
                "Bridge errors below.",
                "percentunit",
                (Query(share(failed, completed), "{{workflow_type}}"),),
                width=8,
                thresholds=RATIO_STEPS,
                min=0,
                no_value=IDLE,
                runbooks=("TemporalWorkflowFailureRateHigh",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Average and p95 workflow duration",
                "Average and 95th percentile time from workflow start to close, by type. Claim "
                "workflows last up to 30 days by design; a jump in short workflows (status "
                "monitors) points at a slow Bridge.",
                "s",
                (
                    Query(
                        ratio(
                            rate(sdk.WORKFLOW_ENDTOEND_LATENCY, *W, by=WT, suffix="sum"),
                            rate(sdk.WORKFLOW_ENDTOEND_LATENCY, *W, by=WT, suffix="count"),
                        ),
                        "average: {{workflow_type}}",
                    ),
                    Query(
                        quantile(0.95, sdk.WORKFLOW_ENDTOEND_LATENCY, *W, by=WT),
                        "p95: {{workflow_type}}",
                    ),
                ),
                width=8,
            ),
            Panel(
                Kind.TIMESERIES,
                "Workflow task failures by reason",
                "Workflow task failures per second by type and reason. NonDeterminismError "
                "means deployed code no longer replays running histories: roll back or add "
                "a patch. Any sustained value needs attention.",
                "ops",
                (
                    Query(
                        or_zero(
                            rate(
                                sdk.WORKFLOW_TASK_EXECUTION_FAILED, *W, by=f"{WT}, failure_reason"
                            ),
                            rate(sdk.WORKFLOW_TASK_EXECUTION_LATENCY, *W, by=WT, suffix="count"),
                        ),
                        "{{workflow_type}}: {{failure_reason}}",
                    ),
                ),
                thresholds=(Step("green"), Step("red", 0.001)),
                runbooks=("TemporalWorkflowNondeterminism",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Schedule-to-start latency (workflow and activity tasks)",
                "How long tasks wait in the task queue before a worker picks them up: p50, p95 "
                "and p99. Above one second the workers are short of slots or pollers: scale "
                "the worker or raise its concurrency.",
                "s",
                tuple(
                    Query(quantile(q, metric, *W, by="task_queue"), f"{kind} p{int(q * 100)}")
                    for metric, kind in (
                        (sdk.WORKFLOW_TASK_SCHEDULE_TO_START, "workflow"),
                        (sdk.ACTIVITY_SCHEDULE_TO_START, "activity"),
                    )
                    for q in (0.5, 0.95, 0.99)
                ),
                thresholds=thresholds.schedule_to_start(),
                runbooks=(
                    "TemporalWorkflowTaskScheduleToStartSlow",
                    "TemporalActivityScheduleToStartSlow",
                ),
            ),
        ),
    )


def _activities() -> Row:
    attempts = rate(sdk.ACTIVITY_EXECUTION_LATENCY, *W, by=AT, suffix="count")
    failed = rate(sdk.ACTIVITY_EXECUTION_FAILED, *W, by=AT)
    succeeded = rate(sdk.ACTIVITY_SUCCEED_ENDTOEND_LATENCY, *W, by=AT, suffix="count")
    return Row(
        "Activities",
        (
            Panel(
                Kind.TIMESERIES,
                "Activity attempts and failures per second by type",
                "Activity attempts (retries included) and failed attempts per second, by "
                "activity. Failures that track attempts one for one mean every call fails: "
                "check the Bridge panels.",
                "ops",
                (
                    Query(attempts, "attempts: {{activity_type}}"),
                    Query(or_zero(failed, attempts), "failed: {{activity_type}}"),
                ),
                width=8,
            ),
            Panel(
                Kind.TIMESERIES,
                "Activity failure ratio by type",
                "Failed attempts over all attempts, by activity. Orange from 1%, red from "
                f"{config.current().thresholds.activity_retry_ratio:.0%}, where "
                "TemporalActivityRetryRateHigh fires: read the failure reasons in 'Activity "
                "retries' and the Bridge errors.",
                "percentunit",
                (Query(ratio(or_zero(failed, attempts), attempts), "{{activity_type}}"),),
                width=8,
                thresholds=thresholds.activity_failures(),
                min=0,
                no_value=IDLE,
                runbooks=("TemporalActivityRetryRateHigh",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Attempts per successful activity",
                "Attempts made per activity that succeeded: 1 means no retries. Above 1.5 the "
                "retry policy is absorbing a failing dependency (usually the Bridge); check "
                "its error panel before raising retry limits.",
                "short",
                (Query(ratio(attempts, succeeded), "{{activity_type}}"),),
                width=8,
                thresholds=(Step("green"), Step("orange", 1.2), Step("red", 1.5)),
                no_value=IDLE,
            ),
            Panel(
                Kind.TIMESERIES,
                "Activity retries by reason",
                "Failed activity attempts per second by activity and failure reason; each one "
                "is retried unless the error is non-retryable or attempts are exhausted. "
                "Sustained retries mean a dependency is failing: see the Bridge panels.",
                "ops",
                (
                    Query(
                        or_zero(
                            rate(sdk.ACTIVITY_EXECUTION_FAILED, *W, by=f"{AT}, failure_reason"),
                            attempts,
                        ),
                        "{{activity_type}}: {{failure_reason}}",
                    ),
                ),
            ),
            Panel(
                Kind.TIMESERIES,
                "Activity execution latency p95 by type",
                "95th percentile duration of one activity attempt, by activity. Rising latency "
                "with a steady Bridge latency points at the worker host (CPU, slots).",
                "s",
                (
                    Query(
                        quantile(0.95, sdk.ACTIVITY_EXECUTION_LATENCY, *W, by=AT),
                        "{{activity_type}}",
                    ),
                ),
            ),
        ),
    )


def _capacity() -> Row:
    by_type = "task_queue, worker_type"
    used = f"sum by ({by_type}) ({series(sdk.WORKER_TASK_SLOTS_USED, *W)})"
    free = f"sum by ({by_type}) ({series(sdk.WORKER_TASK_SLOTS_AVAILABLE, *W)})"
    hits = rate(sdk.STICKY_CACHE_HIT, *W)
    misses = rate(sdk.STICKY_CACHE_MISS, *W)
    return Row(
        "Worker capacity",
        (
            Panel(
                Kind.TIMESERIES,
                "Task slots used and available",
                "Task slots in use and free, per worker type (workflow, activity, local "
                "activity). When available reaches zero tasks wait in the queue: add workers "
                "or raise max concurrent tasks.",
                "short",
                (
                    Query(used, "used: {{worker_type}}"),
                    Query(free, "available: {{worker_type}}"),
                ),
                width=8,
                runbooks=("TemporalWorkerTaskSlotsExhausted",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Task slot utilisation",
                "Share of task slots in use per worker type. Orange from 80%, red from 95%: "
                "the worker is saturated; scale out before schedule-to-start latency grows.",
                "percentunit",
                (Query(ratio(used, f"{used} + {free}"), "{{worker_type}}"),),
                width=8,
                thresholds=(Step("green"), Step("orange", 0.8), Step("red", 0.95)),
                min=0,
                max=1,
                runbooks=("TemporalWorkerTaskSlotsExhausted",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Pollers",
                "Pollers the worker holds open per poller type. Zero workflow or activity "
                "pollers means no worker is serving the queue: check the worker deployment.",
                "short",
                (
                    Query(
                        f"sum by (poller_type) ({series(sdk.NUM_POLLERS, *W)})",
                        "{{poller_type}}",
                    ),
                ),
                width=8,
                thresholds=(Step("red"), Step("green", 1)),
                runbooks=("TemporalTaskQueueNoPollers",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Sticky cache hit ratio",
                "Share of workflow tasks served from the sticky cache. A low ratio means a "
                "full history replay on every task: raise the cache size or look for worker "
                "restarts and forced evictions.",
                "percentunit",
                (Query(share(hits, misses), "hit ratio"),),
                width=8,
                thresholds=(Step("red"), Step("orange", 0.5), Step("green", 0.8)),
                min=0,
                max=1,
                no_value=IDLE,
            ),
            Panel(
                Kind.TIMESERIES,
                "Sticky cache size, evictions and worker starts",
                "Workflows held in the sticky cache, workflows evicted from a full cache and "
                "worker (re)starts per interval. Frequent starts mean the worker crashes or is "
                "rescheduled: check its logs and memory limits.",
                "short",
                (
                    Query(
                        # Per worker, the largest series: the Go SDK repeats the cache's size
                        # for each workflow type.
                        f"sum(max by (instance, task_queue) ({series(sdk.STICKY_CACHE_SIZE, *W)}))",
                        "cached workflows",
                    ),
                    Query(
                        # The SDK creates this counter at the first eviction.
                        f"sum(increase({series(sdk.STICKY_CACHE_FORCED_EVICTION, *W)}[{RATE}]))"
                        " or vector(0)",
                        "forced evictions",
                    ),
                    Query(
                        f"sum(increase({series(sdk.WORKER_START, *W)}[{RATE}]))",
                        "worker starts",
                    ),
                ),
                width=8,
            ),
            Panel(
                Kind.TIMESERIES,
                "Requests to Temporal failing",
                "Calls the worker makes to the Temporal frontend that failed, by operation and "
                "status code. Sustained failures mean the worker cannot reach Temporal or is "
                "rate limited: see the Temporal server dashboard.",
                "ops",
                (
                    Query(
                        or_zero(
                            rate(sdk.REQUEST_FAILURE, NS, by="operation, status_code"),
                            rate(sdk.REQUEST, NS, by="operation"),
                        ),
                        "{{operation}}: {{status_code}}",
                    ),
                ),
                width=8,
            ),
        ),
    )


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UID,
        title="DICT / Worker and SDK health",
        description="The claim worker as the temporalio SDK sees it: throughput, failures, "
        "retries, latency, capacity and the Bridge calls.",
        rows=(
            _workflows(),
            _activities(),
            worker_depth.tasks(),
            _capacity(),
            worker_depth.requests(),
            bridge.row(),
        ),
        variables=variables(),
        tags=("worker", "temporal-sdk"),
    )
