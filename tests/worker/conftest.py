"""Fixtures of the worker tests: the real Bridge simulator over gRPC and a claim worker on the
time-skipping test server, each test on its own task queue."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from core.settings import PLAINTEXT
from worker import search_attributes
from worker.bridge.client import BridgeClient
from worker.bridge.simulator import Simulator, run_simulator
from worker.main import running_worker


@pytest.fixture
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
