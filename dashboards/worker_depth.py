"""The SDK in depth, as Temporal's own SDK dashboard shows it: workflow task execution and
replay, activity end-to-end latency, and the worker's requests to Temporal (RPC calls by
operation, long polls and their failures, polls that came back empty).

Replay matters here more than in most deployments: a claim workflow lives up to 30 days, and a
worker that lost it from its cache rebuilds it from the whole history.
"""

from __future__ import annotations

from core.catalog import Metric, sdk
from dashboards.model import Kind, Panel, Query, Row, Step
from dashboards.queries import IDLE, NS, TQ, or_zero, quantile, rate

W = (NS, TQ)
WT = "workflow_type"
P95 = 0.95
LATENCY_STEPS = (Step("green"), Step("orange", 0.5), Step("red", 1.0))


def _p95(metric: Metric, by: str, *matchers: str) -> str:
    return quantile(P95, metric, *matchers, by=by)


def tasks() -> Row:
    return Row(
        "Workflow tasks, replay and activities end to end",
        (
            Panel(
                Kind.TIMESERIES,
                "Workflow task execution latency p95 by type",
                "How long the worker takes to run one workflow task, by workflow type. Workflow "
                "code should only decide; above half a second look for blocking calls or heavy "
                "computation in the workflow, or a starved worker host.",
                "s",
                (Query(_p95(sdk.WORKFLOW_TASK_EXECUTION_LATENCY, WT, *W), "{{workflow_type}}"),),
                width=8,
                thresholds=LATENCY_STEPS,
                no_value=IDLE,
            ),
            Panel(
                Kind.TIMESERIES,
                "Workflow replay latency p95 by type",
                "Time to replay a workflow's history when it is not in the sticky cache, by "
                "type. It grows with the history: a 30-day claim replays everything it did. "
                "Rising replay time means larger histories or cache misses: check the sticky "
                "cache panels and consider continue-as-new for long-lived workflows.",
                "s",
                (Query(_p95(sdk.WORKFLOW_TASK_REPLAY_LATENCY, WT, *W), "{{workflow_type}}"),),
                width=8,
                thresholds=LATENCY_STEPS,
                no_value=IDLE,
            ),
            Panel(
                Kind.TIMESERIES,
                "Activity end-to-end latency p95 by type",
                "Time from an activity's first schedule to its success, retries and backoff "
                "included, by activity. Far above the execution latency means retries: read "
                "the activity retries and the Bridge errors.",
                "s",
                (
                    Query(
                        _p95(sdk.ACTIVITY_SUCCEED_ENDTOEND_LATENCY, "activity_type", *W),
                        "{{activity_type}}",
                    ),
                ),
                width=8,
                no_value=IDLE,
            ),
        ),
    )


def requests() -> Row:
    polls = rate(sdk.LONG_REQUEST, *W, by="operation")
    return Row(
        "Requests to Temporal",
        (
            Panel(
                Kind.TIMESERIES,
                "Requests to Temporal by operation",
                "Calls per second the worker makes to the Temporal frontend, by operation "
                "(task completions, heartbeats, signals). A drop to zero with work pending "
                "means the worker lost its connection: see the long-poll failures.",
                "reqps",
                (Query(rate(sdk.REQUEST, NS, by="operation"), "{{operation}}"),),
                width=8,
            ),
            Panel(
                Kind.TIMESERIES,
                "Request latency p95 by operation",
                "95th percentile latency of the worker's calls to the frontend, by operation. "
                "Above one second task completions slow down every claim: compare with the "
                "server's frontend latency to see whether the network or the server is slow.",
                "s",
                (Query(_p95(sdk.REQUEST_LATENCY, "operation", NS), "{{operation}}"),),
                width=8,
                thresholds=LATENCY_STEPS,
                no_value=IDLE,
            ),
            Panel(
                Kind.TIMESERIES,
                "Long-poll failures by operation",
                "Task polls per second that failed, by operation and status code. "
                "TRANSPORT_ERROR means the frontend is unreachable: no task reaches the worker "
                "until it is back; check the network path and the frontend.",
                "reqps",
                (
                    Query(
                        or_zero(
                            rate(sdk.LONG_REQUEST_FAILURE, *W, by="operation, status_code"),
                            polls,
                        ),
                        "{{operation}}: {{status_code}}",
                    ),
                ),
                width=8,
                thresholds=(Step("green"), Step("red", 0.01)),
            ),
            Panel(
                Kind.TIMESERIES,
                "Long-poll latency p95 by operation",
                "How long a task poll waits before it gets a task or times out (up to a "
                "minute). Near the maximum the worker is idle; near zero it is busy and tasks "
                "may be waiting: compare with schedule-to-start latency.",
                "s",
                (Query(_p95(sdk.LONG_REQUEST_LATENCY, "operation", *W), "{{operation}}"),),
                width=12,
                no_value=IDLE,
            ),
            Panel(
                Kind.TIMESERIES,
                "Empty polls per second",
                "Task polls that waited their whole long-poll interval and came back with no "
                "task. Many empty polls with no backlog are normal for an idle worker; empty "
                "polls while the backlog grows mean the worker polls another queue or "
                "namespace than the one the claims use.",
                "reqps",
                tuple(
                    Query(or_zero(rate(metric, *W), rate(sdk.LONG_REQUEST, *W)), kind)
                    for metric, kind in (
                        (sdk.WORKFLOW_TASK_POLL_EMPTY, "workflow task polls"),
                        (sdk.ACTIVITY_POLL_NO_TASK, "activity task polls"),
                    )
                ),
                width=12,
            ),
        ),
    )
