"""The client against the simulator over real gRPC on loopback."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from worker.bridge import api
from worker.bridge.client import BridgeClient
from worker.bridge.simulator import Simulator, run_simulator

CPF = "12345678909"
CLAIMER, OWNER = "12345678", "87654321"


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator("127.0.0.1:0") as simulator:
        yield simulator


@pytest.fixture
async def bridge(sim: Simulator) -> AsyncIterator[BridgeClient]:
    async with BridgeClient(sim.address, timeout=2.0) as client:
        yield client


async def test_claim_lifecycle_confirmed(sim: Simulator, bridge: BridgeClient) -> None:
    claim_id = new_id()
    created = await bridge.create_claim(api.ClaimRequest(claim_id, CPF, CLAIMER, OWNER))
    assert created.status is api.ClaimStatus.WAITING_RESOLUTION
    assert (created.expires_at - sim.claims[claim_id].expires_at).total_seconds() == 0
    assert (await bridge.complete_claim(claim_id)).status is api.ClaimStatus.CONFIRMED
    await bridge.transfer_entry(claim_id)
    await bridge.notify_users(claim_id, True)
    assert (await bridge.get_claim(claim_id)).status is api.ClaimStatus.COMPLETED
    assert sim.transfers(claim_id) == 1
    assert sim.notifications(claim_id) == 1
