"""The server metrics the server dashboard reads beyond ordinary traffic, on the real dev server:
a workflow task a worker took and never answered times out, history counts the timeout and its
timer queue records how late the timer fired; the shard gauge is always there."""

from __future__ import annotations

import asyncio
import time

import pytest
from workflow_tasks import take_and_never_answer

from core.catalog import MetricType, server
from toolkit import exposition

pytestmark = pytest.mark.devserver


async def test_a_workflow_task_timeout_shows_in_the_catalog_metrics(dev_server, dev_client):
    handle = await take_and_never_answer(dev_client, "test")

    def timed_out() -> dict[str, list[dict[str, str]]] | None:
        found = exposition.scrape(dev_server.metrics_url)
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
