"""The exporter's only door to Temporal: counting workflows and describing task queues.

:class:`TemporalApi` is the seam. :class:`ClientApi` is the real thing: every call waits for a
token from the budget, carries a timeout, is counted by call type, and is retried with jittered
backoff only when the server says RESOURCE_EXHAUSTED (anything else fails the refresh at once; the
next refresh tries again). The SDK's own retry is off so that these rules are the only ones.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import (
    CountWorkflowExecutionsRequest,
    DescribeTaskQueueRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from exporters.budget import CallStats, TokenBucket, backoff_delays

log = logging.getLogger(__name__)
T = TypeVar("T")

COUNT = "count_workflows"
DESCRIBE = "describe_task_queue"


class TaskType(enum.StrEnum):
    WORKFLOW = "workflow"
    ACTIVITY = "activity"


_TASK_QUEUE_TYPES = {
    TaskType.WORKFLOW: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    TaskType.ACTIVITY: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
}


@dataclass(frozen=True)
class QueueStats:
    backlog: int
    backlog_age_seconds: float
    add_rate: float
    dispatch_rate: float
    pollers: int


class TemporalApi(Protocol):
    async def count(self, query: str) -> int: ...

    async def count_groups(self, query: str) -> dict[str, int]:
        """``GROUP BY`` counts: group value → count."""
        ...

    async def describe_task_queue(self, name: str, task_type: TaskType) -> QueueStats: ...


class ClientApi:
    def __init__(
        self,
        client: Client,
        bucket: TokenBucket,
        stats: CallStats,
        rpc_timeout: timedelta,
    ) -> None:
        self.client, self.bucket, self.stats = client, bucket, stats
        self.rpc_timeout = rpc_timeout

    @property
    def namespace(self) -> str:
        return self.client.namespace

    async def count(self, query: str) -> int:
        request = CountWorkflowExecutionsRequest(namespace=self.namespace, query=query)
        service = self.client.workflow_service
        response = await self._call(COUNT, service.count_workflow_executions, request)
        return int(response.count)

    async def count_groups(self, query: str) -> dict[str, int]:
        request = CountWorkflowExecutionsRequest(namespace=self.namespace, query=query)
        service = self.client.workflow_service
        response = await self._call(COUNT, service.count_workflow_executions, request)
        # Group values come back as JSON payload data: b'"Running"'.
        return {
            str(json.loads(group.group_values[0].data)): int(group.count)
            for group in response.groups
        }

    async def describe_task_queue(self, name: str, task_type: TaskType) -> QueueStats:
        request = DescribeTaskQueueRequest(
            namespace=self.namespace,
            task_queue=TaskQueue(name=name),
            task_queue_type=_TASK_QUEUE_TYPES[task_type],
            report_stats=True,
        )
        service = self.client.workflow_service
        response = await self._call(DESCRIBE, service.describe_task_queue, request)
        stats = response.stats
        return QueueStats(
            backlog=int(stats.approximate_backlog_count),
            backlog_age_seconds=stats.approximate_backlog_age.ToTimedelta().total_seconds(),
            add_rate=float(stats.tasks_add_rate),
            dispatch_rate=float(stats.tasks_dispatch_rate),
            pollers=len(response.pollers),
        )

    async def _call(self, call: str, rpc: Callable[..., Awaitable[T]], request: Any) -> T:
        delays = backoff_delays()
        while True:
            await self.bucket.acquire()
            try:
                response = await rpc(request, retry=False, timeout=self.rpc_timeout)
            except RPCError as err:
                limited = err.status == RPCStatusCode.RESOURCE_EXHAUSTED
                self.stats.record(call, failed=True, limited=limited)
                if not limited:
                    raise
                delay = next(delays)
                log.warning("%s: rate limited by Temporal, retrying in %.1fs", call, delay)
                await asyncio.sleep(delay)
                continue
            except BaseException:
                # Timeouts, cancellation (refresh deadline) and connection errors still count.
                self.stats.record(call, failed=True)
                raise
            self.stats.record(call)
            return response
