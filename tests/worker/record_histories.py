"""Record the histories the replay tests check: ``python tests/worker/record_histories.py``.

Each workflow path runs once on a fresh time-skipping server against the Bridge simulator and
its event history is written to ``tests/worker/histories/<name>[.<tag>].json``. Record a new
set only when a workflow changes on purpose; the committed set keeps proving that histories
made by older code still replay (see docs/worker.md, Versioning).
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from core.settings import PLAINTEXT
from stack import binaries
from worker import search_attributes
from worker.bridge.api import ClaimRequest
from worker.bridge.client import BridgeClient
from worker.bridge.simulator import run_simulator
from worker.main import running_worker
from worker.model import (
    DECISION_SIGNAL,
    MONITOR_STOP_SIGNAL,
    ClaimInput,
    ExpireInput,
    MonitorInput,
    ResolveInput,
)
from worker.workflows import (
    CancelClaimWorkflow,
    CompleteClaimWorkflow,
    CreateClaimWorkflow,
    ExpireCompletionPeriodWorkflow,
    MonitorStatusWorkflow,
)

HERE = Path(__file__).resolve().parent / "histories"
QUEUE = "dict-task-queue"


def _claim() -> ClaimInput:
    return ClaimInput(str(uuid.uuid4()), str(uuid.uuid4()), "12345678", "87654321")


async def _opened(bridge: BridgeClient) -> str:
    c = _claim()
    await bridge.create_claim(ClaimRequest(c.claim_id, c.entry_key, c.claimer_ispb, c.owner_ispb))
    return c.claim_id


async def _decided(client: Client, confirm: bool | None) -> WorkflowHandle:
    claim = _claim()
    handle = await client.start_workflow(
        CreateClaimWorkflow.run, claim, id=f"claim-{claim.claim_id}", task_queue=QUEUE
    )
    if confirm is not None:
        await handle.signal(DECISION_SIGNAL, confirm)
    await handle.result()
    return handle


async def record(names: list[str], tag: str = "") -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binaries.temporal_test_server())
    )
    client = env.client
    await search_attributes.ensure_registered(client)
    async with (
        run_simulator("127.0.0.1:0") as sim,
        BridgeClient(sim.address, tls=PLAINTEXT) as bridge,
        running_worker(client, sim.address, task_queue=QUEUE, bridge_tls=PLAINTEXT),
    ):

        async def run(workflow: Callable[..., Awaitable[object]], arg: object) -> WorkflowHandle:
            handle = await client.start_workflow(
                workflow, arg, id=f"rec-{uuid.uuid4()}", task_queue=QUEUE
            )
            await handle.result()
            return handle

        async def expire() -> WorkflowHandle:
            deadline = await env.get_current_time() + timedelta(days=2)
            return await run(
                ExpireCompletionPeriodWorkflow.run, ExpireInput(await _opened(bridge), deadline)
            )

        paths: dict[str, Callable[[], Awaitable[WorkflowHandle]]] = {
            "create_claim_confirmed": lambda: _decided(client, True),
            "create_claim_rejected": lambda: _decided(client, False),
            "create_claim_expired": lambda: _decided(client, None),
            "monitor_status": lambda: _monitor(run, bridge),
            "monitor_stopped": lambda: _monitor_stopped(client, bridge),
            "expire_completion": expire,
            "complete_claim": lambda: _resolve(run, bridge, CompleteClaimWorkflow.run),
            "cancel_claim": lambda: _resolve(run, bridge, CancelClaimWorkflow.run),
        }
        for name in names or list(paths):
            handle = await paths[name]()
            history = await handle.fetch_history()
            target = HERE / f"{name}{'.' + tag if tag else ''}.json"
            tmp = target.with_suffix(".tmp")
            tmp.write_text(history.to_json())
            tmp.replace(target)
            print(f"{target}: {len(history.events)} events")
    await env.shutdown()


async def _monitor(
    run: Callable[..., Awaitable[WorkflowHandle]], bridge: BridgeClient
) -> WorkflowHandle:
    claim_id = await _opened(bridge)
    # Three checks six hours apart on a claim nobody decides.
    handle = await run(MonitorStatusWorkflow.run, MonitorInput(claim_id, max_checks=3))
    return handle


async def _monitor_stopped(client: Client, bridge: BridgeClient) -> WorkflowHandle:
    """A monitor told to stop after its first check, as its claim does once resolved."""
    claim_id = await _opened(bridge)
    handle = await client.start_workflow(
        MonitorStatusWorkflow.run,
        MonitorInput(claim_id),
        id=f"rec-{uuid.uuid4()}",
        task_queue=QUEUE,
    )
    while "activity_task_completed_event_attributes" not in [
        e.WhichOneof("attributes") async for e in handle.fetch_history_events()
    ]:
        await asyncio.sleep(0.05)
    await handle.signal(MONITOR_STOP_SIGNAL)
    await handle.result()
    return handle


async def _resolve(
    run: Callable[..., Awaitable[WorkflowHandle]],
    bridge: BridgeClient,
    workflow: Callable[..., Awaitable[object]],
) -> WorkflowHandle:
    return await run(workflow, ResolveInput(await _opened(bridge)))


if __name__ == "__main__":
    # python tests/worker/record_histories.py [--tag TAG] [NAME ...]: TAG names the version
    args = sys.argv[1:]
    tag = ""
    if args[:1] == ["--tag"]:
        tag, args = args[1], args[2:]
    asyncio.run(record(args, tag))
