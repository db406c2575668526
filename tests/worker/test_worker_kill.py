"""A worker killed with SIGKILL in the middle of a claim's Bridge call loses nothing: on the real
dev server, five claims each hold a call in flight (CreateClaim, CompleteClaim, TransferEntry,
CancelClaim after a rejection, and CancelClaim at the deadline of a claim started with a short
period) when ``dictobs worker`` is killed; a new worker finishes every claim as decided (or as
its deadline says), on its first deadline, with each side effect once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from worker_support import monitors_closed, new_claim, wait_for_status

from core.domain import CLAIM_PERIOD, ClaimStatus
from worker.bridge.simulator import Simulator, run_simulator
from worker.model import DECISION_SIGNAL, ClaimState
from worker.starter import start_claim

pytestmark = pytest.mark.devserver

IN_FLIGHT = 6.0  # seconds each call is held at the Bridge: the kill lands inside it
PERIOD = 2.0  # seconds the expiring claim waits for a decision: its deadline comes in the test
CONFIRMED = {"create": 1, "complete": 1, "transfer": 1, "notify": 1}
CANCELLED = {"create": 1, "cancel": 1, "notify": 1}  # rejected, or expired at the deadline


async def _worker(address: str, sim: Simulator, queue: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_TASK_QUEUE": queue,
        "BRIDGE_ADDRESS": sim.address,
        "BRIDGE_PLAINTEXT": "true",  # the simulator here serves plain gRPC
    }
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "dictobs"), "worker", "--no-metrics",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
    assert b"worker polling" in line, line
    return proc


async def _until(check: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with run_simulator("127.0.0.1:0") as simulator:
        yield simulator


async def test_a_killed_worker_loses_no_decision_and_repeats_no_side_effect(
    dev_server, dev_client: Client, sim: Simulator
):
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    worker = await _worker(dev_server.address, sim, queue)
    created, confirmed, completed, rejected = (new_claim() for _ in range(4))
    expiring = replace(new_claim(), period_seconds=PERIOD)
    handles = {}
    for claim in (confirmed, completed, rejected):
        handles[claim.claim_id] = await start_claim(dev_client, claim, task_queue=queue)
        await wait_for_status(handles[claim.claim_id], ClaimStatus.WAITING_RESOLUTION)

    async def hold(method: str, start: Callable[[], Awaitable[None]]) -> None:
        before = sim.calls(method)
        sim.set_fault(method, latency=IN_FLIGHT)
        await start()
        await _until(lambda: sim.calls(method) > before, f"{method} in flight")

    async def decide(claim_id: str, confirm: bool) -> None:
        await handles[claim_id].signal(DECISION_SIGNAL, confirm)

    async def create() -> None:
        handles[created.claim_id] = await start_claim(dev_client, created, task_queue=queue)
        await handles[created.claim_id].signal(DECISION_SIGNAL, True)

    async def expire() -> None:  # nobody decides: CancelClaim (EXPIRED) goes out at the deadline
        handles[expiring.claim_id] = await start_claim(dev_client, expiring, task_queue=queue)

    # The deadline first: the cancel it causes must be held before the rejection's is.
    await hold("CancelClaim", expire)
    first_held = asyncio.get_running_loop().time()
    # The transfer next: its claim must pass CompleteClaim before that is held too.
    await hold("TransferEntry", lambda: decide(completed.claim_id, True))
    await hold("CompleteClaim", lambda: decide(confirmed.claim_id, True))
    await hold("CancelClaim", lambda: decide(rejected.claim_id, False))
    await hold("CreateClaim", create)
    # Not a speed check: the test proves nothing unless every held call is still in flight.
    held = asyncio.get_running_loop().time() - first_held
    assert held < IN_FLIGHT, f"the first held call ended before the kill ({held:.1f} s)"
    worker.send_signal(signal.SIGKILL)
    await worker.wait()
    sim.clear_faults()

    # The calls in flight time out (StartToClose, 30 s) and are retried on the new worker.
    worker = await _worker(dev_server.address, sim, queue)
    try:
        results: dict[str, ClaimState] = {}
        for claim_id, handle in handles.items():
            results[claim_id] = await asyncio.wait_for(handle.result(), timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        await worker.wait()

    expected = {
        created.claim_id: (ClaimStatus.COMPLETED, CONFIRMED),
        confirmed.claim_id: (ClaimStatus.COMPLETED, CONFIRMED),
        completed.claim_id: (ClaimStatus.COMPLETED, CONFIRMED),
        rejected.claim_id: (ClaimStatus.CANCELLED, CANCELLED),
        expiring.claim_id: (ClaimStatus.EXPIRED, CANCELLED),
    }
    for claim_id, (status, effects) in expected.items():
        state = results[claim_id]
        assert (state.status, sim.effects(claim_id)) == (status, effects), claim_id
        desc = await handles[claim_id].describe()
        period = timedelta(seconds=PERIOD) if claim_id == expiring.claim_id else CLAIM_PERIOD
        assert state.deadline == desc.start_time + period, claim_id
        await monitors_closed(dev_client, claim_id, runs=1)
