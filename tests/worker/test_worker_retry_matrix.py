"""The specification's retry matrix (TSP-001 §6.1, §6.2, §4.2) and worker options (§3.2), held
against what the worker really schedules: the retry policies and timeouts recorded in the
histories of real claims, and the options of the worker it builds. A change to a retry value
fails here first."""

from __future__ import annotations

from datetime import timedelta

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle
from worker_support import new_claim, wait_for_status

from core.domain import ClaimStatus
from core.settings import PLAINTEXT
from worker.bridge.client import BridgeClient
from worker.main import build_worker
from worker.model import DECISION_SIGNAL, monitor_workflow_id
from worker.starter import start_claim

S = timedelta(seconds=1)
# activity: initial interval, maximum interval, attempts, non-retryable types, start-to-close.
SPEC_ACTIVITIES = {
    "CreateClaim": (S, 30 * S, 3, {"ValidationError", "KeyAlreadyExistsError"}, 30 * S),
    "CompleteClaim": (S, 30 * S, 3, {"NotFoundError", "AlreadyResolvedError"}, 30 * S),
    "CancelClaim": (S, 30 * S, 3, {"NotFoundError"}, 30 * S),
    "GetClaim": (S, 15 * S, 2, set(), 15 * S),  # §4.2: the status check times out at 15 s
    "NotifyUsers": (2 * S, 60 * S, 5, set(), 30 * S),
    # Not in the specification: runs after the claim is completed, so it tries longer and stops
    # at once only on what a retry cannot fix (docs/worker.md, Retry matrix).
    "TransferEntry": (
        S,
        30 * S,
        5,
        {"ValidationError", "NotFoundError", "NotConfirmedError"},
        30 * S,
    ),
}
SPEC_BACKOFF = 2.0
# §6.1: the claim workflow's own retry policy and execution timeout.
SPEC_WORKFLOW = (5 * S, timedelta(minutes=5), 5)
SPEC_EXECUTION_TIMEOUT = timedelta(days=31)


def _scheduled(events: list[HistoryEvent]) -> dict[str, HistoryEvent]:
    return {
        e.activity_task_scheduled_event_attributes.activity_type.name: e
        for e in events
        if e.HasField("activity_task_scheduled_event_attributes")
    }


async def _events(client: Client, handle: WorkflowHandle) -> list[HistoryEvent]:
    history = await client.get_workflow_handle(handle.id).fetch_history()
    return list(history.events)


async def test_every_activity_is_scheduled_with_its_row_of_the_matrix(ts_client, task_queue):
    confirmed, rejected = new_claim(), new_claim()
    handles = {}
    for claim, decision in ((confirmed, True), (rejected, False)):
        handle = await start_claim(ts_client, claim, task_queue=task_queue)
        await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
        await handle.signal(DECISION_SIGNAL, decision)
        await handle.result()
        handles[claim.claim_id] = handle
    scheduled: dict[str, HistoryEvent] = {}
    for claim_id, handle in handles.items():
        scheduled |= _scheduled(await _events(ts_client, handle))
        monitor = ts_client.get_workflow_handle(monitor_workflow_id(claim_id))
        scheduled |= _scheduled(await _events(ts_client, monitor))

    assert set(scheduled) == set(SPEC_ACTIVITIES)
    for name, (initial, maximum, attempts, non_retryable, timeout) in SPEC_ACTIVITIES.items():
        attrs = scheduled[name].activity_task_scheduled_event_attributes
        policy = attrs.retry_policy
        got = (
            policy.initial_interval.ToTimedelta(),
            policy.maximum_interval.ToTimedelta(),
            policy.maximum_attempts,
            set(policy.non_retryable_error_types),
            attrs.start_to_close_timeout.ToTimedelta(),
            policy.backoff_coefficient,
        )
        assert got == (initial, maximum, attempts, non_retryable, timeout, SPEC_BACKOFF), name


async def test_the_claim_workflow_starts_with_the_specifications_retry_policy(
    ts_client, task_queue
):
    handle = await start_claim(ts_client, new_claim(), task_queue=task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    await handle.signal(DECISION_SIGNAL, False)
    await handle.result()
    started = (await _events(ts_client, handle))[0].workflow_execution_started_event_attributes
    policy = started.retry_policy
    got = (
        policy.initial_interval.ToTimedelta(),
        policy.maximum_interval.ToTimedelta(),
        policy.maximum_attempts,
    )
    assert got == SPEC_WORKFLOW
    assert policy.backoff_coefficient == SPEC_BACKOFF
    assert started.workflow_execution_timeout.ToTimedelta() == SPEC_EXECUTION_TIMEOUT


async def test_the_worker_runs_100_activities_and_50_workflow_tasks_at_once(ts_client, sim):
    async with BridgeClient(sim.address, tls=PLAINTEXT) as bridge:
        config = build_worker(ts_client, bridge, task_queue="unused").config()
    assert config.get("max_concurrent_activities") == 100
    assert config.get("max_concurrent_workflow_tasks") == 50
