"""The exporter counts what the real claim workflows record: claims started by the worker's
starter, run by the real worker against the Bridge simulator, on this module's own dev server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest
from exporter_helpers import exporter_config, new_server
from temporalio.client import Client, WorkflowHandle

from core.domain import ClaimStatus
from core.settings import PLAINTEXT
from exporters import snapshot
from exporters.budget import CallStats, TokenBucket
from exporters.temporal_api import ClientApi
from stack.devserver import DevServer
from worker.bridge.simulator import run_simulator
from worker.main import running_worker
from worker.model import DECISION_SIGNAL, STATUS_QUERY, ClaimInput, ClaimState
from worker.starter import start_claim

pytestmark = pytest.mark.devserver
CLAIMER, OWNER = "12345678", "87654321"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    s = new_server(tmp_path_factory.mktemp("exporter-worker"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
async def client(server: DevServer) -> AsyncIterator[Client]:
    client = await Client.connect(server.address, namespace=server.namespace)
    async with (
        run_simulator("127.0.0.1:0") as sim,
        running_worker(client, sim.address, metrics=False, bridge_tls=PLAINTEXT),
    ):
        yield client


async def until_status(handle: WorkflowHandle, status: ClaimStatus) -> None:
    for _ in range(500):
        state = await handle.query(STATUS_QUERY, result_type=ClaimState)
        if state.status is status:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"claim never reached {status}")


async def test_counts_follow_the_claims_the_worker_runs(server, client):
    handles = []
    for _ in range(3):
        claim = ClaimInput(str(uuid.uuid4()), str(uuid.uuid4()), CLAIMER, OWNER)
        handle = await start_claim(client, claim)
        await until_status(handle, ClaimStatus.WAITING_RESOLUTION)
        handles.append(handle)
    await handles[0].signal(DECISION_SIGNAL, True)  # confirmed: the claim completes
    await handles[0].result()

    config = exporter_config(server)
    api = ClientApi(client, TokenBucket(200, 20), CallStats(), config.rpc_timeout)
    for _ in range(50):  # visibility catches up with the upserts a moment later
        snap = await snapshot.take(api, config, datetime.now(UTC))
        if snap.claims_by_status["WAITING_RESOLUTION"] == 2 and snap.closed_by_outcome["completed"]:
            break
        await asyncio.sleep(0.2)
    assert snap.claims_by_status["WAITING_RESOLUTION"] == 2
    assert snap.claims_by_status["OPEN"] == 0
    assert snap.workflows_by_type["CreateClaimWorkflow"] == 2
    assert snap.closed_by_outcome["completed"] == 1
    # A fresh claim's deadline is 30 days out: neither near nor overdue, and nothing is old.
    assert snap.near_deadline == 0 and snap.overdue == 0
    assert snap.older_than["1d"] == 0
