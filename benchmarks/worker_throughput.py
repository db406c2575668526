"""Claims per second through CreateClaimWorkflow (signal-confirmed path), with the worker fully
instrumented and with metrics off, measured in alternating rounds in one run on one dev server.

Instrumented: SDK Prometheus metrics with the catalog's buckets, the claim metrics interceptor and
the Bridge latency observer. Baseline: no metrics at all. Target: instrumented >= 95% of baseline.

The rounds come in pairs, one of each mode, the order swapped from pair to pair so that neither
mode always runs on a warmer server. The figure judged against the target is the pooled ratio:
claims per second over all instrumented rounds against the same over all metrics-off rounds. A
95% interval for it, from resampling the pairs, shows whether the run can tell a 5% cost from
the noise between rounds.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import urllib.request
import uuid
from collections.abc import Sequence

from temporalio.client import Client

from benchmarks import report, scratch
from core.catalog import worker
from core.settings import PLAINTEXT
from stack.devserver import DevServer
from stack.ports import free_port
from worker.bridge.simulator import run_simulator
from worker.main import running_worker
from worker.model import DECISION_SIGNAL, ClaimInput
from worker.runtime import make_runtime
from worker.starter import start_claim

PAIRS = 12
CLAIMS_PER_ROUND = 100
IN_FLIGHT = 50  # claims started and awaited concurrently
TARGET = 0.95
RESAMPLES = 2000


async def _one_claim(client: Client, task_queue: str, gate: asyncio.Semaphore) -> None:
    async with gate:
        claim = ClaimInput(str(uuid.uuid4()), str(uuid.uuid4()), "12345678", "87654321")
        handle = await start_claim(client, claim, task_queue=task_queue)
        # Decided at once: the workflow keeps the decision until CreateClaim returns.
        await handle.signal(DECISION_SIGNAL, True)
        await handle.result()


async def _round(client: Client, bridge: str, instrumented: bool) -> float:
    """Seconds to run one round of claims on a fresh task queue."""
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    async with running_worker(
        client, bridge, task_queue=queue, metrics=instrumented, bridge_tls=PLAINTEXT
    ):
        gate = asyncio.Semaphore(IN_FLIGHT)
        started = time.perf_counter()
        await asyncio.gather(*(_one_claim(client, queue, gate) for _ in range(CLAIMS_PER_ROUND)))
        return time.perf_counter() - started


def pooled_ratio(pairs: Sequence[tuple[float, float]]) -> float:
    """Instrumented over metrics-off throughput for (instrumented s, metrics-off s) round pairs
    of equal claims: the total time of one mode over the other's.

    >>> pooled_ratio([(10.0, 9.0), (11.0, 12.0)])
    1.0
    """
    return sum(off for _, off in pairs) / sum(on for on, _ in pairs)


def interval(pairs: Sequence[tuple[float, float]], seed: int = 0) -> tuple[float, float]:
    """A 95% percentile-bootstrap interval of :func:`pooled_ratio`, resampling whole pairs.

    >>> interval([(10.0, 9.0)] * 6)
    (0.9, 0.9)
    >>> low, high = interval([(10.0, 9.0), (10.0, 11.0)] * 6)
    >>> 0.9 < low < 1.0 < high < 1.1
    True
    """
    draw = random.Random(seed)
    ratios = sorted(pooled_ratio(draw.choices(pairs, k=len(pairs))) for _ in range(RESAMPLES))
    return ratios[int(0.025 * RESAMPLES)], ratios[int(0.975 * RESAMPLES) - 1]


def _claims_started(metrics_url: str) -> float:
    body = urllib.request.urlopen(metrics_url, timeout=5).read().decode()
    name = worker.CLAIMS_STARTED.name
    return sum(float(line.rsplit(" ", 1)[1]) for line in body.splitlines() if line.startswith(name))


async def _measure(server: DevServer) -> tuple[list[list[object]], dict[str, object]]:
    metrics_port = free_port()
    metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"

    async def connect(metrics_address: str | None) -> Client:
        runtime = make_runtime(metrics_address)
        return await Client.connect(server.address, namespace=server.namespace, runtime=runtime)

    clients = {True: await connect(f"127.0.0.1:{metrics_port}"), False: await connect(None)}
    seconds: dict[bool, list[float]] = {True: [], False: []}
    rows: list[list[object]] = []
    async with run_simulator("127.0.0.1:0") as sim:
        await _round(clients[False], sim.address, False)  # warm-up, not counted
        for n in range(PAIRS):
            for instrumented in (True, False) if n % 2 == 0 else (False, True):
                took = await _round(clients[instrumented], sim.address, instrumented)
                seconds[instrumented].append(took)
                mode = "instrumented" if instrumented else "metrics off"
                rows.append([n + 1, mode, CLAIMS_PER_ROUND, CLAIMS_PER_ROUND / took])
    counted = _claims_started(metrics_url)
    pairs = list(zip(seconds[True], seconds[False], strict=True))
    ratio = pooled_ratio(pairs)
    low, high = interval(pairs)
    per_pair = [off / on for on, off in pairs]
    summary: dict[str, object] = {
        "instrumented claims/s": CLAIMS_PER_ROUND * PAIRS / sum(seconds[True]),
        "metrics off claims/s": CLAIMS_PER_ROUND * PAIRS / sum(seconds[False]),
        "ratio instrumented / off (pooled)": ratio,
        "95% interval of the ratio": f"{low:.3f} .. {high:.3f}",
        "ratio per pair (min, median, max)": (
            f"{min(per_pair):.3f}, {statistics.median(per_pair):.3f}, {max(per_pair):.3f}"
        ),
        "target ratio": TARGET,
        "meets target": ratio >= TARGET,
        "target cleared by the whole interval": low >= TARGET,
        "claims counted by dict_claims_started_total": counted,
    }
    return rows, summary


def main() -> None:
    with scratch.run_dir("bench-worker-") as folder:
        server = DevServer(run_dir=folder, port=free_port(), metrics_port=free_port())
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
