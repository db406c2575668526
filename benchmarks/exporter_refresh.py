"""Exporter refresh cost at two claim counts, against a list-based baseline, side by side.

On a real dev server, open claims (started without a worker, so they stay open) are created at
1,000 and then at a larger count. At each count the exporter's refresh (counts only) and a
baseline that pages through the open claims and computes the same numbers are timed, and their
calls to Temporal counted. The exporter's first refresh searches for the oldest claim from
scratch; the steady refreshes that follow start from the previous snapshot, as a running
exporter does, and the table compares those with the baseline. Both run without the exporter's
rate budget so that the table shows the work itself, and once more each under the exporter's
default 5 calls/s budget (what a deployed refresh takes).

Targets: exporter calls per refresh constant; exporter time at the larger count within 1.5x of
the smaller; exporter at least 20x faster than the baseline at the larger count.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from benchmarks import report, scratch
from core import domain, settings
from core import visibility as queries
from exporters import config as config_module
from exporters import snapshot
from exporters.budget import CallStats, TokenBucket
from exporters.config import ExporterConfig
from exporters.temporal_api import ClientApi, TaskType
from stack.devserver import DevServer
from stack.ports import free_port

SMALL = 1_000
LARGE = int(os.environ.get("EXPORTER_BENCH_CLAIMS", "20000"))
CREATE_BUDGET_S = 180.0  # stop creating claims after this long, whatever the count reached
REPEATS = 3
PAGE_SIZE = 1000
STATUS = SearchAttributeKey.for_keyword(domain.SA_CLAIM_STATUS)
DEADLINE = SearchAttributeKey.for_datetime(domain.SA_CLAIM_DEADLINE)
STATUSES = ("OPEN", "WAITING_RESOLUTION", "CONFIRMED")


async def create_claims(client: Client, first: int, last: int, give_up: float) -> int:
    """Start claims ``first`` .. ``last - 1`` concurrently; returns how many exist at the end."""
    now = datetime.now(UTC)
    next_index = first
    lock = asyncio.Lock()

    async def starter() -> None:
        nonlocal next_index
        while time.monotonic() < give_up:
            async with lock:
                if next_index >= last:
                    return
                i, next_index = next_index, next_index + 1
            await client.start_workflow(
                domain.CREATE_CLAIM_WORKFLOW,
                id=f"bench-claim-{i}",
                task_queue=settings.TASK_QUEUE,
                search_attributes=TypedSearchAttributes(
                    [
                        SearchAttributePair(STATUS, STATUSES[i % len(STATUSES)]),
                        # Spread deadlines: some overdue, some near, most far.
                        SearchAttributePair(DEADLINE, now + timedelta(hours=(i % 800) - 24)),
                    ]
                ),
            )

    await asyncio.gather(*(starter() for _ in range(64)))
    return next_index


def bucket(config: ExporterConfig, budgeted: bool) -> TokenBucket:
    """The exporter's own budget (default 5 calls/s), or none to measure the work alone."""
    if budgeted:
        return TokenBucket(config.visibility_rate, config.visibility_burst)
    return TokenBucket(1e9, 1_000_000)


async def exporter_refresh(
    client: Client,
    config: ExporterConfig,
    previous: snapshot.Snapshot | None = None,
    budgeted: bool = False,
) -> tuple[int, float, snapshot.Snapshot]:
    calls = CallStats()
    api = ClientApi(client, bucket(config, budgeted), calls, timedelta(seconds=60))
    started = time.perf_counter()
    taken = await snapshot.take(api, config, datetime.now(UTC), previous)
    return calls.total(), time.perf_counter() - started, taken


async def baseline_refresh(
    client: Client, config: ExporterConfig, budgeted: bool = False
) -> tuple[int, float]:
    """What an exporter without counts would do: list every open workflow of the configured types
    (and the recently closed claims), then count and age them in Python."""
    tokens = bucket(config, budgeted)
    started = time.perf_counter()
    now = datetime.now(UTC)
    calls = 0
    claim_types = set(config.claim_workflow_types)
    by_status: Counter[str] = Counter()
    by_type: Counter[str] = Counter()
    ages: list[float] = []
    near = overdue = 0
    all_types = tuple(dict.fromkeys(config.workflow_types + config.claim_workflow_types))
    open_query = f"{queries.workflow_type_is(all_types)} AND {queries.RUNNING}"
    async for execution in _pages(client, open_query, tokens):
        calls += 0 if execution is not None else 1
        if execution is None:
            continue
        workflow_type = execution.type.name
        by_type[workflow_type] += 1
        if workflow_type not in claim_types:
            continue
        fields = execution.search_attributes.indexed_fields
        if domain.SA_CLAIM_STATUS in fields:
            by_status[json.loads(fields[domain.SA_CLAIM_STATUS].data)] += 1
        ages.append((now - execution.start_time.ToDatetime(UTC)).total_seconds())
        if domain.SA_CLAIM_DEADLINE in fields:
            deadline = datetime.fromisoformat(json.loads(fields[domain.SA_CLAIM_DEADLINE].data))
            overdue += deadline < now
            near += now <= deadline <= now + config.near_deadline_window
    _ = [sum(a > t.total_seconds() for a in ages) for t in config.age_thresholds]
    _ = max(ages, default=0.0)
    closed_query = queries.ClaimQueries(config.claim_workflow_types).closed_since(
        now - config.closed_window
    )
    outcomes: Counter[int] = Counter()
    async for execution in _pages(
        client, closed_query.replace(" GROUP BY ExecutionStatus", ""), tokens
    ):
        calls += 0 if execution is not None else 1
        if execution is not None:
            outcomes[execution.status] += 1
    api = ClientApi(client, tokens, CallStats(), timedelta(seconds=60))
    for name in config.task_queues:
        for kind in TaskType:
            await api.describe_task_queue(name, kind)
            calls += 1
    return calls, time.perf_counter() - started


