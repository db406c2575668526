"""Claims per second through CreateClaimWorkflow (signal-confirmed path), with the worker fully
instrumented and with metrics off, measured in alternating rounds in one run on one dev server.

Instrumented: SDK Prometheus metrics with the catalog's buckets, the claim metrics interceptor and
the Bridge latency observer. Baseline: no metrics at all. Target: instrumented >= 95% of baseline.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from temporalio.client import Client
from temporalio.runtime import Runtime

from benchmarks import report
from dictobs.catalog import claims
from dictobs.devserver import DevServer
from dictobs.ports import free_port
from worker.bridge.simulator import run_simulator
from worker.main import running_worker
from worker.model import DECISION_SIGNAL, ClaimInput
from worker.runtime import make_runtime
from worker.starter import start_claim

ROUNDS = 5
CLAIMS_PER_ROUND = 100
IN_FLIGHT = 50  # claims started and awaited concurrently
TARGET = 0.95


async def _one_claim(client: Client, task_queue: str, gate: asyncio.Semaphore) -> None:
    async with gate:
        claim = ClaimInput(str(uuid.uuid4()), str(uuid.uuid4()), "12345678", "87654321")
        handle = await start_claim(client, claim, task_queue=task_queue)
        # Decided at once: the workflow keeps the decision until CreateClaim returns.
        await handle.signal(DECISION_SIGNAL, True)
        await handle.result()


async def _round(client: Client, bridge: str, instrumented: bool) -> float:
    """Claims per second for one round on a fresh task queue."""
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    async with running_worker(client, bridge, task_queue=queue, metrics=instrumented):
        gate = asyncio.Semaphore(IN_FLIGHT)
        started = time.perf_counter()
        await asyncio.gather(*(_one_claim(client, queue, gate) for _ in range(CLAIMS_PER_ROUND)))
        return CLAIMS_PER_ROUND / (time.perf_counter() - started)


async def _connect(server: DevServer, runtime: Runtime) -> Client:
    for _ in range(150):
        try:
            return await Client.connect(server.address, namespace=server.namespace, runtime=runtime)
        except RuntimeError:  # "Frontend is not healthy yet" right after the port opens
            await asyncio.sleep(0.2)
    raise TimeoutError(f"dev server at {server.address} did not become healthy")


def _claims_started(metrics_url: str) -> float:
    body = urllib.request.urlopen(metrics_url, timeout=5).read().decode()
    name = claims.CLAIMS_STARTED.name
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(name))


async def _measure(server: DevServer) -> tuple[list[list[object]], dict[str, object]]:
    metrics_port = free_port()
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
    clients = {
        True: await _connect(server, make_runtime(f"127.0.0.1:{metrics_port}")),
        False: await _connect(server, make_runtime(None)),
    }
    rates: dict[bool, list[float]] = {True: [], False: []}
    rows: list[list[object]] = []
    async with run_simulator("127.0.0.1:0") as sim:
        await _round(clients[False], sim.address, False)  # warm-up, not counted
        for n in range(ROUNDS):
            # Alternate which mode goes first so neither always runs on a warmer server.
            for instrumented in (True, False) if n % 2 == 0 else (False, True):
                rate = await _round(clients[instrumented], sim.address, instrumented)
                rates[instrumented].append(rate)
                mode = "instrumented" if instrumented else "metrics off"
                rows.append([n + 1, mode, CLAIMS_PER_ROUND, rate])
    counted = _claims_started(metrics_url)
    on, off = statistics.median(rates[True]), statistics.median(rates[False])
    summary: dict[str, object] = {
        "instrumented claims/s (median)": on,
        "metrics off claims/s (median)": off,
        "ratio instrumented / off": on / off,
        "target ratio": TARGET,
        "meets target": on / off >= TARGET,
        "claims counted by dict_claims_started_total": counted,
    }
    return rows, summary


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        server = DevServer(run_dir=Path(tmp), port=free_port(), metrics_port=free_port())
        with server:
            rows, summary = asyncio.run(_measure(server))
    report.write(
        "worker_throughput",
        ["round", "mode", "claims", "claims/s"],
        rows,
        summary,
    )


if __name__ == "__main__":
    main()
