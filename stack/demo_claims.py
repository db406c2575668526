"""The claims the demo runs through the live stack, one per outcome, and what it shows of them.

Keys are examples of each PIX key type; logs and output show them masked, as everywhere.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from temporalio.client import Client
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment

from core import settings
from core.domain import CLAIM_PERIOD, ClaimStatus
from core.temporal_client import connect, data_converter
from stack import binaries
from stack.demo_stack import DemoStack
from worker import search_attributes
from worker.bridge import admin
from worker.bridge.faults import Fault
from worker.main import running_worker
from worker.model import ClaimInput, ClaimState
from worker.starter import ClaimError, claim_status, decide_claim, start_claim
from worker.validation import mask_key

Say = Callable[[str], None]
CLAIMER, OWNER = "12345678", "87654321"
KEYS = (
    "maria.silva@example.com",
    "+5561988880001",
    "11144477735",  # a valid CPF made for examples
    "joao.souza@example.com",
    "+5511977770002",
)
TWICE_KEY, EXPIRY_KEY = "ana.costa@example.com", "+5521966660003"


@dataclass(frozen=True)
class Ran:
    settled_at: float  # unix time once the live claims were where the demo left them
    waiting_claim_id: str  # a claim still waiting for the owner's decision


def run_claims(stack: DemoStack, say: Say) -> Ran:
    say("\nClaims:")
    return asyncio.run(_run(stack, say))


def _claim(key: str) -> ClaimInput:
    return ClaimInput(str(uuid.uuid4()), key, CLAIMER, OWNER)


async def _waiting(client: Client, claim: ClaimInput, timeout: float = 30.0) -> ClaimState:
    """The claim's state once the Bridge has it (or the workflow gave up)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            state = await claim_status(client, claim.claim_id)
            if state.status is not ClaimStatus.OPEN:
                return state
        except ClaimError:
            pass  # the first workflow task has not run yet
        if time.monotonic() > deadline:
            raise TimeoutError(f"claim {claim.claim_id} still OPEN after {timeout:.0f}s")
        await asyncio.sleep(0.2)


def _line(what: str, claim: ClaimInput, state: ClaimState, note: str = "") -> str:
    return f"  {what:<34} key {mask_key(claim.entry_key):<26} -> {state.status}{note}"


async def _run(stack: DemoStack, say: Say) -> Ran:
    client = await connect(settings.load(stack.env).temporal)  # encrypting, as the worker
    bridge = stack.env["BRIDGE_ADDRESS"]

    async def through(claim: ClaimInput, confirm: bool | None) -> ClaimState:
        handle = await start_claim(client, claim)
        state = await _waiting(client, claim)
        if confirm is not None:
            await decide_claim(client, claim.claim_id, confirm)
            state = await handle.result()
        return state

    for key, confirm, what in (
        (KEYS[0], True, "confirmed by the owner"),
        (KEYS[1], False, "rejected by the owner"),
    ):
        claim = _claim(key)
        say(_line(what, claim, await through(claim, confirm)))

    admin.set_fault(bridge, Fault(method="CreateClaim", fail_next=2), tls=settings.PLAINTEXT)
    claim = _claim(KEYS[2])
    state = await through(claim, None)
    stats = admin.get_stats(bridge, tls=settings.PLAINTEXT)
    failed = stats.injected_failures.get("CreateClaim", 0)
    admin.clear_faults(bridge, tls=settings.PLAINTEXT)
    say(_line(f"Bridge failed {failed} times, retried", claim, state))
    for key in KEYS[3:]:
        claim = _claim(key)
        say(_line("waiting for the owner's decision", claim, await through(claim, None)))

    first = _claim(KEYS[0])
    for bad, why in (
        (ClaimInput(first.claim_id, first.entry_key, "1234", OWNER), "invalid ISPB"),
        (ClaimInput("not-a-claim-id", first.entry_key, CLAIMER, OWNER), "invalid claim id"),
    ):
        try:
            await start_claim(client, bad)
        except ClaimError as err:
            say(f"  refused, {why}: {err}")
    claim = _claim(TWICE_KEY)
    await start_claim(client, claim)
    try:
        await start_claim(client, claim)
    except ClaimError as err:
        say(f"  refused, started twice: {err}")
    await _waiting(client, claim)
    settled_at = time.time()
    await _expiry(stack, say)
    return Ran(settled_at, claim.claim_id)


async def _expiry(stack: DemoStack, say: Say) -> None:
    """The 30-day auto-cancel, on the time-skipping test server: a month in about a second."""
    # The test server does not advertise every capability of a real server and the SDK warns
    # about it on stderr, in the middle of the demo's output: only errors, for this one.
    quiet = TelemetryConfig(logging=LoggingConfig(TelemetryFilter("ERROR", "ERROR")))
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binaries.temporal_test_server()),
        runtime=Runtime(telemetry=quiet),
        data_converter=data_converter(settings.load(stack.env).temporal),
    )
    bridge = stack.env["BRIDGE_ADDRESS"]
    try:
        await search_attributes.ensure_registered(env.client)
        async with running_worker(env.client, bridge, metrics=False, bridge_tls=settings.PLAINTEXT):
            claim = _claim(EXPIRY_KEY)
            handle = await start_claim(env.client, claim)
            began = time.monotonic()
            state = await handle.result()
        took = time.monotonic() - began
        what = f"nobody decided for {CLAIM_PERIOD.days} days"
        say(_line(what, claim, state, f" (time-skipping server, {took:.1f}s of real time)"))
    finally:
        await env.shutdown()