async def _pages(client: Client, query: str, tokens: TokenBucket) -> Any:
    """Yields None once per page fetched (so the caller counts calls), then its executions."""
    token = b""
    while True:
        await tokens.acquire()
        response = await client.workflow_service.list_workflow_executions(
            ListWorkflowExecutionsRequest(
                namespace=client.namespace, page_size=PAGE_SIZE, next_page_token=token, query=query
            ),
            retry=True,
        )
        yield None
        for execution in response.executions:
            yield execution
        token = response.next_page_token
        if not token:
            return


async def measure(client: Client, config: ExporterConfig) -> dict[str, float]:
    first_calls, first_s, previous = await exporter_refresh(client, config)
    exporter = []
    for _ in range(REPEATS):
        calls, seconds, previous = await exporter_refresh(client, config, previous)
        exporter.append((calls, seconds))
    baseline = [await baseline_refresh(client, config) for _ in range(REPEATS)]
    # Once more each under the exporter's real budget: what a deployed refresh takes.
    _, exporter_budgeted, _ = await exporter_refresh(client, config, previous, budgeted=True)
    _, baseline_budgeted = await baseline_refresh(client, config, budgeted=True)
    return {
        "first_calls": first_calls,
        "first_s": first_s,
        "exporter_calls": exporter[-1][0],
        "exporter_s": statistics.median(t for _, t in exporter),
        "baseline_calls": baseline[-1][0],
        "baseline_s": statistics.median(t for _, t in baseline),
        "exporter_budgeted_s": exporter_budgeted,
        "baseline_budgeted_s": baseline_budgeted,
    }


async def run(server: DevServer) -> None:
    client = await Client.connect(server.address, namespace=settings.NAMESPACE)
    config = config_module.load({"temporal.address": server.address}, {})
    created_at = time.monotonic()
    small = await create_claims(client, 0, SMALL, created_at + CREATE_BUDGET_S)
    await asyncio.sleep(2)  # visibility is eventually consistent
    at_small = await measure(client, config)
    started = time.monotonic()
    large = await create_claims(client, small, LARGE, started + CREATE_BUDGET_S)
    rate = (large - small) / (time.monotonic() - started)
    await asyncio.sleep(2)
    at_large = await measure(client, config)

    columns = ["open claims", "first refresh calls", "first refresh s", "exporter calls",
               "exporter s", "baseline calls", "baseline s", "baseline/exporter",
               "exporter s @budget", "baseline s @budget"]  # fmt: skip
    rows = [
        [n, m["first_calls"], m["first_s"], m["exporter_calls"], m["exporter_s"],
         m["baseline_calls"], m["baseline_s"], m["baseline_s"] / m["exporter_s"],
         m["exporter_budgeted_s"], m["baseline_budgeted_s"]]
        for n, m in ((small, at_small), (large, at_large))
    ]  # fmt: skip
    growth = at_large["exporter_s"] / at_small["exporter_s"]
    speedup = at_large["baseline_s"] / at_large["exporter_s"]
    report.write(
        "exporter_refresh",
        columns,
        rows,
        {
            "claims created per second": rate,
            "planned calls per refresh (configuration)": sum(
                snapshot.planned_calls(config).values()
            ),
            "exporter calls constant (target: yes)": (
                "yes" if at_small["exporter_calls"] == at_large["exporter_calls"] else "NO"
            ),
            f"exporter time {large} vs {small} claims (target <= 1.5x)": growth,
            f"baseline / exporter time at {large} claims (target >= 20x)": speedup,
            f"exporter time at budget {large} vs {small} claims (target <= 1.5x)": (
                at_large["exporter_budgeted_s"] / at_small["exporter_budgeted_s"]
            ),
            # SQL visibility reads every row a count counts: the per-claim costs show how far
            # a refresh stays flat before the reads, not the budget, set its length.
            "steady refresh cost per open claim (us)": 1e6
            * (at_large["exporter_s"] - at_small["exporter_s"])
            / (large - small),
            "list cost per open claim (us)": 1e6
            * (at_large["baseline_s"] - at_small["baseline_s"])
            / (large - small),
        },
    )


def main() -> None:
    with scratch.run_dir("exporter-bench-") as folder:
        server = DevServer(run_dir=folder, port=free_port(), metrics_port=free_port())
        with server:
            asyncio.run(run(server))


if __name__ == "__main__":
    main()
