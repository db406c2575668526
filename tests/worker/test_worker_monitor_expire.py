"""MonitorStatus, ExpireCompletionPeriod, CompleteClaim and CancelClaim on the time-skipping
server against the Bridge simulator over gRPC."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError, CancelledError
from worker_support import open_claim

from core.settings import PLAINTEXT
from worker.bridge.api import CancelReason, ClaimStatus
from worker.main import running_worker
from worker.model import MONITOR_STOP_SIGNAL, ExpireInput, MonitorInput, MonitorResult, ResolveInput
from worker.workflows import (
    CancelClaimWorkflow,
    CompleteClaimWorkflow,
    ExpireCompletionPeriodWorkflow,
    MonitorStatusWorkflow,
)


def _id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4()}"


async def test_monitor_stops_at_the_first_terminal_status(
    ts_client, time_skipping_env, sim, bridge, task_queue
):
    claim_id = await open_claim(bridge)
    handle = await ts_client.start_workflow(
        MonitorStatusWorkflow.run, MonitorInput(claim_id), id=_id("monitor"), task_queue=task_queue
    )
    await time_skipping_env.sleep(timedelta(hours=13))  # checks at 0 h, 6 h and 12 h
    await bridge.cancel_claim(claim_id, CancelReason.REQUESTED)

    result = await handle.result()
    assert (result.checks, result.last_status) == (4, ClaimStatus.CANCELLED)
    assert sim.calls("GetClaim") == 4


async def test_monitor_gives_up_after_120_checks(ts_client, sim, bridge, task_queue):
    claim_id = await open_claim(bridge)
    handle = await ts_client.start_workflow(
        MonitorStatusWorkflow.run, MonitorInput(claim_id), id=_id("monitor"), task_queue=task_queue
    )
    result = await handle.result()
    assert (result.checks, result.last_status) == (120, ClaimStatus.WAITING_RESOLUTION)
    assert sim.calls("GetClaim") == 120
    desc = await handle.describe()
    assert desc.close_time - desc.start_time >= timedelta(hours=6 * 119)


async def test_monitor_told_to_stop_between_checks_returns_at_once(
    ts_client, sim, bridge, task_queue
):
    claim_id = await open_claim(bridge)
    handle = await ts_client.start_workflow(
        MonitorStatusWorkflow.run, MonitorInput(claim_id), id=_id("monitor"), task_queue=task_queue
    )
    while sim.calls("GetClaim") == 0:  # the first check, at once; the next is 6 hours away
        await asyncio.sleep(0.02)
    await handle.signal(MONITOR_STOP_SIGNAL)

    result = await handle.result()
    assert (result.checks, result.last_status) == (1, ClaimStatus.WAITING_RESOLUTION)
    assert sim.calls("GetClaim") == 1
    desc = await handle.describe()
    assert desc.close_time - desc.start_time < timedelta(hours=6)


async def test_monitor_carries_on_through_failed_checks(ts_client, sim, bridge, task_queue):
    claim_id = await open_claim(bridge)
    await bridge.cancel_claim(claim_id, CancelReason.REQUESTED)
    sim.set_fault("GetClaim", fail_next=4)  # two checks of two attempts each fail
    handle = await ts_client.start_workflow(
        MonitorStatusWorkflow.run, MonitorInput(claim_id), id=_id("monitor"), task_queue=task_queue
    )
    result = await handle.result()
    assert (result.checks, result.last_status) == (3, ClaimStatus.CANCELLED)
    assert sim.calls("GetClaim") == 5


async def test_expire_with_a_past_deadline_returns_at_once(
    ts_client, time_skipping_env, sim, bridge, task_queue
):
    claim_id = await open_claim(bridge)
    past = await time_skipping_env.get_current_time() - timedelta(days=1)
    result = await ts_client.execute_workflow(
        ExpireCompletionPeriodWorkflow.run,
        ExpireInput(claim_id, past),
        id=_id("expire"),
        task_queue=task_queue,
    )
    assert result is None
    assert sim.calls("CancelClaim") == 0
    assert sim.claims[claim_id].status is ClaimStatus.WAITING_RESOLUTION


async def test_expire_cancels_the_claim_at_its_deadline(
    ts_client, time_skipping_env, sim, bridge, task_queue
):
    claim_id = await open_claim(bridge)
    deadline = await time_skipping_env.get_current_time() + timedelta(days=10)
    handle = await ts_client.start_workflow(
        ExpireCompletionPeriodWorkflow.run,
        ExpireInput(claim_id, deadline),
        id=_id("expire"),
        task_queue=task_queue,
    )
    assert await handle.result() is ClaimStatus.EXPIRED
    assert sim.claims[claim_id].status is ClaimStatus.EXPIRED
    desc = await handle.describe()
    assert desc.close_time >= deadline


async def test_expire_leaves_a_completed_claim_alone(
    ts_client, time_skipping_env, sim, bridge, task_queue
):
    claim_id = await open_claim(bridge)
    deadline = await time_skipping_env.get_current_time() + timedelta(days=1)
    await bridge.complete_claim(claim_id)
    await bridge.transfer_entry(claim_id)
    result = await ts_client.execute_workflow(
        ExpireCompletionPeriodWorkflow.run,
        ExpireInput(claim_id, deadline),
        id=_id("expire"),
        task_queue=task_queue,
    )
    assert result is ClaimStatus.COMPLETED
    assert sim.claims[claim_id].status is ClaimStatus.COMPLETED


async def _run(client, workflow, claim_id, task_queue):
    return await client.execute_workflow(
        workflow, ResolveInput(claim_id), id=_id("resolve"), task_queue=task_queue
    )


async def test_complete_is_idempotent_and_refuses_a_cancelled_claim(
    ts_client, sim, bridge, task_queue
):
    claim_id = await open_claim(bridge)
    for _ in range(2):
        status = await _run(ts_client, CompleteClaimWorkflow.run, claim_id, task_queue)
        assert status in (ClaimStatus.CONFIRMED, ClaimStatus.COMPLETED)
    assert sim.claims[claim_id].status is ClaimStatus.COMPLETED
    assert sim.transfers(claim_id) == 1

    with pytest.raises(WorkflowFailureError) as failed:
        await _run(ts_client, CancelClaimWorkflow.run, claim_id, task_queue)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.non_retryable) == ("AlreadyResolvedError", True)
    assert "COMPLETED" in cause.message


async def test_cancel_is_idempotent_and_refuses_a_completed_claim(
    ts_client, sim, bridge, task_queue
):
    claim_id = await open_claim(bridge)
    for _ in range(2):
        status = await _run(ts_client, CancelClaimWorkflow.run, claim_id, task_queue)
        assert status is ClaimStatus.CANCELLED
    with pytest.raises(WorkflowFailureError) as failed:
        await _run(ts_client, CompleteClaimWorkflow.run, claim_id, task_queue)
    assert failed.value.cause.type == "AlreadyResolvedError"
    assert sim.claims[claim_id].status is ClaimStatus.CANCELLED
    assert sim.transfers(claim_id) == 0


async def test_a_resolved_claim_stops_its_monitor_even_mid_check(sim, ts_client, task_queue):
    from temporalio.client import WorkflowExecutionStatus
    from worker_support import new_claim, wait_for_status

    from worker.model import DECISION_SIGNAL
    from worker.starter import start_claim

    sim.set_fault("GetClaim", latency=1.0)  # the monitor is inside a check when the claim ends
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    await handle.signal(DECISION_SIGNAL, True)
    assert (await handle.result()).status is ClaimStatus.COMPLETED

    # Told to stop while its check was in flight, the monitor let the check finish and returned.
    monitor = ts_client.get_workflow_handle(f"{handle.id}-monitor", result_type=MonitorResult)
    assert (await monitor.describe()).status is WorkflowExecutionStatus.COMPLETED
    assert (await monitor.result()).checks == 1
    assert sim.calls("GetClaim") == 1  # stopped, not carried on to a later check


@pytest.mark.devserver
async def test_a_monitor_cancelled_mid_check_stops_however_the_check_ends(dev_client, sim, bridge):
    """Its claim resolved while a check is in flight, and the check then fails or times out
    (as when the worker running it was killed): the monitor ends cancelled, instead of sleeping
    six hours to its next check while its claim waits for it. On the dev server: the
    time-skipping server never settles such a check."""
    claim_id = await open_claim(bridge)
    sim.set_fault("GetClaim", latency=17.0)  # the check outlives its call deadline
    queue = f"dict-task-queue-{uuid.uuid4()}"
    async with running_worker(dev_client, sim.address, task_queue=queue, bridge_tls=PLAINTEXT):
        handle = await dev_client.start_workflow(
            MonitorStatusWorkflow.run, MonitorInput(claim_id), id=_id("monitor"), task_queue=queue
        )
        while sim.calls("GetClaim") == 0:
            await asyncio.sleep(0.1)
        await handle.cancel()
        with pytest.raises(WorkflowFailureError) as failure:
            await asyncio.wait_for(handle.result(), timeout=60)
        sim.set_fault("GetClaim")
    assert isinstance(failure.value.cause, CancelledError), failure.value.cause
    events = [e.WhichOneof("attributes") async for e in handle.fetch_history_events()]
    # The check ended on its own (failed, or timed out), not cancelled: nothing in it said stop.
    assert {
        "activity_task_failed_event_attributes",
        "activity_task_timed_out_event_attributes",
    } & set(events)
    assert "activity_task_canceled_event_attributes" not in events
    assert sim.calls("GetClaim") == 1  # and no next check
