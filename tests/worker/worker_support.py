"""Helpers of the worker tests (a module of its own: ``conftest`` is not importable by name)."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from worker.bridge.api import ClaimRequest, ClaimStatus
from worker.bridge.client import BridgeClient
from worker.model import STATUS_QUERY, ClaimInput, ClaimState, monitor_workflow_id

CLAIMER, OWNER = "12345678", "87654321"


def new_claim() -> ClaimInput:
    """A valid claim on a fresh EVP key (a key holds one open claim at a time)."""
    return ClaimInput(str(uuid.uuid4()), str(uuid.uuid4()), CLAIMER, OWNER)


async def wait_for_status(handle: WorkflowHandle, status: ClaimStatus) -> ClaimState:
    """Poll the claim's query until it reports ``status`` (queries do not skip time)."""
    for _ in range(200):
        state = await handle.query(STATUS_QUERY, result_type=ClaimState)
        if state.status is status:
            return state
        await asyncio.sleep(0.02)
    raise AssertionError(f"claim never reached {status}; last {state}")


async def open_claim(bridge: BridgeClient) -> str:
    """A claim waiting for its decision at the Bridge; its id."""
    claim = new_claim()
    request = ClaimRequest(claim.claim_id, claim.entry_key, claim.claimer_ispb, claim.owner_ispb)
    await bridge.create_claim(request)
    return claim.claim_id


async def monitors_closed(client: Client, claim_id: str, runs: int = 5) -> list[str]:
    """Wait until every status monitor of the claim (one per run) is closed; their ids: no
    workflow outlives its claim."""
    seen = []
    for attempt in range(1, runs + 1):
        monitor_id = monitor_workflow_id(claim_id, attempt)
        handle = client.get_workflow_handle(monitor_id)
        for _ in range(250):
            try:
                desc = await handle.describe()
            except RPCError as err:
                if err.status is not RPCStatusCode.NOT_FOUND:
                    raise
                break
            if desc.status is not WorkflowExecutionStatus.RUNNING:
                seen.append(monitor_id)
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"monitor {monitor_id} is still running")
    return seen
