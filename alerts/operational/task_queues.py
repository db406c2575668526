"""Worker capacity and the task queue: schedule-to-start, slots, pollers, backlog."""

from __future__ import annotations

from alerts.operational.common import Group, Rule, alert
from alerts.operational.common import group as make_group
from core.catalog import Metric, exporter, sdk, server
from core.config import PackConfig
from toolkit.selectors import in_seconds, sel


def _p99(cfg: PackConfig, metric: Metric) -> str:
    buckets = sel(metric, metric.bucket, **cfg.queue_labels(cfg.worker_job))
    by = cfg.by("namespace", "task_queue", "le")
    # In seconds whatever unit the SDK dialect records durations in: the threshold's unit.
    return in_seconds(metric, f"histogram_quantile(0.99, sum by ({by}) (rate({buckets}[5m])))")


def _schedule_to_start(cfg: PackConfig, name: str, metric: Metric, what: str) -> Rule:
    # A warning only: workers too slow for users is the worker-responsiveness SLO's page.
    threshold = cfg.thresholds.schedule_to_start_warning_seconds
    return alert(
        cfg,
        name,
        f"{_p99(cfg, metric)}\n> {threshold:g}",
        for_="10m",
        severity="warning",
        summary=f"{what} wait too long for a worker.",
        description=(
            "p99 schedule-to-start of " + what.lower() + " on {{ $labels.task_queue }} "
            "is {{ $value | humanizeDuration }} "
            f"(threshold {threshold:g}s for 10m): workers are too few or saturated."
        ),
    )


def slots_exhausted(cfg: PackConfig) -> str:
    slots = sel(sdk.WORKER_TASK_SLOTS_AVAILABLE, **cfg.queue_labels(cfg.worker_job))
    return f"max by ({cfg.by('namespace', 'task_queue', 'worker_type')}) ({slots}) == 0"


def no_pollers(cfg: PackConfig) -> str:
    # The server's view, through the exporter: nothing polled the queue. A worker whose own
    # scrape fails may still be polling; that is DictWorkerDown, a warning.
    seen = sel(exporter.TASK_QUEUE_POLLERS, **cfg.queue_labels(cfg.exporter_job))
    return f"min by ({cfg.by('namespace', 'task_queue')}) ({seen}) == 0"


def worker_down(cfg: PackConfig) -> str:
    up = sel(server.UP, job=cfg.worker_job)
    return f"{up} == 0\nor\nabsent({up})"


def backlog_high(cfg: PackConfig) -> str:
    # Two views of the same backlog: the exporter's DescribeTaskQueue and matching's gauge,
    # summed over partitions. Either above the threshold alerts; the server's task_type
    # ("Workflow") is spelled as the exporter's ("workflow") so that both give one alert.
    described = sel(exporter.TASK_QUEUE_BACKLOG, **cfg.queue_labels(cfg.exporter_job))
    matching = sel(server.APPROXIMATE_BACKLOG_COUNT, **cfg.server_queue_labels())
    for server_type, ours in (("Workflow", "workflow"), ("Activity", "activity")):
        matching = f'label_replace({matching}, "task_type", "{ours}", "task_type", "{server_type}")'
    by, limit = cfg.by("namespace", "task_type"), cfg.thresholds.backlog_tasks
    return f"max by ({by}) ({described}) > {limit}\nor\nsum by ({by}) ({matching}) > {limit}"


def group(cfg: PackConfig) -> Group:
    return make_group(
        "dict-worker",
        [
            _schedule_to_start(
                cfg,
                "TemporalWorkflowTaskScheduleToStartSlow",
                sdk.WORKFLOW_TASK_SCHEDULE_TO_START,
                "Workflow tasks",
            ),
            _schedule_to_start(
                cfg,
                "TemporalActivityScheduleToStartSlow",
                sdk.ACTIVITY_SCHEDULE_TO_START,
                "Activity tasks",
            ),
            alert(
                cfg,
                "TemporalWorkerTaskSlotsExhausted",
                slots_exhausted(cfg),
                for_="5m",
                severity="warning",
                summary="A worker has no free task slots.",
                description=(
                    "{{ $labels.worker_type }} slots on {{ $labels.task_queue }} have been "
                    "fully used for 5m: new tasks queue up until a slot frees."
                ),
            ),
            alert(
                cfg,
                "TemporalTaskQueueNoPollers",
                no_pollers(cfg),
                for_="5m",
                severity="critical",
                summary="No worker polls the DICT task queue.",
                description=(
                    "The server has seen no poller on {{ $labels.task_queue }} in namespace "
                    "{{ $labels.namespace }} for 5m: claims are not being processed."
                ),
                labels={"task_queue": cfg.task_queue},
            ),
            alert(
                cfg,
                "DictWorkerDown",
                worker_down(cfg),
                for_="5m",
                severity="warning",
                summary="Prometheus cannot scrape the DICT worker.",
                description=(
                    "{{ $labels.job }} has been down or missing from the scrape targets for 5m: "
                    "the worker and SDK panels and alerts are blind. Whether claims still move "
                    "is TemporalTaskQueueNoPollers' question (the server's view)."
                ),
            ),
            alert(
                cfg,
                "TemporalTaskQueueBacklogHigh",
                backlog_high(cfg),
                for_="10m",
                severity="warning",
                summary="The DICT task queue has a large backlog.",
                description=(
                    f"{{{{ $value | humanize }}}} {{{{ $labels.task_type }}}} tasks wait on "
                    f"{cfg.task_queue} (threshold {cfg.thresholds.backlog_tasks} for 10m)."
                ),
                labels={"task_queue": cfg.task_queue},
            ),
        ],
    )
