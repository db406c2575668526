"""The worker on the real dev server: its /metrics holds the catalog's metrics with the catalog's
labels and passes promtool, claims are searchable by their attributes, and bad input is refused
with nothing left behind."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client, WorkflowFailureError
from temporalio.service import RPCError
from worker_support import new_claim, wait_for_status

from core import domain
from core import visibility as queries
from core.catalog import sdk
from core.catalog import worker as claims
from core.catalog.model import Metric
from core.settings import PLAINTEXT
from stack.devserver import DevServer
from stack.ports import free_port
from toolkit import promtool
from worker import search_attributes
from worker.bridge.api import ClaimStatus
from worker.bridge.simulator import Simulator, run_simulator
from worker.main import running_worker
from worker.model import DECISION_SIGNAL, ClaimInput, claim_workflow_id
from worker.runtime import make_runtime
from worker.starter import ClaimError, claim_status, decide_claim, start_claim
from worker.workflows import CreateClaimWorkflow

pytestmark = pytest.mark.devserver


@dataclass
class Stack:
    client: Client
    sim: Simulator
    task_queue: str
    metrics_url: str
    server: DevServer


@pytest.fixture(scope="module")
async def stack(dev_server: DevServer) -> AsyncIterator[Stack]:
    """A fully instrumented worker on its own task queue, and a simulator behind it."""
    port = free_port()
    runtime = make_runtime(f"127.0.0.1:{port}")
    client = await Client.connect(
        dev_server.address, namespace=dev_server.namespace, runtime=runtime
    )
    queue = f"dict-task-queue-{uuid.uuid4().hex[:8]}"
    async with (
        run_simulator("127.0.0.1:0") as sim,
        running_worker(client, sim.address, task_queue=queue, bridge_tls=PLAINTEXT),
    ):
        yield Stack(client, sim, queue, f"http://127.0.0.1:{port}/metrics", dev_server)


async def _resolved(stack: Stack, confirm: bool) -> ClaimInput:
    claim = new_claim()
    handle = await start_claim(stack.client, claim, task_queue=stack.task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    await handle.signal(DECISION_SIGNAL, confirm)
    await handle.result()
    return claim


@pytest.fixture(scope="module")
async def metrics_body(stack: Stack) -> str:
    """/metrics after a confirmed claim (one CreateClaim retry), a rejected one and one the
    Bridge refused (its workflow fails)."""
    stack.sim.set_fault("CreateClaim", fail_next=1)
    await _resolved(stack, True)
    await _resolved(stack, False)
    stack.sim.set_fault("CreateClaim", fail_next=1, code="INVALID_ARGUMENT")
    refused = await start_claim(stack.client, new_claim(), task_queue=stack.task_queue)
    with pytest.raises(WorkflowFailureError):
        await refused.result()
    return await asyncio.to_thread(
        lambda: urllib.request.urlopen(stack.metrics_url, timeout=5).read().decode()
    )


def _series(body: str) -> dict[str, list[dict[str, str]]]:
    """Labels of every sample by the catalog name it belongs to (histogram parts folded)."""
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            name = sample.name
            if family.type == "histogram":
                name = family.name
            found[name].append(dict(sample.labels))
    return found


# The SDK metrics a worker running claims always emits; the others (failures, continue-as-new,
# cache misses) appear only when that happens.
ALWAYS = (
    sdk.WORKFLOW_COMPLETED,
    sdk.WORKFLOW_ENDTOEND_LATENCY,
    sdk.WORKFLOW_TASK_SCHEDULE_TO_START,
    sdk.WORKFLOW_TASK_EXECUTION_LATENCY,
    sdk.ACTIVITY_EXECUTION_FAILED,
    sdk.ACTIVITY_EXECUTION_LATENCY,
    sdk.ACTIVITY_SCHEDULE_TO_START,
    sdk.ACTIVITY_SUCCEED_ENDTOEND_LATENCY,
    sdk.ACTIVITY_TASK_RECEIVED,
    sdk.WORKER_TASK_SLOTS_AVAILABLE,
    sdk.WORKER_TASK_SLOTS_USED,
    sdk.NUM_POLLERS,
    sdk.WORKER_START,
    sdk.STICKY_CACHE_SIZE,
    sdk.REQUEST,
    sdk.REQUEST_LATENCY,
    sdk.LONG_REQUEST,
    sdk.LONG_REQUEST_LATENCY,
    sdk.WORKFLOW_TASK_POLL_SUCCEED,
    *claims.CLAIM_METRICS,
)


# Labels a series carries only for some calls: task_queue is on requests that name a queue.
OPTIONAL = {"task_queue"}


def _label_mismatch(metric: Metric, samples: list[dict[str, str]]) -> str | None:
    seen = set().union(*samples) - {"le"}
    wanted = set(metric.labels)
    optional = OPTIONAL if metric.name.startswith("temporal_request") else set()
    ok = seen <= wanted and wanted - seen <= optional
    return None if ok else f"{metric.name}: labels {sorted(seen)}"


async def test_metrics_hold_the_catalog_with_its_labels(metrics_body):
    found = _series(metrics_body)
    missing = [m.name for m in ALWAYS if m.name not in found]
    assert not missing, f"not on /metrics: {missing}"
    wrong = [
        _label_mismatch(m, found[m.name])
        for m in sdk.SDK_METRICS + claims.CLAIM_METRICS
        if m.name in found
    ]
    assert not any(wrong), [w for w in wrong if w]
    outcomes = {s["outcome"] for s in found[claims.CLAIMS_RESOLVED.name]}
    assert outcomes == {"confirmed", "cancelled"}
    failures = {s["error_type"] for s in found[claims.ACTIVITY_FAILURES.name]}
    assert failures == {"BridgeUnavailableError", "ValidationError"}
    refused = {s["reason"] for s in found[claims.CLAIMS_REFUSED.name]}
    assert refused == {"ValidationError"}
    statuses = {(s["method"], s["status"]) for s in found[claims.BRIDGE_REQUEST_DURATION.name]}
    assert {("CreateClaim", "UNAVAILABLE"), ("CreateClaim", "OK"), ("GetClaim", "OK")} <= statuses


async def test_histograms_use_the_catalog_buckets(metrics_body):
    for metric in (
        claims.CLAIM_RESOLUTION,
        sdk.WORKFLOW_ENDTOEND_LATENCY,
        sdk.ACTIVITY_SCHEDULE_TO_START,
    ):
        bounds = {
            float(line.split('le="')[1].split('"')[0])
            for line in metrics_body.splitlines()
            if line.startswith(metric.bucket + "{")
        }
        assert bounds == {*metric.buckets, float("inf")}, metric.name


async def test_no_label_holds_a_claim_id_or_key(stack, metrics_body):
    for claim_id in stack.sim.claims:
        assert claim_id not in metrics_body
    assert "claim-" not in metrics_body


async def test_promtool_accepts_the_metrics(metrics_body):
    result = promtool.run("check", "metrics", input=metrics_body)
    assert result.returncode == 0, result.stdout + result.stderr


async def _count(client: Client, query: str, want: int) -> int:
    """Visibility is eventually consistent: poll briefly for the expected count."""
    count = -1
    for _ in range(50):
        count = (await client.count_workflows(query)).count
        if count == want:
            break
        await asyncio.sleep(0.1)
    return count


async def test_claims_are_searchable_by_status_deadline_and_ispb(stack, metrics_body):
    q = f"TaskQueue = '{stack.task_queue}'"
    assert await _count(stack.client, f"{q} AND {domain.SA_CLAIM_STATUS} = 'COMPLETED'", 1) == 1
    assert await _count(stack.client, f"{q} AND {domain.SA_CLAIM_STATUS} = 'CANCELLED'", 1) == 1

    claim = new_claim()
    handle = await start_claim(stack.client, claim, task_queue=stack.task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    waiting = f"{q} AND {domain.SA_CLAIM_STATUS} = 'WAITING_RESOLUTION'"
    assert await _count(stack.client, waiting, 1) == 1
    soon = (datetime.now(UTC) + timedelta(days=31)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=29)).isoformat()
    assert await _count(stack.client, f"{waiting} AND {domain.SA_CLAIM_DEADLINE} < '{soon}'", 1)
    assert (
        await _count(stack.client, f"{waiting} AND {domain.SA_CLAIM_DEADLINE} < '{later}'", 0) == 0
    )
    ispb = (
        f"{domain.SA_CLAIMER_ISPB} = '{claim.claimer_ispb}' "
        f"AND {domain.SA_OWNER_ISPB} = '{claim.owner_ispb}'"
    )
    assert await _count(stack.client, f"{waiting} AND {ispb}", 1) == 1
    # The status carries the moment it was set: what the exporter finds stuck claims by.
    attrs = (await handle.describe()).typed_search_attributes
    since = attrs.get(search_attributes.STATUS_SINCE)
    assert since is not None and since >= (await handle.describe()).start_time
    # Found the way the exporter asks: set before a moment, not set before an earlier one.
    after, before = since + timedelta(seconds=1), since - timedelta(seconds=1)
    stuck = f"{waiting} AND {domain.SA_CLAIM_STATUS_SINCE} < "
    assert await _count(stack.client, f"{stuck}'{queries.timestamp(after)}'", 1) == 1
    assert await _count(stack.client, f"{stuck}'{queries.timestamp(before)}'", 0) == 0
    # SQLite visibility refuses GROUP BY on a custom attribute: count status by status.
    running = f"{q} AND ExecutionStatus = 'Running' AND {domain.SA_CLAIM_STATUS} = "
    assert await _count(stack.client, running + "'WAITING_RESOLUTION'", 1) == 1
    assert await _count(stack.client, running + "'COMPLETED'", 0) == 0

    await decide_claim(stack.client, claim.claim_id, True)
    await handle.result()
    done = f"{q} AND {domain.SA_CLAIM_STATUS} = 'COMPLETED'"
    assert await _count(stack.client, done, 2) == 2


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("claim_id", {"claim_id": "not-a-uuid"}),
        ("claim_id", {"claim_id": "3F2B8C1E-9D4A-4E6B-8A7C-1B2C3D4E5F60"}),
        ("claimer_ispb", {"claimer_ispb": "1234567"}),
        ("owner_ispb", {"owner_ispb": "1234567X"}),
        ("owner_ispb", {"owner_ispb": "12345678"}),  # same institution on both sides
        ("entry_key", {"entry_key": "12345678900"}),  # CPF with wrong check digits
        ("entry_key", {"entry_key": "+55 61 98888-0000"}),
        ("entry_key", {"entry_key": "not a key"}),
        ("period", {"period_seconds": 0.0}),
        ("period", {"period_seconds": 31 * 86400.0}),  # past the specification's 30 days
    ],
)
async def test_bad_input_is_refused_and_nothing_is_started(stack, field, change):
    claim = ClaimInput(**{**new_claim().__dict__, **change})
    before = stack.sim.calls("CreateClaim")
    with pytest.raises(ClaimError, match=f"^{field}: "):
        await start_claim(stack.client, claim, task_queue=stack.task_queue)
    assert stack.sim.calls("CreateClaim") == before
    if "claim_id" not in change:
        with pytest.raises(RPCError):
            await stack.client.get_workflow_handle(claim_workflow_id(claim.claim_id)).describe()


async def test_a_second_start_of_a_claim_is_refused(stack):
    claim = new_claim()
    handle = await start_claim(stack.client, claim, task_queue=stack.task_queue)
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)
    with pytest.raises(ClaimError, match="already started"):
        await start_claim(stack.client, claim, task_queue=stack.task_queue)
    assert list(stack.sim.claims).count(claim.claim_id) == 1
    with pytest.raises(ClaimError, match="decision: expected true"):
        await decide_claim(stack.client, claim.claim_id, "yes")
    await decide_claim(stack.client, claim.claim_id, False)
    await handle.result()
    # Refused even once closed: a claim id is one claim for good.
    with pytest.raises(ClaimError, match="already started"):
        await start_claim(stack.client, claim, task_queue=stack.task_queue)


async def test_an_unknown_claim_is_named(stack):
    missing = str(uuid.uuid4())
    with pytest.raises(ClaimError, match=f"no claim {missing}"):
        await claim_status(stack.client, missing)


async def _cli(stack: Stack, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": stack.server.address,
        "TEMPORAL_TASK_QUEUE": stack.task_queue,
    }
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "dictobs"), *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_cli_starts_decides_and_reports_a_claim(stack, tmp_path):
    claim = new_claim()
    key_file = tmp_path / "key"
    key_file.write_text(claim.entry_key + "\n")
    code, out, err = await _cli(
        stack, "claim", "start", "--claim-id", claim.claim_id, "--key-file", str(key_file),
        "--claimer-ispb", claim.claimer_ispb, "--owner-ispb", claim.owner_ispb,
    )  # fmt: skip
    assert (code, out.strip()) == (0, claim_workflow_id(claim.claim_id)), err
    handle = stack.client.get_workflow_handle(claim_workflow_id(claim.claim_id))
    await wait_for_status(handle, ClaimStatus.WAITING_RESOLUTION)

    code, out, err = await _cli(stack, "claim", "decide", "--claim-id", claim.claim_id, "--confirm")
    assert code == 0, err
    await handle.result()
    code, out, _ = await _cli(stack, "claim", "status", "--claim-id", claim.claim_id)
    assert code == 0
    assert "status: COMPLETED" in out and "deadline: " in out

    code, out, err = await _cli(
        stack, "claim", "start", "--claim-id", claim.claim_id, "--key-file", str(key_file),
        "--claimer-ispb", claim.claimer_ispb, "--owner-ispb", claim.owner_ispb,
    )  # fmt: skip
    assert code == 2 and "already started" in err and claim.entry_key not in err
    code, _, err = await _cli(stack, "claim", "status", "--claim-id", "nope")
    assert code == 2 and err.startswith("dictobs: error: claim_id: ")


async def test_cli_claim_with_a_short_period_expires_at_its_own_deadline(stack, tmp_path):
    claim = new_claim()
    key_file = tmp_path / "key"
    key_file.write_text(claim.entry_key)
    start = ["claim", "start", "--claim-id", claim.claim_id, "--key-file", str(key_file),
             "--claimer-ispb", claim.claimer_ispb, "--owner-ispb", claim.owner_ispb]  # fmt: skip
    code, _, err = await _cli(stack, *start, "--period", "3 days")
    assert (code, err.strip()) == (
        2, "dictobs: error: --period: '3 days' is not a duration; write it like 30s, 5m, 48h or 28d"
    )  # fmt: skip
    code, _, err = await _cli(stack, *start, "--period", "3s")
    assert code == 0, err
    handle = stack.client.get_workflow_handle_for(
        CreateClaimWorkflow.run, claim_workflow_id(claim.claim_id)
    )
    state = await asyncio.wait_for(handle.result(), timeout=60)
    desc = await handle.describe()
    assert (state.status, state.outcome) == (ClaimStatus.EXPIRED, "expired")
    assert state.deadline == desc.start_time + timedelta(seconds=3)
    assert desc.typed_search_attributes.get(search_attributes.DEADLINE) == state.deadline
    assert stack.sim.claims[claim.claim_id].status is ClaimStatus.EXPIRED


async def test_cli_worker_serves_metrics_and_stops_on_sigterm(stack):
    metrics = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": stack.server.address,
        "TEMPORAL_TASK_QUEUE": f"cli-{uuid.uuid4().hex[:8]}",
        "BRIDGE_ADDRESS": stack.sim.address,
        "BRIDGE_PLAINTEXT": "true",
        "WORKER_METRICS_ADDRESS": metrics,
    }
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "dictobs"), "worker",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    first = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
    assert b"worker polling" in first, first
    body = await asyncio.to_thread(
        lambda: urllib.request.urlopen(f"http://{metrics}/metrics", timeout=5).read().decode()
    )
    assert sdk.WORKER_START.name in body
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, err.decode()
    assert b"worker stopped" in out
