"""The server metrics the rules read exist on a real Temporal server, with the catalog's labels.

A claim-shaped workflow is completed, failed, timed out, terminated and cancelled on the dev
server, a client error is provoked, and the server's own ``/metrics`` is read back: every series
the rules and the SLOs select on must be there, carrying every label the catalog gives it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio import workflow
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from core.catalog import MetricType, server
from toolkit import exposition

WORKFLOW_TYPE = "CreateClaimWorkflow"


@workflow.defn(name=WORKFLOW_TYPE)
class ClaimShaped:
    """Stands in for the claim workflow: only how it closes matters to the server."""

    @workflow.run
    async def run(self, outcome: str) -> str:
        if outcome == "fail":
            raise ApplicationError("refused", non_retryable=True)
        if outcome == "wait":
            await workflow.wait_condition(lambda: False)
        return outcome


PRODUCED = (
    server.SERVICE_REQUESTS,
    server.SERVICE_ERROR_WITH_TYPE,
    server.SERVICE_LATENCY,
    server.PERSISTENCE_REQUESTS,
    server.PERSISTENCE_LATENCY,
    server.POLL_SUCCESS,
    server.POLL_SUCCESS_SYNC,
    server.RESTARTS,
    server.WORKFLOW_SUCCESS,
    server.WORKFLOW_FAILED,
    server.WORKFLOW_TIMEOUT,
    server.WORKFLOW_TERMINATE,
    server.WORKFLOW_CANCEL,
)


@pytest.fixture(scope="module")
async def scraped(dev_server, dev_client):
    queue = f"catalog-{uuid.uuid4().hex[:8]}"
    run = uuid.uuid4().hex[:8]
    async with Worker(
        dev_client,
        task_queue=queue,
        workflows=[ClaimShaped],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        await dev_client.execute_workflow(ClaimShaped.run, "ok", id=f"ok-{run}", task_queue=queue)
        with pytest.raises(WorkflowFailureError):
            await dev_client.execute_workflow(
                ClaimShaped.run, "fail", id=f"fail-{run}", task_queue=queue
            )
        with pytest.raises(WorkflowFailureError):
            await dev_client.execute_workflow(
                ClaimShaped.run,
                "wait",
                id=f"timeout-{run}",
                task_queue=queue,
                execution_timeout=timedelta(seconds=1),
            )
        for how in ("terminate", "cancel"):
            handle = await dev_client.start_workflow(
                ClaimShaped.run, "wait", id=f"{how}-{run}", task_queue=queue
            )
            await asyncio.sleep(0.2)
            await getattr(handle, how)()
        with pytest.raises(RPCError):  # a client error: NotFound
            await dev_client.get_workflow_handle(f"missing-{run}").describe()
        await asyncio.sleep(2)
    return queue, exposition.scrape(dev_server.metrics_url)


@pytest.mark.parametrize("metric", PRODUCED, ids=lambda m: m.name)
async def test_the_series_exists_with_the_catalog_labels(scraped, metric):
    _, series = scraped
    name = metric.count if metric.type is MetricType.HISTOGRAM else metric.name
    assert name in series, f"{name}: not served by the dev server"
    seen = {label for labels in series[name] for label in labels}
    missing = set(metric.labels) - seen - {"partition", "task_type"}
    assert not missing, f"{name}: catalog labels not on any series: {sorted(missing)}"


async def test_closed_executions_are_counted_by_type_and_queue_as_the_slo_reads_them(scraped):
    queue, series = scraped
    for metric in (
        server.WORKFLOW_SUCCESS,
        server.WORKFLOW_FAILED,
        server.WORKFLOW_TIMEOUT,
        server.WORKFLOW_TERMINATE,
        server.WORKFLOW_CANCEL,
    ):
        ours = [
            s
            for s in series[metric.name]
            if s.get("workflowType") == WORKFLOW_TYPE
            and s.get("taskqueue") == queue.replace("-", "_")
        ]
        assert ours, f"{metric.name}: no series for {WORKFLOW_TYPE} on {queue}"
        assert ours[0]["namespace"] == "dict" and ours[0]["service_name"] == "history"


async def test_a_client_error_is_typed_so_the_slo_can_leave_it_out(scraped):
    _, series = scraped
    types = {s.get("error_type") for s in series["service_error_with_type"]}
    assert "serviceerror_NotFound" in types
