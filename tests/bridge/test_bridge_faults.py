"""Fault injection as the client sees it, and what the observer is told about each call."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from core.settings import PLAINTEXT
from worker.bridge import api
from worker.bridge.client import BridgeClient
from worker.bridge.simulator import Simulator, run_simulator

CPF = "12345678909"


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator("127.0.0.1:0", seed=7) as simulator:
        yield simulator


@pytest.fixture
async def bridge(sim: Simulator) -> AsyncIterator[BridgeClient]:
    async with BridgeClient(sim.address, timeout=2.0, tls=PLAINTEXT) as client:
        yield client


async def outcome(bridge: BridgeClient) -> str:
    try:
        await bridge.get_claim(new_id())
    except api.BridgeError as err:
        return type(err).__name__
    return "OK"


async def test_latency_beyond_the_deadline_is_bridge_unavailable(sim: Simulator) -> None:
    sim.set_fault("CreateClaim", latency=0.5)
    async with BridgeClient(sim.address, timeout=0.1, tls=PLAINTEXT) as bridge:
        with pytest.raises(api.BridgeUnavailableError, match="DEADLINE_EXCEEDED") as caught:
            await bridge.create_claim(api.ClaimRequest(new_id(), CPF, "12345678", "87654321"))
    assert not caught.value.non_retryable


async def test_unavailable_fails_every_call_until_cleared(
    sim: Simulator, bridge: BridgeClient
) -> None:
    sim.set_fault(unavailable=True)
    assert [await outcome(bridge) for _ in range(3)] == ["BridgeUnavailableError"] * 3
    sim.clear_faults()
    assert await outcome(bridge) == "NotFoundError"
    assert sim.stats().injected_failures == {"GetClaim": 3}


async def test_fail_next_fails_exactly_n_calls_with_the_code(
    sim: Simulator, bridge: BridgeClient
) -> None:
    sim.set_fault("GetClaim", fail_next=2, code="INTERNAL")
    results = [await outcome(bridge) for _ in range(3)]
    assert results == ["BridgeInternalError", "BridgeInternalError", "NotFoundError"]
    assert sim.calls("GetClaim") == 3


async def test_a_lost_reply_does_the_work_and_then_fails(
    sim: Simulator, bridge: BridgeClient
) -> None:
    request = api.ClaimRequest(new_id(), CPF, "12345678", "87654321")
    sim.set_fault("CreateClaim", lose_reply_next=2, code="DEADLINE_EXCEEDED")
    for _ in range(2):
        with pytest.raises(api.BridgeUnavailableError, match="DEADLINE_EXCEEDED"):
            await bridge.create_claim(request)
    # The claim was created by the first call: the retry is answered idempotently.
    assert sim.claims[request.claim_id].status is api.ClaimStatus.WAITING_RESOLUTION
    record = await bridge.create_claim(request)
    assert record.claim_id == request.claim_id
    sim.set_fault("CompleteClaim", lose_reply_next=1)
    with pytest.raises(api.BridgeUnavailableError):
        await bridge.complete_claim(request.claim_id)
    assert sim.claims[request.claim_id].status is api.ClaimStatus.CONFIRMED
    assert sim.effects(request.claim_id) == {"create": 1, "complete": 1}
    assert sim.stats().injected_failures == {"CreateClaim": 2, "CompleteClaim": 1}


async def test_a_lost_reply_to_a_refused_call_still_fails_as_lost(
    sim: Simulator, bridge: BridgeClient
) -> None:
    sim.set_fault("GetClaim", lose_reply_next=1, code="INTERNAL")
    assert await outcome(bridge) == "BridgeInternalError"  # NOT_FOUND never reached the caller
    assert await outcome(bridge) == "NotFoundError"


async def test_injected_status_codes_map_to_domain_errors(
    sim: Simulator, bridge: BridgeClient
) -> None:
    expected = {
        "UNAVAILABLE": "BridgeUnavailableError",
        "DEADLINE_EXCEEDED": "BridgeUnavailableError",
        "RESOURCE_EXHAUSTED": "BridgeUnavailableError",
        "INTERNAL": "BridgeInternalError",
        "UNKNOWN": "BridgeInternalError",
        "NOT_FOUND": "NotFoundError",
        "ALREADY_EXISTS": "KeyAlreadyExistsError",
        "FAILED_PRECONDITION": "AlreadyResolvedError",
        "INVALID_ARGUMENT": "ValidationError",
        "PERMISSION_DENIED": "BridgeInternalError",
    }
    for code, error in expected.items():
        sim.set_fault(fail_next=1, code=code)
        assert await outcome(bridge) == error, code


async def test_a_method_fault_leaves_other_methods_alone(
    sim: Simulator, bridge: BridgeClient
) -> None:
    sim.set_fault("CreateClaim", unavailable=True)
    assert await outcome(bridge) == "NotFoundError"
    with pytest.raises(api.BridgeUnavailableError):
        await bridge.create_claim(api.ClaimRequest(new_id(), CPF, "12345678", "87654321"))
    assert sim.claims == {}


async def test_error_rate_is_reproducible_with_the_same_seed() -> None:
    patterns = []
    for _ in range(2):
        async with (
            run_simulator(seed=42) as sim,
            BridgeClient(sim.address, tls=PLAINTEXT) as bridge,
        ):
            sim.set_fault(error_rate=0.5, code="INTERNAL")
            patterns.append([await outcome(bridge) for _ in range(20)])
    assert patterns[0] == patterns[1]
    assert set(patterns[0]) == {"BridgeInternalError", "NotFoundError"}


async def test_error_rate_one_fails_every_call(sim: Simulator, bridge: BridgeClient) -> None:
    sim.set_fault("GetClaim", error_rate=1.0)
    assert {await outcome(bridge) for _ in range(5)} == {"BridgeUnavailableError"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"error_rate": 1.5}, "outside"),
        ({"error_rate": -0.1}, "outside"),
        ({"latency": -1}, "latency"),
        ({"fail_next": -1}, "fail_next"),
        ({"lose_reply_next": -1}, "lose_reply_next"),
        ({"code": "NOPE"}, "NOPE"),
        ({"code": "OK"}, "OK"),
    ],
)
def test_bad_fault_values_are_refused(kwargs: dict[str, object], message: str) -> None:
    sim = Simulator()
    with pytest.raises(ValueError, match=message):
        sim.set_fault(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a Bridge method"):
        sim.set_fault("DeleteEverything")
    assert sim.faults.faults() == []


async def test_observer_hears_every_call_sent(sim: Simulator) -> None:
    seen: list[tuple[str, str, float]] = []
    async with BridgeClient(
        sim.address, observer=lambda *a: seen.append(a), tls=PLAINTEXT
    ) as bridge:
        request = api.ClaimRequest(new_id(), CPF, "12345678", "87654321")
        await bridge.create_claim(request)
        await outcome(bridge)
        sim.set_fault("CompleteClaim", fail_next=1)
        with pytest.raises(api.BridgeUnavailableError):
            await bridge.complete_claim(request.claim_id)
        await bridge.complete_claim(request.claim_id)
    assert [(m, s) for m, s, _ in seen] == [
        ("CreateClaim", "OK"),
        ("GetClaim", "NOT_FOUND"),
        ("CompleteClaim", "UNAVAILABLE"),
        ("CompleteClaim", "OK"),
    ]
    assert all(isinstance(sec, float) and sec >= 0 for _, _, sec in seen)


async def test_deadline_is_reported_as_deadline_exceeded_with_its_duration(
    sim: Simulator,
) -> None:
    seen: list[tuple[str, str, float]] = []
    sim.set_fault("GetClaim", latency=0.5)
    async with BridgeClient(
        sim.address, timeout=0.2, observer=lambda *a: seen.append(a), tls=PLAINTEXT
    ) as b:
        with pytest.raises(api.BridgeUnavailableError):
            await b.get_claim(new_id())
    [(method, status, seconds)] = seen
    assert (method, status) == ("GetClaim", "DEADLINE_EXCEEDED")
    assert seconds >= 0.2


async def test_a_failing_observer_does_not_fail_the_call(sim: Simulator) -> None:
    def broken(method: str, status: str, seconds: float) -> None:
        raise RuntimeError("metrics backend down")

    async with BridgeClient(sim.address, observer=broken, tls=PLAINTEXT) as bridge:
        record = await bridge.create_claim(api.ClaimRequest(new_id(), CPF, "12345678", "87654321"))
    assert record.status is api.ClaimStatus.WAITING_RESOLUTION
