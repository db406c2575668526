"""Running the claim worker: in-process (tests, demo, benchmark) or as ``dictobs worker``::

    async with running_worker(client, "127.0.0.1:50051", bridge_tls=settings.PLAINTEXT):
        handle = await start_claim(client, claim)

The Bridge is reached over TLS unless ``bridge_tls`` says otherwise
(:class:`core.settings.BridgeTLS`: a CA, a client certificate for mTLS, or plaintext for a local
simulator).

Options from the specification (§3.2): at most 100 activities and 50 workflow tasks at once.
Metrics go wherever the client's runtime sends them (:func:`worker.runtime.make_runtime`); with
``metrics=False`` the worker also leaves out its own instrumentation (the benchmark's baseline).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Interceptor, Worker

from core import settings
from worker.activities import ClaimActivities
from worker.bridge.api import Bridge
from worker.bridge.client import BridgeClient
from worker.metrics import ClaimMetricsInterceptor, observe_bridge_call
from worker.workflows import WORKFLOWS

MAX_CONCURRENT_ACTIVITIES = 100
MAX_CONCURRENT_WORKFLOW_TASKS = 50
# On SIGTERM running activities get this long to finish before they are cancelled.
GRACEFUL_SHUTDOWN = timedelta(seconds=10)


def build_worker(
    client: Client,
    bridge: Bridge,
    *,
    task_queue: str = settings.TASK_QUEUE,
    metrics: bool = True,
) -> Worker:
    """A worker for every claim workflow and activity, not yet running."""
    interceptors: list[Interceptor] = [ClaimMetricsInterceptor()] if metrics else []
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=ClaimActivities(bridge).all(),
        interceptors=interceptors,
        max_concurrent_activities=MAX_CONCURRENT_ACTIVITIES,
        max_concurrent_workflow_tasks=MAX_CONCURRENT_WORKFLOW_TASKS,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )


@asynccontextmanager
async def running_worker(
    client: Client,
    bridge_address: str,
    *,
    task_queue: str = settings.TASK_QUEUE,
    metrics: bool = True,
    bridge_tls: settings.BridgeTLS = settings.BridgeTLS(),  # noqa: B008 - frozen
) -> AsyncIterator[Worker]:
    """A worker polling ``task_queue`` for as long as the block runs, talking to the Bridge at
    ``bridge_address``; shut down gracefully on exit."""
    observer = observe_bridge_call if metrics else None
    async with (
        BridgeClient(bridge_address, observer=observer, tls=bridge_tls) as bridge,
        build_worker(client, bridge, task_queue=task_queue, metrics=metrics) as w,
    ):
        yield w
