"""The simulator from a synchronous program (thread) and through its admin service."""

from __future__ import annotations

import asyncio
import filecmp
import uuid
from pathlib import Path

import grpc
import pytest

from core.settings import PLAINTEXT
from worker.bridge import admin, api, protogen
from worker.bridge.client import BridgeClient
from worker.bridge.faults import Fault
from worker.bridge.proto import bridge_pb2 as pb
from worker.bridge.proto import bridge_pb2_grpc as pb_grpc
from worker.bridge.simulator_thread import SimulatorThread


async def create_and_confirm(address: str, claim_id: str) -> api.ClaimRecord:
    async with BridgeClient(address, tls=PLAINTEXT) as bridge:
        await bridge.create_claim(api.ClaimRequest(claim_id, "52998224725", "12345678", "87654321"))
        return await bridge.complete_claim(claim_id)


def test_simulator_thread_serves_synchronous_programs() -> None:
    claim_id = str(uuid.uuid4())
    with SimulatorThread("127.0.0.1:0") as sim:
        record = asyncio.run(create_and_confirm(sim.address, claim_id))
        assert record.status is api.ClaimStatus.CONFIRMED
        assert sim.claims[claim_id].status is api.ClaimStatus.CONFIRMED
        assert sim.calls("CreateClaim") == 1
        # Faults set from this thread apply to the server's loop.
        sim.set_fault("GetClaim", unavailable=True)
        with pytest.raises(api.BridgeUnavailableError):
            asyncio.run(BridgeClient(sim.address, tls=PLAINTEXT).get_claim(claim_id))
        address = sim.address
    with pytest.raises(api.BridgeUnavailableError):
        asyncio.run(BridgeClient(address, timeout=1.0, tls=PLAINTEXT).get_claim(claim_id))


def test_simulator_thread_reports_a_busy_port() -> None:
    with SimulatorThread() as first, pytest.raises(OSError, match="cannot listen"):
        SimulatorThread(first.address).start()


def test_admin_service_sets_faults_and_reads_stats() -> None:
    with SimulatorThread() as sim:
        claim_id = str(uuid.uuid4())
        asyncio.run(create_and_confirm(sim.address, claim_id))
        faults = admin.set_fault(
            sim.address, Fault("CreateClaim", error_rate=0.25, code="INTERNAL"), tls=PLAINTEXT
        )
        assert faults == [Fault("CreateClaim", error_rate=0.25, code="INTERNAL")]
        assert sim.faults.faults() == faults
        stats = admin.get_stats(sim.address, tls=PLAINTEXT)
        assert stats.calls == {"CreateClaim": 1, "CompleteClaim": 1}
        assert stats.claims == 1
        assert stats.claims_by_status == {"CONFIRMED": 1}
        assert stats.faults == faults
        admin.clear_faults(sim.address, tls=PLAINTEXT)
        assert admin.get_stats(sim.address, tls=PLAINTEXT).faults == []


def test_admin_service_refuses_bad_faults() -> None:
    """The server checks faults too: a bad one from another client changes nothing."""
    with SimulatorThread() as sim, grpc.insecure_channel(sim.address) as channel:
        stub = pb_grpc.BridgeSimulatorAdminStub(channel)  # type: ignore[no-untyped-call]
        for bad in (pb.Fault(error_rate=2), pb.Fault(method="Nope"), pb.Fault(code="BOGUS")):
            with pytest.raises(grpc.RpcError) as caught:
                stub.SetFault(bad, timeout=2)
            assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert sim.faults.faults() == []


def test_admin_on_nothing_listening_says_how_to_start_it() -> None:
    from stack.ports import free_port

    with pytest.raises(admin.SimulatorAdminError, match="bridge-sim serve"):
        admin.get_stats(f"127.0.0.1:{free_port()}", timeout=1.0, tls=PLAINTEXT)


def test_generated_code_matches_the_proto(tmp_path: Path) -> None:
    committed = protogen.REPO_ROOT / protogen.PROTO.parent
    for path in protogen.generate(tmp_path):
        assert filecmp.cmp(path, committed / path.name, shallow=False), (
            f"{path.name} is stale: run python -m worker.bridge.protogen"
        )
