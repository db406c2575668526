"""Task queues: backlog count and age per queue and task type, add and dispatch rates, sync
matches and pollers, with the exporter's view (DescribeTaskQueue) beside the server's own
metrics.

The two views disagree on purpose: the server's ``approximate_backlog_*`` reads 0 once an idle
queue unloads (about five minutes), while the exporter asks DescribeTaskQueue and sees the
backlog of an unloaded queue too. The server spells the queue ``taskqueue="dict_task_queue"``
and splits it in partitions; the panels sum over the partitions.
"""

from __future__ import annotations

from core import config
from core.catalog import Metric, Source, exporter, sdk, server
from dashboards import thresholds
from dashboards.model import Dashboard, Format, Kind, Panel, Query, Row, Step
from dashboards.queries import (
    IDLE,
    NS,
    SERVER_TQ,
    TQ,
    or_zero,
    quantile,
    rate,
    ratio,
    series,
    variables,
)

UID = "dict-task-queues"
E = (NS, TQ)  # exporter and SDK series
S = (NS, SERVER_TQ)  # server series
E_BY = "task_queue, task_type"
S_BY = "taskqueue, task_type"
AGE_STEPS = (Step("green"), Step("orange", 60), Step("red", 300))


def _server_queues() -> str:
    """Queues and task types the server has dispatched from: the server drops its backlog
    gauges for an empty or unloaded queue, so these fill in the zero."""
    return f"sum by ({S_BY}) ({series(server.POLL_SUCCESS, *S)})"


def _gauge(metric: Metric, by: str, agg: str = "sum") -> str:
    """A gauge aggregated per queue and type, with the matchers of its source's spelling."""
    matchers = S if metric.source is Source.SERVER else E
    return f"{agg} by ({by}) ({series(metric, *matchers)})"


