"""Every claim path through its full 30 days, on the time-skipping server against the Bridge
simulator over gRPC."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from worker_support import new_claim, wait_for_status

from worker import search_attributes
from worker.bridge.api import ClaimStatus
from worker.model import DECISION_SIGNAL, DECISION_UPDATE, STATUS_QUERY, ClaimState
from worker.starter import ClaimError, claim_status, decide_claim, start_claim


async def test_confirmed_claim_completes_and_transfers_the_entry(ts_client, sim, task_queue):
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    waiting = await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    assert sim.claims[claim.claim_id].status is ClaimStatus.WAITING_RESOLUTION

    await handle.signal(DECISION_SIGNAL, True)
    state = await handle.result()

    assert (state.status, state.outcome) == (ClaimStatus.COMPLETED, "confirmed")
    assert state.deadline == waiting.deadline
    assert sim.claims[claim.claim_id].status is ClaimStatus.COMPLETED
    assert sim.transfers(claim.claim_id) == 1
    assert sim.notifications(claim.claim_id) == 1
    attrs = (await handle.describe()).typed_search_attributes
    assert attrs.get(search_attributes.STATUS) == "COMPLETED"
    assert attrs.get(search_attributes.CLAIMER_ISPB) == claim.claimer_ispb
    assert attrs.get(search_attributes.OWNER_ISPB) == claim.owner_ispb
    assert attrs.get(search_attributes.DEADLINE) == state.deadline


async def test_rejected_claim_is_cancelled_without_transfer(ts_client, sim, task_queue):
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)

    decided = await decide_claim(ts_client, claim.claim_id, False)
    assert decided.outcome is None  # accepted; the cancellation follows
    state = await handle.result()

    assert (state.status, state.outcome) == (ClaimStatus.CANCELLED, "cancelled")
    assert sim.claims[claim.claim_id].status is ClaimStatus.CANCELLED
    assert sim.transfers(claim.claim_id) == 0
    assert (await claim_status(ts_client, claim.claim_id)).status is ClaimStatus.CANCELLED
    with pytest.raises(ClaimError, match="already decided"):
        await decide_claim(ts_client, claim.claim_id, True)


async def test_undecided_claim_expires_after_30_days(ts_client, sim, task_queue):
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    state = await handle.result()

    assert (state.status, state.outcome) == (ClaimStatus.EXPIRED, "expired")
    assert sim.claims[claim.claim_id].status is ClaimStatus.EXPIRED
    desc = await handle.describe()
    assert desc.close_time is not None
    assert desc.close_time - desc.start_time >= timedelta(days=30)
    assert desc.close_time - desc.start_time < timedelta(days=31)
    assert desc.typed_search_attributes.get(search_attributes.STATUS) == "EXPIRED"


async def test_a_decision_that_is_not_a_bool_never_resolves_the_claim(ts_client, sim, task_queue):
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)

    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(DECISION_UPDATE, "yes", result_type=ClaimState)
    assert "expected true (confirm) or false (reject)" in str(failed.value.cause)
    with pytest.raises(ClaimError, match="decision: expected true"):
        await decide_claim(ts_client, claim.claim_id, "yes")
    await handle.signal(DECISION_SIGNAL, "yes")  # a signal cannot be refused: it is ignored
    await handle.signal(DECISION_SIGNAL, 1)

    state = await handle.query(STATUS_QUERY, result_type=ClaimState)
    assert state.status is ClaimStatus.WAITING_RESOLUTION
    assert sim.claims[claim.claim_id].status is ClaimStatus.WAITING_RESOLUTION
    await handle.signal(DECISION_SIGNAL, True)
    assert (await handle.result()).status is ClaimStatus.COMPLETED


async def test_failed_notification_never_fails_the_claim(ts_client, sim, task_queue):
    sim.set_fault("NotifyUsers", error_rate=1.0, code="INTERNAL")
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    await handle.signal(DECISION_SIGNAL, True)

    state = await handle.result()
    assert state.status is ClaimStatus.COMPLETED
    assert sim.calls("NotifyUsers") == 5  # the matrix: 5 attempts, then give up quietly
    assert sim.notifications(claim.claim_id) == 0


async def test_transient_bridge_failures_are_retried(ts_client, sim, task_queue):
    sim.set_fault("CreateClaim", fail_next=2)  # UNAVAILABLE twice, then the call goes through
    sim.set_fault("CompleteClaim", fail_next=1, code="INTERNAL")
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)
    # Decided at once: the decision waits in the workflow while CreateClaim is retried, and
    # awaiting the result lets the server skip the retry backoff.
    await handle.signal(DECISION_SIGNAL, True)

    assert (await handle.result()).status is ClaimStatus.COMPLETED
    assert sim.calls("CreateClaim") == 3
    assert sim.calls("CompleteClaim") == 2
    assert len(sim.claims) == 1  # retries never create a second claim


async def test_an_activity_gives_up_after_its_attempts_then_the_workflow_retries(
    ts_client, sim, task_queue
):
    sim.set_fault("CreateClaim", fail_next=3)  # all 3 attempts of the first run fail
    claim = new_claim()
    handle = await start_claim(ts_client, claim, task_queue=task_queue)

    state = await handle.result()  # follows the retried run, through its 30 days
    assert state.status is ClaimStatus.EXPIRED
    assert sim.calls("CreateClaim") == 4  # 3 attempts, then the second run's first
    desc = await handle.describe()
    assert desc.run_id != handle.first_execution_run_id  # a new run, by the workflow policy


async def _fails_for_good(handle, error_type: str) -> ApplicationError:
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, cause.non_retryable) == (error_type, True)
    desc = await handle.describe()
    assert desc.run_id == handle.result_run_id  # no workflow retry either
    return cause


async def test_a_key_with_an_open_claim_fails_at_once(ts_client, sim, task_queue):
    first = new_claim()
    first_handle = await start_claim(ts_client, first, task_queue=task_queue)
    await wait_for_status(first_handle, ClaimStatus.WAITING_RESOLUTION)
    second = new_claim()
    second = type(second)(second.claim_id, first.entry_key, second.claimer_ispb, "11112222")
    handle = await start_claim(ts_client, second, task_queue=task_queue)

    cause = await _fails_for_good(handle, "KeyAlreadyExistsError")
    assert first.entry_key not in cause.message  # the PIX key is personal data
    assert sim.calls("CreateClaim") == 2
    assert second.claim_id not in sim.claims
    # Let the first claim run out: an open workflow whose worker is gone would hold the shared
    # test server's clock still for every later test.
    assert (await first_handle.result()).status is ClaimStatus.EXPIRED


async def test_a_bridge_validation_error_fails_at_once(ts_client, sim, task_queue):
    sim.set_fault("CreateClaim", fail_next=1, code="INVALID_ARGUMENT")
    handle = await start_claim(ts_client, new_claim(), task_queue=task_queue)
    await _fails_for_good(handle, "ValidationError")
    assert sim.calls("CreateClaim") == 1
    assert sim.claims == {}


async def test_complete_of_an_unknown_claim_fails_with_not_found(ts_client, sim, task_queue):
    from worker.model import ResolveInput
    from worker.workflows import CompleteClaimWorkflow

    claim_id = new_claim().claim_id
    handle = await ts_client.start_workflow(
        CompleteClaimWorkflow.run,
        ResolveInput(claim_id),
        id=f"complete-{claim_id}",
        task_queue=task_queue,
    )
    await _fails_for_good(handle, "NotFoundError")
    assert sim.calls("CompleteClaim") == 1
