"""Fixtures of the worker tests: the real Bridge simulator over gRPC and a claim worker on the
time-skipping test server, each test on its own task queue."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.settings import PLAINTEXT
from stack import binaries
from worker import search_attributes
from worker.bridge.client import BridgeClient
from worker.bridge.simulator import Simulator, run_simulator
from worker.main import running_worker


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
    async with running_worker(ts_client, sim.address, task_queue=queue, bridge_tls=PLAINTEXT):
        yield queue


@pytest.fixture
async def bridge(sim: Simulator) -> AsyncIterator[BridgeClient]:
    """A client of the same simulator, to set up or change claims behind a workflow's back."""
    async with BridgeClient(sim.address, tls=PLAINTEXT) as client:
        yield client


@pytest.fixture
async def isolated_claims(sim: Simulator) -> AsyncIterator[tuple[Client, str]]:
    """A time-skipping server of the test's own with a claim worker: (client, task queue).

    For a test that cancels a workflow while one of its activities is in flight: the test
    server then keeps its clock locked for good, which would stall every later test that waits
    out a timer on the shared server."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binaries.temporal_test_server())
    )
    try:
        await search_attributes.ensure_registered(env.client)
        queue = f"dict-task-queue-{uuid.uuid4()}"
        async with running_worker(env.client, sim.address, task_queue=queue, bridge_tls=PLAINTEXT):
            yield env.client, queue
    finally:
        await env.shutdown()