def _backlog() -> Row:
    return Row(
        "Backlog",
        (
            Panel(
                Kind.TIMESERIES,
                "Backlog count (exporter, DescribeTaskQueue)",
                "Tasks waiting per queue and task type, as DescribeTaskQueue reports them. "
                "Orange from 100, red from 1000: workers are not keeping up; check pollers, "
                "slots and schedule-to-start on the worker dashboard.",
                "short",
                (
                    Query(
                        _gauge(exporter.TASK_QUEUE_BACKLOG, E_BY),
                        "{{task_queue}} {{task_type}}",
                    ),
                ),
                thresholds=thresholds.backlog(),
                runbooks=("TemporalTaskQueueBacklogHigh",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Backlog count (server, summed over partitions)",
                "The matching service's backlog estimate per queue and task type. It drops to "
                "0 when an idle queue unloads, so trust the exporter's view when they differ; "
                "red from 1000 as on the left.",
                "short",
                (
                    Query(
                        or_zero(_gauge(server.APPROXIMATE_BACKLOG_COUNT, S_BY), _server_queues()),
                        "{{taskqueue}} {{task_type}}",
                    ),
                ),
                thresholds=thresholds.backlog(),
                runbooks=("TemporalTaskQueueBacklogHigh",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Backlog age (exporter)",
                "Age of the oldest waiting task per queue and task type. Orange from one "
                "minute, red from five: tasks wait too long; scale the worker or find what "
                "blocks it.",
                "s",
                (
                    Query(
                        _gauge(exporter.TASK_QUEUE_BACKLOG_AGE, E_BY, "max"),
                        "{{task_queue}} {{task_type}}",
                    ),
                ),
                thresholds=AGE_STEPS,
            ),
            Panel(
                Kind.TIMESERIES,
                "Backlog age (server, oldest partition)",
                "The matching service's age of the oldest backlog task, taking the oldest "
                "partition. Reads 0 for an unloaded queue; red from five minutes.",
                "s",
                (
                    Query(
                        or_zero(
                            _gauge(server.APPROXIMATE_BACKLOG_AGE, S_BY, "max"), _server_queues()
                        ),
                        "{{taskqueue}} {{task_type}}",
                    ),
                ),
                thresholds=AGE_STEPS,
            ),
            Panel(
                Kind.TABLE,
                "Backlog now by queue and task type",
                "Current backlog per queue and task type (exporter). Use it to find which "
                "queue holds the tasks when the graphs above turn red.",
                "short",
                (
                    Query(
                        _gauge(exporter.TASK_QUEUE_BACKLOG, E_BY),
                        instant=True,
                        format=Format.TABLE,
                    ),
                ),
                width=24,
                height=6,
                thresholds=thresholds.backlog(),
                runbooks=("TemporalTaskQueueBacklogHigh",),
            ),
        ),
    )


def _rates() -> Row:
    polls = rate(server.POLL_SUCCESS, *S, by=S_BY)
    sync = rate(server.POLL_SUCCESS_SYNC, *S, by=S_BY)
    return Row(
        "Rates and matching",
        (
            Panel(
                Kind.TIMESERIES,
                "Add and dispatch rate (exporter)",
                "Tasks added and dispatched per second per queue and type, as the server "
                "estimates them. Add above dispatch for minutes means the backlog grows: "
                "add workers.",
                "ops",
                (
                    Query(
                        _gauge(exporter.TASK_QUEUE_ADD_RATE, E_BY),
                        "add {{task_queue}} {{task_type}}",
                    ),
                    Query(
                        _gauge(exporter.TASK_QUEUE_DISPATCH_RATE, E_BY),
                        "dispatch {{task_queue}} {{task_type}}",
                    ),
                ),
            ),
            Panel(
                Kind.TIMESERIES,
                "Dispatch rate (server polls that got a task)",
                "Polls that returned a task per second, per queue and type: the server's view "
                "of dispatch. Zero with a backlog means no worker polls the queue.",
                "ops",
                (Query(polls, "{{taskqueue}} {{task_type}}"),),
            ),
            Panel(
                Kind.TIMESERIES,
                "Sync match rate",
                "Share of dispatched tasks handed straight to a waiting poller instead of "
                "going through the backlog. Orange below "
                f"{config.current().thresholds.sync_match_ratio:.0%}, where "
                "TemporalSyncMatchRateLow warns: workers are not polling fast enough; add "
                "pollers or workers.",
                "percentunit",
                (Query(ratio(or_zero(sync, polls), polls), "{{taskqueue}} {{task_type}}"),),
                thresholds=thresholds.sync_match(),
                min=0,
                max=1,
                no_value=IDLE,
                runbooks=("TemporalSyncMatchRateLow",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Pollers (exporter and worker)",
                "Pollers the server saw recently per queue and type, and pollers the worker "
                "says it holds. Zero means nothing serves the queue: check the worker "
                "deployment.",
                "short",
                (
                    Query(
                        _gauge(exporter.TASK_QUEUE_POLLERS, E_BY),
                        "server saw: {{task_queue}} {{task_type}}",
                    ),
                    Query(
                        f"sum by (task_queue, poller_type) ({series(sdk.NUM_POLLERS, *E)})",
                        "worker holds: {{task_queue}} {{poller_type}}",
                    ),
                ),
                thresholds=(Step("red"), Step("green", 1)),
                runbooks=("TemporalTaskQueueNoPollers",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Schedule-to-start p95 per queue (worker)",
                "95th percentile wait of workflow and activity tasks in each queue, as the "
                "worker measures it. Above one second the queue is backlogged.",
                "s",
                (
                    Query(
                        quantile(0.95, sdk.WORKFLOW_TASK_SCHEDULE_TO_START, *E, by="task_queue"),
                        "workflow {{task_queue}}",
                    ),
                    Query(
                        quantile(0.95, sdk.ACTIVITY_SCHEDULE_TO_START, *E, by="task_queue"),
                        "activity {{task_queue}}",
                    ),
                ),
                width=24,
                thresholds=thresholds.schedule_to_start(),
                runbooks=(
                    "TemporalWorkflowTaskScheduleToStartSlow",
                    "TemporalActivityScheduleToStartSlow",
                ),
            ),
        ),
    )


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UID,
        title="DICT / Task queues",
        description="Backlog, rates and matching of the claim task queues: the exporter's view "
        "(DescribeTaskQueue) beside the Temporal server's metrics.",
        rows=(_backlog(), _rates()),
        variables=variables(),
        tags=("temporal", "task-queues"),
    )
