"""The server metrics the server dashboard reads beyond ordinary traffic, on the real dev server:
a workflow task a worker took and never answered times out, history counts the timeout and its
timer queue records how late the timer fired; the shard gauge is always there."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request
import uuid
from datetime import timedelta

import pytest
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import PollWorkflowTaskQueueRequest

from core import domain
from core.catalog import MetricType, server

pytestmark = pytest.mark.devserver


def _series(text: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for line in text.splitlines():
        match = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ", line)
        if match and not line.startswith("#"):
            out.setdefault(match[1], []).append(
                dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
            )
    return out


async def test_a_workflow_task_timeout_shows_in_the_catalog_metrics(dev_server, dev_client):
    queue = f"wft-timeout-{uuid.uuid4().hex[:8]}"
    handle = await dev_client.start_workflow(
        domain.CREATE_CLAIM_WORKFLOW,
        id=f"wft-timeout-{uuid.uuid4()}",
        task_queue=queue,
        task_timeout=timedelta(seconds=1),
    )
    polled = await dev_client.workflow_service.poll_workflow_task_queue(
        PollWorkflowTaskQueueRequest(
            namespace=dev_server.namespace, task_queue=TaskQueue(name=queue), identity="test"
        )
    )
    assert polled.task_token  # taken, and never answered

    def timed_out() -> dict[str, list[dict[str, str]]] | None:
        found = _series(urllib.request.urlopen(dev_server.metrics_url, timeout=10).read().decode())
        timeouts = found.get(server.START_TO_CLOSE_TIMEOUT.name, [])
        wft = [s for s in timeouts if s["operation"] == "TimerActiveTaskWorkflowTaskTimeout"]
        return found if wft else None

    give_up = time.monotonic() + 60
    try:
        while (found := timed_out()) is None:  # the timeout fires a second after the poll
            assert time.monotonic() < give_up, "no workflow task timeout was counted"
            await asyncio.sleep(0.5)
    finally:  # the session's server is shared: leave nothing open behind
        await handle.terminate("test done")
    for metric in (server.START_TO_CLOSE_TIMEOUT, server.TASK_LATENCY_QUEUE, server.NUMSHARDS):
        name = metric.count if metric.type is MetricType.HISTOGRAM else metric.name
        seen = {label for labels in found[name] for label in labels}
        assert seen == set(metric.labels), f"{name}: {sorted(seen)}"
    timers = {s["operation"] for s in found[server.TASK_LATENCY_QUEUE.count]}
    assert "TimerActiveTaskWorkflowTaskTimeout" in timers
    assert {s["service_name"] for s in found[server.NUMSHARDS.name]} == {"history"}
