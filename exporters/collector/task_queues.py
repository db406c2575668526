"""Task-queue depth from DescribeTaskQueue, per queue and task type."""

from __future__ import annotations

from collections.abc import Iterator

from core.catalog import exporter as cat
from exporters.collector import Metric, StateSource, family


class TaskQueueCollector:
    """Yields, from the last complete refresh (``q`` is the queue, e.g. ``dict-task-queue``):

    dict_task_queue_backlog_tasks{namespace="dict",task_queue="q",task_type="workflow"} 7
    dict_task_queue_backlog_age_seconds{namespace="dict",task_queue="q",task_type="workflow"} 1.6
    dict_task_queue_tasks_add_rate{namespace="dict",task_queue="q",task_type="activity"} 4.4
    dict_task_queue_tasks_dispatch_rate{namespace="dict",task_queue="q",task_type="activity"} 4.3
    dict_task_queue_pollers{namespace="dict",task_queue="q",task_type="activity"} 2

    Unlike the server's ``approximate_backlog_count``, which reads 0 once an idle queue unloads,
    DescribeTaskQueue loads the queue to answer, so a stuck backlog stays visible.
    """

    def __init__(self, state: StateSource, namespace: str) -> None:
        self.state, self.namespace = state, namespace

    def collect(self) -> Iterator[Metric]:
        snapshot = self.state().snapshot
        if snapshot is None:
            return
        families = {
            "backlog": family(cat.TASK_QUEUE_BACKLOG),
            "backlog_age_seconds": family(cat.TASK_QUEUE_BACKLOG_AGE),
            "add_rate": family(cat.TASK_QUEUE_ADD_RATE),
            "dispatch_rate": family(cat.TASK_QUEUE_DISPATCH_RATE),
            "pollers": family(cat.TASK_QUEUE_POLLERS),
        }
        for (queue, task_type), stats in snapshot.queues.items():
            labels = [self.namespace, queue, task_type.value]
            for field_name, metric in families.items():
                metric.add_metric(labels, getattr(stats, field_name))
        yield from families.values()
