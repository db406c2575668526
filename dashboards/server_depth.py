"""The Temporal server in depth, as Temporal's own server dashboard shows it: history and matching
latency and errors by operation, workflow task timeouts, the timer queue's lag and the shards.

The timer queue matters to every claim: the 30-day auto-cancel is a durable timer, fired by
history's timer queue (``TimerActiveTaskUserTimer``); when the queue lags, claims outlive their
deadline although nothing failed.
"""

from __future__ import annotations

from core.catalog import server
from dashboards.model import Kind, Panel, Query, Row, Step
from dashboards.queries import IDLE, NS, or_zero, quantile, rate, series

HISTORY = (NS, 'service_name="history"')
MATCHING = (NS, 'service_name="matching"')
BACKENDS = (NS, 'service_name=~"history|matching"')
# Long polls wait up to a minute by design; they would drown every latency percentile.
NOT_LONG_POLL = 'operation!~"Poll.*"'
WORKFLOW_TASK_TIMEOUT = 'operation="TimerActiveTaskWorkflowTaskTimeout"'
TIMERS = 'operation=~"TimerActiveTask.*"'
LATENCY_STEPS = (Step("green"), Step("orange", 0.5), Step("red", 1.0))


def services() -> Row:
    return Row(
        "History and matching",
        (
            Panel(
                Kind.TIMESERIES,
                "History latency p99 by operation",
                "99th percentile latency of the history service's operations for the "
                "namespace (recording events, starting tasks, signals). Above one second every "
                "claim step slows down: check persistence latency, then history's CPU.",
                "s",
                (
                    Query(
                        quantile(0.99, server.SERVICE_LATENCY, *HISTORY, by="operation"),
                        "{{operation}}",
                    ),
                ),
                width=8,
                thresholds=LATENCY_STEPS,
                no_value=IDLE,
            ),
            Panel(
                Kind.TIMESERIES,
                "Matching latency p99 by operation",
                "99th percentile latency of the matching service's operations, long polls "
                "excluded (adding and dispatching tasks). Slow matching delays every task the "
                "worker gets: compare with schedule-to-start latency and the sync match rate.",
                "s",
                (
                    Query(
                        quantile(
                            0.99, server.SERVICE_LATENCY, *MATCHING, NOT_LONG_POLL, by="operation"
                        ),
                        "{{operation}}",
                    ),
                ),
                width=8,
                thresholds=LATENCY_STEPS,
                no_value=IDLE,
            ),
            Panel(
                Kind.TIMESERIES,
                "History and matching errors by operation",
                "Failed history and matching operations per second, by service, operation and "
                "error type. Condition-failed or not-found errors follow from normal races; "
                "Unavailable, DeadlineExceeded or Internal point at the database or an "
                "overloaded host.",
                "reqps",
                (
                    Query(
                        or_zero(
                            rate(
                                server.SERVICE_ERROR_WITH_TYPE,
                                *BACKENDS,
                                by="service_name, operation, error_type",
                            ),
                            rate(server.SERVICE_REQUESTS, *BACKENDS, by="service_name, operation"),
                        ),
                        "{{service_name}} {{operation}}: {{error_type}}",
                    ),
                ),
                width=8,
            ),
        ),
    )


def timers() -> Row:
    timeouts = rate(server.START_TO_CLOSE_TIMEOUT, NS, WORKFLOW_TASK_TIMEOUT)
    return Row(
        "Timers, task timeouts and shards",
        (
            Panel(
                Kind.TIMESERIES,
                "Workflow task timeouts",
                "Workflow tasks a worker took and did not complete in time, per second, as "
                "history counts them. Each one is retried after the timeout, delaying the "
                "claim: look for a worker that is stuck, starved of CPU or crashing mid-task.",
                "ops",
                (
                    Query(
                        or_zero(timeouts, rate(server.SERVICE_REQUESTS, *HISTORY)),
                        "workflow task timeouts",
                    ),
                ),
                width=8,
                thresholds=(Step("green"), Step("red", 0.01)),
            ),
            Panel(
                Kind.TIMESERIES,
                "Timer queue lag p99 by timer type",
                "How long after it was due a timer fired, by timer type. The 30-day auto-cancel "
                "is a user timer (TimerActiveTaskUserTimer): lag here lets claims outlive their "
                "deadline. Sustained lag above a minute means history is overloaded or its "
                "database slow.",
                "s",
                (
                    Query(
                        quantile(0.99, server.TASK_LATENCY_QUEUE, NS, TIMERS, by="operation"),
                        "{{operation}}",
                    ),
                ),
                width=8,
                thresholds=(Step("green"), Step("orange", 5), Step("red", 60)),
                no_value=IDLE,
                runbooks=("TemporalTimerQueueLagging",),
            ),
            Panel(
                Kind.STAT,
                "History shards owned",
                "Shards the history hosts own, summed. The shard count is fixed when the "
                "cluster is created; fewer owned than configured means some shards have no "
                "host and their workflows stall: check the history pods and membership.",
                "short",
                (
                    Query(
                        f"sum({series(server.NUMSHARDS, HISTORY[1])})",
                        "shards",
                    ),
                ),
                width=8,
                thresholds=(Step("blue"),),
            ),
        ),
    )
