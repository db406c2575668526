"""Fixtures of the worker tests: the real Bridge simulator over gRPC and a claim worker on the
time-skipping test server, each test on its own task queue."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from worker import search_attributes
from worker.bridge.api import ClaimRequest, ClaimStatus
from worker.bridge.client import BridgeClient
from worker.bridge.simulator import Simulator, run_simulator
from worker.main import running_worker
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


@pytest.fixture(scope="session")
async def ts_client(time_skipping_env: WorkflowEnvironment) -> Client:
    await search_attributes.ensure_registered(time_skipping_env.client)
    return time_skipping_env.client


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator("127.0.0.1:0") as simulator:
        yield simulator


@pytest.fixture
async def task_queue(ts_client: Client, sim: Simulator) -> AsyncIterator[str]:
    """A claim worker on the time-skipping server, polling a queue of this test's own."""
    queue = f"dict-task-queue-{uuid.uuid4()}"
    async with running_worker(ts_client, sim.address, task_queue=queue):
        yield queue


@pytest.fixture
async def bridge(sim: Simulator) -> AsyncIterator[BridgeClient]:
    """A client of the same simulator, to set up or change claims behind a workflow's back."""
    async with BridgeClient(sim.address) as client:
        yield client


async def open_claim(bridge: BridgeClient) -> str:
    """A claim waiting for its decision at the Bridge; its id."""
    claim = new_claim()
    request = ClaimRequest(claim.claim_id, claim.entry_key, claim.claimer_ispb, claim.owner_ispb)
    await bridge.create_claim(request)
    return claim.claim_id
