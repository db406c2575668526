"""The client against the simulator over real gRPC on loopback: every method, idempotency and
each domain error as the activities see it."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from grpc import aio

from core.settings import PLAINTEXT
from stack.ports import free_port
from worker.bridge import api
from worker.bridge.client import BridgeClient
from worker.bridge.proto import bridge_pb2 as pb
from worker.bridge.proto import bridge_pb2_grpc as pb_grpc
from worker.bridge.simulator import Simulator, run_simulator

CPF = "12345678909"
CLAIMER, OWNER = "12345678", "87654321"


def new_id() -> str:
    return str(uuid.uuid4())


def claim(key: str = CPF, claim_id: str | None = None) -> api.ClaimRequest:
    return api.ClaimRequest(claim_id or new_id(), key, CLAIMER, OWNER)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator("127.0.0.1:0") as simulator:
        yield simulator


@pytest.fixture
async def bridge(sim: Simulator) -> AsyncIterator[BridgeClient]:
    async with BridgeClient(sim.address, timeout=2.0, tls=PLAINTEXT) as client:
        yield client


async def test_confirmed_claim_runs_every_method(sim: Simulator, bridge: BridgeClient) -> None:
    request = claim()
    created = await bridge.create_claim(request)
    assert created.claim_id == request.claim_id
    assert created.status is api.ClaimStatus.WAITING_RESOLUTION
    assert created.external_id
    age = created.expires_at - sim.claims[request.claim_id].expires_at
    assert age.total_seconds() == 0
    assert created.expires_at.utcoffset() is not None  # timezone-aware

    assert (await bridge.complete_claim(request.claim_id)).status is api.ClaimStatus.CONFIRMED
    await bridge.transfer_entry(request.claim_id)
    await bridge.notify_users(request.claim_id, True)
    final = await bridge.get_claim(request.claim_id)
    assert final.status is api.ClaimStatus.COMPLETED
    assert final.external_id == created.external_id
    assert sim.transfers(request.claim_id) == 1
    assert sim.notifications(request.claim_id) == 1


async def test_expiry_is_thirty_days_after_creation(bridge: BridgeClient) -> None:
    before = datetime.now(UTC)
    record = await bridge.create_claim(claim())
    after = datetime.now(UTC)
    assert before + timedelta(days=30) <= record.expires_at <= after + timedelta(days=30)


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        (api.CancelReason.REJECTED, api.ClaimStatus.CANCELLED),
        (api.CancelReason.REQUESTED, api.ClaimStatus.CANCELLED),
        (api.CancelReason.EXPIRED, api.ClaimStatus.EXPIRED),
    ],
)
async def test_cancel_ends_the_claim_and_frees_the_key(
    sim: Simulator, bridge: BridgeClient, reason: api.CancelReason, status: api.ClaimStatus
) -> None:
    first = claim()
    await bridge.create_claim(first)
    assert (await bridge.cancel_claim(first.claim_id, reason)).status is status
    # Cancelling again is a retry, not an error.
    assert (await bridge.cancel_claim(first.claim_id, reason)).status is status
    await bridge.notify_users(first.claim_id, False)
    # The key may be claimed again once the claim is over.
    second = await bridge.create_claim(claim())
    assert second.status is api.ClaimStatus.WAITING_RESOLUTION
    assert len(sim.claims) == 2


async def test_retried_create_returns_the_same_claim(sim: Simulator, bridge: BridgeClient) -> None:
    request = claim()
    first = await bridge.create_claim(request)
    second = await bridge.create_claim(request)
    assert second == first
    assert list(sim.claims) == [request.claim_id]
    assert sim.calls("CreateClaim") == 2


async def test_create_with_a_used_claim_id_and_other_data_is_refused(
    bridge: BridgeClient,
) -> None:
    request = claim()
    await bridge.create_claim(request)
    other = api.ClaimRequest(request.claim_id, "52998224725", CLAIMER, OWNER)
    with pytest.raises(api.ValidationError, match="claim_id"):
        await bridge.create_claim(other)


async def test_retried_transfer_moves_the_key_once(sim: Simulator, bridge: BridgeClient) -> None:
    request = claim()
    await bridge.create_claim(request)
    await bridge.complete_claim(request.claim_id)
    await bridge.complete_claim(request.claim_id)  # a retry answers CONFIRMED again
    await bridge.transfer_entry(request.claim_id)
    await bridge.transfer_entry(request.claim_id)
    assert sim.transfers(request.claim_id) == 1
    assert sim.stats().transfers == 1


async def test_transfer_whose_answer_was_lost_is_not_repeated(sim: Simulator) -> None:
    """The Bridge transfers but the answer comes after the deadline; the retry must not
    transfer a second time."""
    request = claim()
    async with BridgeClient(sim.address, timeout=0.3, tls=PLAINTEXT) as bridge:
        await bridge.create_claim(request)
        await bridge.complete_claim(request.claim_id)
        sim.set_fault("TransferEntry", latency=0.6)
        with pytest.raises(api.BridgeUnavailableError):
            await bridge.transfer_entry(request.claim_id)
        sim.clear_faults()
        await bridge.transfer_entry(request.claim_id)
    assert sim.transfers(request.claim_id) == 1
    assert sim.claims[request.claim_id].status is api.ClaimStatus.COMPLETED


async def test_notifications_are_idempotent_per_claim_and_outcome(
    sim: Simulator, bridge: BridgeClient
) -> None:
    request = claim()
    await bridge.create_claim(request)
    for _ in range(3):
        await bridge.notify_users(request.claim_id, True)
    assert sim.notifications(request.claim_id) == 1
    await bridge.notify_users(request.claim_id, False)  # another outcome is another message
    assert sim.ledger.notifications(request.claim_id) == [True, False]
    assert sim.effects(request.claim_id) == {"create": 1, "notify": 2}


async def test_second_open_claim_on_a_key_is_key_already_exists(
    sim: Simulator, bridge: BridgeClient
) -> None:
    await bridge.create_claim(claim())
    with pytest.raises(api.KeyAlreadyExistsError) as caught:
        await bridge.create_claim(claim())
    assert caught.value.non_retryable
    assert caught.value.error_type == "KeyAlreadyExistsError"
    assert CPF not in str(caught.value)
    assert len(sim.claims) == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda b, cid: b.complete_claim(cid),
        lambda b, cid: b.cancel_claim(cid, api.CancelReason.REJECTED),
        lambda b, cid: b.get_claim(cid),
        lambda b, cid: b.transfer_entry(cid),
        lambda b, cid: b.notify_users(cid, True),
    ],
    ids=["complete", "cancel", "get", "transfer", "notify"],
)
async def test_unknown_claim_is_not_found(bridge: BridgeClient, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(api.NotFoundError) as caught:
        await call(bridge, new_id())
    assert caught.value.non_retryable


async def test_completing_a_cancelled_claim_is_already_resolved(bridge: BridgeClient) -> None:
    request = claim()
    await bridge.create_claim(request)
    await bridge.cancel_claim(request.claim_id, api.CancelReason.EXPIRED)
    with pytest.raises(api.AlreadyResolvedError) as caught:
        await bridge.complete_claim(request.claim_id)
    assert caught.value.non_retryable
    with pytest.raises(api.AlreadyResolvedError):
        await bridge.transfer_entry(request.claim_id)


async def test_cancelling_a_completed_claim_is_already_resolved(bridge: BridgeClient) -> None:
    request = claim()
    await bridge.create_claim(request)
    await bridge.complete_claim(request.claim_id)
    await bridge.transfer_entry(request.claim_id)
    with pytest.raises(api.AlreadyResolvedError):
        await bridge.cancel_claim(request.claim_id, api.CancelReason.REQUESTED)


async def test_transfer_before_confirmation_is_refused(
    sim: Simulator, bridge: BridgeClient
) -> None:
    request = claim()
    await bridge.create_claim(request)
    with pytest.raises(api.NotConfirmedError) as caught:
        await bridge.transfer_entry(request.claim_id)
    assert caught.value.non_retryable
    assert sim.transfers(request.claim_id) == 0


INVALID_CALLS = {
    "bad key": lambda b: b.create_claim(claim(key="12345678900")),
    "bad claim id": lambda b: b.create_claim(claim(claim_id="claim-1")),
    "same ispb": lambda b: b.create_claim(api.ClaimRequest(new_id(), CPF, CLAIMER, CLAIMER)),
    "bad ispb": lambda b: b.create_claim(api.ClaimRequest(new_id(), CPF, "123", OWNER)),
    "complete": lambda b: b.complete_claim("NOT-A-UUID"),
    "cancel id": lambda b: b.cancel_claim("", api.CancelReason.REJECTED),
    "cancel reason": lambda b: b.cancel_claim(new_id(), "REJECTED"),
    "get": lambda b: b.get_claim(new_id().upper()),
    "transfer": lambda b: b.transfer_entry("x"),
    "notify": lambda b: b.notify_users("x", True),
}


@pytest.mark.parametrize("call", INVALID_CALLS.values(), ids=INVALID_CALLS.keys())
async def test_invalid_input_never_reaches_the_bridge(sim: Simulator, call) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, str, float]] = []
    async with BridgeClient(
        sim.address, observer=lambda *a: seen.append(a), tls=PLAINTEXT
    ) as bridge:
        with pytest.raises(api.ValidationError) as caught:
            await call(bridge)
    assert caught.value.non_retryable
    assert sim.calls() == 0
    assert seen == []


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (
            pb.CreateClaimRequest(
                claim_id=new_id(), entry_key="12345678900", claimer_ispb=CLAIMER, owner_ispb=OWNER
            ),
            "entry_key",
        ),
        (
            pb.CreateClaimRequest(
                claim_id=new_id(), entry_key=CPF, claimer_ispb=CLAIMER, owner_ispb="1"
            ),
            "owner_ispb",
        ),
        (pb.CancelClaimRequest(claim_id=new_id()), "reason"),
        (pb.GetClaimRequest(claim_id="42"), "claim_id"),
    ],
)
async def test_simulator_validates_what_other_clients_send(
    sim: Simulator, request_: object, field: str
) -> None:
    """A client that skips validation still gets INVALID_ARGUMENT, typed ValidationError."""
    method = type(request_).__name__.removesuffix("Request")
    async with aio.insecure_channel(sim.address) as channel:
        stub = pb_grpc.BridgeServiceStub(channel)  # type: ignore[no-untyped-call]
        with pytest.raises(aio.AioRpcError) as caught:
            await getattr(stub, method)(request_, timeout=2)
    assert caught.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert (caught.value.details() or "").startswith(f"{field}: ")
    trailing: list[tuple[str, str]] = list(caught.value.trailing_metadata() or ())  # type: ignore[arg-type]
    assert ("dict-error-type", "ValidationError") in trailing


async def test_nothing_listening_is_bridge_unavailable() -> None:
    async with BridgeClient(f"127.0.0.1:{free_port()}", timeout=2.0, tls=PLAINTEXT) as bridge:
        with pytest.raises(api.BridgeUnavailableError) as caught:
            await bridge.get_claim(new_id())
    assert not caught.value.non_retryable


async def test_closed_client_refuses_calls(sim: Simulator) -> None:
    bridge = BridgeClient(sim.address, tls=PLAINTEXT)
    await bridge.create_claim(claim())
    await bridge.close()
    with pytest.raises(RuntimeError, match="closed"):
        await bridge.get_claim(new_id())


async def test_concurrent_retries_of_one_create_make_one_claim(
    sim: Simulator, bridge: BridgeClient
) -> None:
    request = claim()
    records = await asyncio.gather(*(bridge.create_claim(request) for _ in range(20)))
    assert len(set(records)) == 1
    assert list(sim.claims) == [request.claim_id]
    assert sim.calls("CreateClaim") == 20


async def test_a_confirmed_claim_can_still_be_cancelled(
    sim: Simulator, bridge: BridgeClient
) -> None:
    request = claim()
    await bridge.create_claim(request)
    await bridge.complete_claim(request.claim_id)
    record = await bridge.cancel_claim(request.claim_id, api.CancelReason.REQUESTED)
    assert record.status is api.ClaimStatus.CANCELLED
    with pytest.raises(api.AlreadyResolvedError):
        await bridge.transfer_entry(request.claim_id)
    assert sim.transfers(request.claim_id) == 0


async def test_logs_show_masked_keys_only(
    sim: Simulator, bridge: BridgeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="worker.bridge")
    email = "maria.silva@example.com"
    await bridge.create_claim(claim(key=email))
    with pytest.raises(api.KeyAlreadyExistsError) as caught:
        await bridge.create_claim(claim(key=email))
    assert "m***@e***.com" in caplog.text
    assert email not in caplog.text
    assert email not in str(caught.value)
