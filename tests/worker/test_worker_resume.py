"""A claim survives a failed run: the retried run resumes it with the first run's deadline and the
owner's decision, and every Bridge side effect happens once, lost replies included.
Time-skipping server, the Bridge simulator over gRPC."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from worker_support import monitors_closed, new_claim, wait_for_status

from core.domain import CLAIM_PERIOD, HANDED_OVER
from worker import search_attributes
from worker.bridge.api import CancelReason, ClaimStatus
from worker.bridge.simulator import Simulator
from worker.model import (
    DECISION_SIGNAL,
    DECISION_UPDATE,
    EXECUTION_TIMEOUT,
    ClaimState,
    ResolveInput,
)
from worker.starter import start_claim
from worker.workflows import CancelClaimWorkflow, CompleteClaimWorkflow

CONFIRMED = {"create": 1, "complete": 1, "transfer": 1, "notify": 1}
CANCELLED = {"create": 1, "cancel": 1, "notify": 1}


async def _first_run_deadline(client: Client, handle: WorkflowHandle) -> object:
    first = client.get_workflow_handle(handle.id, run_id=handle.first_execution_run_id)
    return (await first.describe()).start_time + CLAIM_PERIOD


async def _result(handle: WorkflowHandle) -> ClaimState:
    """The claim's result; a claim that never ends (the time-skipping server left waiting on
    something) fails the test instead of holding the session forever."""
    try:
        return await asyncio.wait_for(handle.result(), timeout=120)
    except TimeoutError:
        pytest.fail(f"{handle.id}: no result after 120s: {await handle.describe()}")


async def _ended(client: Client, handle: WorkflowHandle, *, retried: bool = True) -> ClaimState:
    """The claim's final state, once checked to carry the first run's deadline everywhere."""
    state = await _result(handle)
    desc = await handle.describe()
    assert (desc.run_id != handle.first_execution_run_id) is retried
    deadline = await _first_run_deadline(client, handle)
    assert state.deadline == deadline
    assert desc.typed_search_attributes.get(search_attributes.DEADLINE) == deadline
    assert desc.typed_search_attributes.get(search_attributes.STATUS) == state.status.value
    assert desc.close_time is not None
    assert desc.close_time - desc.start_time < EXECUTION_TIMEOUT
    if retried:  # the failed run is marked so that it does not count as a claim left open
        first = client.get_workflow_handle(handle.id, run_id=handle.first_execution_run_id)
        first_attrs = (await first.describe()).typed_search_attributes
        assert first_attrs.get(search_attributes.STATUS) == HANDED_OVER
    await monitors_closed(client, _claim_id(handle))
    return state


def _claim_id(handle: WorkflowHandle) -> str:
    return handle.id.removeprefix("claim-")


async def test_a_run_failing_after_create_resumes_the_claim(ts_client, sim, task_queue):
    # The claim is created, but the answer never arrives: the first run gives up.
    sim.set_fault("CreateClaim", lose_reply_next=3)
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    await handle.signal(DECISION_SIGNAL, True)

    state = await _ended(ts_client, handle)
    assert (state.status, state.outcome) == (ClaimStatus.COMPLETED, "confirmed")
    assert sim.effects(claim.claim_id) == CONFIRMED


async def _decided_while_failing(
    client: Client, sim: Simulator, task_queue: str, method: str, fails: int, decision: bool
) -> tuple[str, ClaimState]:
    """A waiting claim decided while ``method`` fails its next ``fails`` calls (enough to fail
    the first run); its id and final state."""
    claim = new_claim()
    handle = await start_claim(client, claim, task_queue=task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    sim.set_fault(method, fail_next=fails)
    await handle.signal(DECISION_SIGNAL, decision)
    return claim.claim_id, await _ended(client, handle)


async def test_a_run_failing_after_a_confirm_keeps_the_decision(ts_client, sim, task_queue):
    # Every attempt of the first run's CompleteClaim fails.
    claim_id, state = await _decided_while_failing(
        ts_client, sim, task_queue, "CompleteClaim", 3, True
    )
    assert (state.status, state.outcome) == (ClaimStatus.COMPLETED, "confirmed")
    assert sim.effects(claim_id) == CONFIRMED
    assert sim.calls("CompleteClaim") == 4


async def test_a_run_failing_between_complete_and_transfer_only_transfers(
    ts_client, sim, task_queue
):
    claim_id, state = await _decided_while_failing(
        ts_client, sim, task_queue, "TransferEntry", 5, True
    )
    assert (state.status, state.outcome) == (ClaimStatus.COMPLETED, "confirmed")
    assert sim.effects(claim_id) == CONFIRMED
    assert sim.calls("CompleteClaim") == 1  # the resumed run found it CONFIRMED


async def test_a_run_failing_after_a_reject_still_cancels(ts_client, sim, task_queue):
    claim_id, state = await _decided_while_failing(
        ts_client, sim, task_queue, "CancelClaim", 3, False
    )
    assert (state.status, state.outcome) == (ClaimStatus.CANCELLED, "cancelled")
    assert sim.effects(claim_id) == CANCELLED


async def test_a_run_failing_at_the_deadline_expires_on_the_first_runs_clock(
    ts_client, sim, task_queue
):
    sim.set_fault("CancelClaim", fail_next=3)  # the expiry's first run fails
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)

    state = await _ended(ts_client, handle)
    assert (state.status, state.outcome) == (ClaimStatus.EXPIRED, "expired")
    assert sim.effects(claim.claim_id) == {"create": 1, "cancel": 1, "notify": 1}
    desc = await handle.describe()
    # The retried run did not wait 30 more days: it expired the claim at once.
    assert desc.close_time - desc.start_time < timedelta(hours=1)


@pytest.mark.parametrize(
    ("method", "decision", "lost", "ends"),
    [
        ("CreateClaim", True, 3, CONFIRMED),
        ("CompleteClaim", True, 3, CONFIRMED),
        ("TransferEntry", True, 5, CONFIRMED),
        ("CancelClaim", False, 3, CANCELLED),
        ("NotifyUsers", True, 5, CONFIRMED),
        ("CompleteClaim", True, 1, CONFIRMED),  # one lost reply: the activity's retry
    ],
    ids=["create", "complete", "transfer", "cancel", "notify", "complete-once"],
)
async def test_lost_replies_never_repeat_a_side_effect(
    ts_client, sim: Simulator, task_queue, method, decision, lost, ends
):
    sim.set_fault(method, lose_reply_next=lost)
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    await handle.signal(DECISION_SIGNAL, decision)

    state = await _result(handle)
    assert state.status is (ClaimStatus.COMPLETED if decision else ClaimStatus.CANCELLED)
    assert sim.effects(claim.claim_id) == ends
    assert sim.stats().injected_failures == {method: lost}  # every reply was lost as asked
    assert state.deadline == await _first_run_deadline(ts_client, handle)
    await monitors_closed(ts_client, claim.claim_id)


async def test_an_operator_cancel_resolves_the_waiting_claim(ts_client, sim, task_queue):
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    cancel = await ts_client.start_workflow(
        CancelClaimWorkflow.run,
        ResolveInput(claim.claim_id),
        id=f"cancel-{claim.claim_id}",
        task_queue=task_queue,
    )
    assert await cancel.result() is ClaimStatus.CANCELLED

    state = await _ended(ts_client, handle, retried=False)
    assert (state.status, state.outcome) == (ClaimStatus.CANCELLED, "cancelled")
    assert sim.effects(claim.claim_id) == CANCELLED
    desc = await handle.describe()
    assert desc.close_time - desc.start_time < timedelta(days=1)  # not left to expire


async def test_an_operator_complete_resolves_the_waiting_claim(ts_client, sim, task_queue):
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    complete = await ts_client.start_workflow(
        CompleteClaimWorkflow.run,
        ResolveInput(claim.claim_id),
        id=f"complete-{claim.claim_id}",
        task_queue=task_queue,
    )
    await complete.result()

    state = await _ended(ts_client, handle, retried=False)
    assert (state.status, state.outcome) == (ClaimStatus.COMPLETED, "confirmed")
    assert sim.effects(claim.claim_id) == CONFIRMED


async def test_the_monitor_seeing_a_terminal_status_resolves_the_claim(
    ts_client, sim, bridge, task_queue
):
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    # Cancelled at the Bridge behind the workflows' back: only the 6-hourly check can see it.
    await bridge.cancel_claim(claim.claim_id, CancelReason.REQUESTED)

    state = await _ended(ts_client, handle, retried=False)
    assert (state.status, state.outcome) == (ClaimStatus.CANCELLED, "cancelled")
    desc = await handle.describe()
    assert desc.close_time - desc.start_time <= timedelta(hours=6, minutes=5)
    assert sim.effects(claim.claim_id) == CANCELLED


async def test_a_decision_after_the_deadline_is_refused_with_the_reason(ts_client, sim, task_queue):
    sim.set_fault("CancelClaim", latency=2.0)  # holds the expiry in flight for a moment
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    result = asyncio.create_task(handle.result())  # lets the server skip to the deadline
    for _ in range(300):
        if sim.calls("CancelClaim"):
            break
        await asyncio.sleep(0.02)
    assert sim.calls("CancelClaim") == 1

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(DECISION_UPDATE, True, result_type=ClaimState)
    assert "deadline passed" in str(refused.value.cause)
    await handle.signal(DECISION_SIGNAL, True)  # logged and ignored
    state = await result
    assert (state.status, state.outcome) == (ClaimStatus.EXPIRED, "expired")
    assert sim.effects(claim.claim_id) == {"create": 1, "cancel": 1, "notify": 1}
