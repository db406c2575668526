"""Helpers of the worker tests (a module of its own: ``conftest`` is not importable by name)."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.client import WorkflowHandle

from worker.bridge.api import ClaimRequest, ClaimStatus
from worker.bridge.client import BridgeClient
from worker.model import STATUS_QUERY, ClaimInput, ClaimState

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
