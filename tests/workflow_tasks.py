"""A workflow task taken and never answered, for the tests that need history to time one out.

The task is taken by a bare poll on a queue of its own (no worker serves it), so no worker ever
answers: a second later history's start-to-close timer fires, counts ``start_to_close_timeout``
and records how late that timer ran in ``task_latency_queue``.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import PollWorkflowTaskQueueRequest
from temporalio.client import Client, WorkflowHandle

from core import domain

TASK_TIMEOUT = timedelta(seconds=1)


async def take_and_never_answer(client: Client, identity: str) -> WorkflowHandle:
    """Start a claim workflow on a queue of its own and take its first task; the caller
    terminates the workflow when done."""
    queue = f"never-answered-{uuid.uuid4().hex[:8]}"
    handle = await client.start_workflow(
        domain.CREATE_CLAIM_WORKFLOW,
        id=f"{queue}-{uuid.uuid4()}",
        task_queue=queue,
        task_timeout=TASK_TIMEOUT,
    )
    polled = await client.workflow_service.poll_workflow_task_queue(
        PollWorkflowTaskQueueRequest(
            namespace=client.namespace, task_queue=TaskQueue(name=queue), identity=identity
        )
    )
    assert polled.task_token, "the poll returned no task"
    return handle
