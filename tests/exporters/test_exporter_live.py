"""The exporter against the real dev server, with real (worker-less, so still open) claims.

The server is this module's own, so claims other parts' tests start elsewhere cannot change the
counts asserted here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from exporter_helpers import (
    exporter_config,
    new_server,
    scrape,
    start_claim,
    value,
    wait_until,
)
from temporalio.client import Client

from core.catalog import exporter as cat
from exporters import snapshot
from exporters.app import Exporter
from exporters.budget import CallStats, TokenBucket
from exporters.temporal_api import ClientApi
from stack.devserver import DevServer
from toolkit import promtool

pytestmark = pytest.mark.devserver
NS = "dict"
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    s = new_server(tmp_path_factory.mktemp("exporter-live"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
async def client(server: DevServer) -> Client:
    return await Client.connect(server.address, namespace=NS)


@pytest.fixture(scope="module")
async def seeded(client: Client) -> dict[str, datetime]:
    """Four old claims, then three seconds later two young ones, two monitors, one closed."""
    now = datetime.now(UTC)
    # Overdue, and OPEN for two hours: stuck (CreateClaim never answered).
    await start_claim(client, "OPEN", now - HOUR, since=now - 2 * HOUR)
    # Expired at the Bridge and still notifying the parties: resolved, so not overdue.
    await start_claim(client, "EXPIRED", now - HOUR)
    await start_claim(client, "OPEN", now + 10 * HOUR)  # near its deadline
    await start_claim(client, "WAITING_RESOLUTION", now + 100 * HOUR)  # far from it
    young_at = datetime.now(UTC)
    await asyncio.sleep(3)
    young_at = datetime.now(UTC)
    # Near its deadline, confirmed ten minutes ago: not stuck yet.
    await start_claim(client, "CONFIRMED", now + 47 * HOUR, since=now - HOUR / 6)
    await start_claim(client)  # no status or deadline yet
    for _ in range(2):
        await start_claim(client, workflow_type="MonitorStatusWorkflow")
    closed = await start_claim(client, "OPEN", now + 10 * HOUR)
    await client.get_workflow_handle(closed).terminate("test")
    # A run that failed and handed its claim to its retry: closed, but not a claim left open.
    handed_over = await start_claim(client, "HANDED_OVER", now + 10 * HOUR)
    await client.get_workflow_handle(handed_over).terminate("test")
    await asyncio.sleep(1.5)  # visibility is eventually consistent
    return {"seeded_at": now, "young_at": young_at}


def api_for(client: Client, calls: CallStats) -> ClientApi:
    return ClientApi(client, TokenBucket(200, 20), calls, timedelta(seconds=5))


async def test_a_refresh_counts_claims_by_status_type_age_and_deadline(server, client, seeded):
    config = exporter_config(server, age_thresholds="2s,1h", oldest_age__resolution="100ms")
    # One fixed "now" half a second after the young claims started: the old ones are then over
    # 2 s old and the young ones are not, whenever this test happens to run.
    now = seeded["young_at"] + timedelta(seconds=0.5)
    snap = await snapshot.take(api_for(client, CallStats()), config, now)

    assert snap.claims_by_status == {
        "OPEN": 2, "WAITING_RESOLUTION": 1, "CONFIRMED": 1,
        "CANCELLED": 0, "COMPLETED": 0, "EXPIRED": 1,
    }  # fmt: skip
    assert snap.workflows_by_type["CreateClaimWorkflow"] == 6
    assert snap.workflows_by_type["MonitorStatusWorkflow"] == 2
    assert snap.workflows_by_type["CancelClaimWorkflow"] == 0
    assert snap.older_than == {"2s": 4, "1h": 0}
    oldest_bound = (now - seeded["seeded_at"]).total_seconds()
    assert 2.0 <= snap.oldest_age_seconds <= oldest_bound
    # Deadlines are relative to seeding time; "now" is ~4 s later, far from any boundary.
    assert snap.overdue == 1
    assert snap.near_deadline == 2
    # The overdue claim's deadline, an hour before seeding: found to the resolution, never late.
    overdue_deadline = (seeded["seeded_at"] - HOUR).timestamp()
    assert snap.earliest_deadline is not None
    assert snap.earliest_deadline <= overdue_deadline < snap.earliest_deadline + 0.1
    assert snap.closed_by_outcome["terminated"] == 2
    assert snap.closed_by_outcome["completed"] == 0
    assert snap.closed_unresolved == {
        "failed": 0, "cancelled": 0, "terminated": 1, "timed_out": 0,
    }  # fmt: skip
    # The other OPEN claim has no status-since (started before it existed): not counted.
    assert snap.stuck == {"OPEN": 1, "CONFIRMED": 0}


async def test_the_next_refresh_gives_the_same_numbers_with_fewer_calls(server, client, seeded):
    config = exporter_config(server, age_thresholds="2s,1h", oldest_age__resolution="100ms")
    now = seeded["young_at"] + timedelta(seconds=0.5)
    cold_calls, warm_calls = CallStats(), CallStats()
    cold = await snapshot.take(api_for(client, cold_calls), config, now)
    warm = await snapshot.take(api_for(client, warm_calls), config, now, previous=cold)
    assert warm.older_than == cold.older_than
    assert warm.oldest_age_seconds == cold.oldest_age_seconds
    assert warm.earliest_deadline == cold.earliest_deadline
    assert warm.claims_by_status == cold.claims_by_status
    assert warm_calls.total() < cold_calls.total()


async def test_metrics_pass_promtool_and_show_a_growing_backlog(server, client, seeded):
    config = exporter_config(server, age_thresholds="1s,1h")
    with Exporter(config) as exporter:
        wait_until(lambda: exporter.state.up, what="a first successful refresh")
        text, series = scrape(exporter.url)
        check = promtool.run("check", "metrics", input=text)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "# HELP dict_claims_open Open claims by claim status search attribute (cached)." in (
            text
        )
        assert value(series, cat.CLAIMS_OPEN.name, namespace=NS, status="OPEN") == 2
        assert value(series, cat.EXPORTER_UP.name) == 1
        earliest = value(series, cat.CLAIM_EARLIEST_DEADLINE.name, namespace=NS)
        assert earliest <= (seeded["seeded_at"] - HOUR).timestamp() < earliest + 60
        labels = {"namespace": NS, "task_queue": "dict-task-queue"}

        def workflow_backlog() -> float:
            _, now = scrape(exporter.url)
            return value(now, cat.TASK_QUEUE_BACKLOG.name, **labels, task_type="workflow")

        # Every open workflow's first task waits (no worker polls); the server's estimate
        # catches up a few seconds after the tasks land.
        wait_until(lambda: workflow_backlog() >= 7, timeout=60, what="the seeded backlog")
        backlog = workflow_backlog()
        assert value(series, cat.TASK_QUEUE_BACKLOG.name, **labels, task_type="activity") == 0
        assert value(series, cat.TASK_QUEUE_POLLERS.name, **labels, task_type="workflow") == 0

        for _ in range(5):
            await start_claim(client, "OPEN")

        def backlog_grew() -> bool:
            return workflow_backlog() >= backlog + 5

        # The server updates its approximate count a little after the tasks land.
        wait_until(backlog_grew, timeout=60, what="the backlog to grow by the 5 new claims")
        _, later = scrape(exporter.url)
        assert value(later, cat.TASK_QUEUE_BACKLOG_AGE.name, **labels, task_type="workflow") > 0
        assert value(later, cat.TASK_QUEUE_ADD_RATE.name, **labels, task_type="workflow") >= 0
        assert value(later, cat.CLAIMS_OPEN.name, namespace=NS, status="OPEN") == 7


async def test_series_and_calls_do_not_depend_on_how_many_claims_exist(server, client, seeded):
    config = exporter_config(server)
    plan = snapshot.planned_calls(config)

    async def one_refresh() -> tuple[set[str], int, int]:
        calls = CallStats()
        snap = await snapshot.take(api_for(client, calls), config, datetime.now(UTC))
        made, _ = calls.copy()
        from exporters.app import build_registry
        from exporters.refresher import State

        registry = build_registry(lambda: State(snapshot=snap, up=True), calls, config)
        series = {
            f"{s.name}{sorted(s.labels.items())}" for m in registry.collect() for s in m.samples
        }
        return series, made.get("count_workflows", 0), made.get("describe_task_queue", 0)

    before, counts_before, describes_before = await one_refresh()
    now = datetime.now(UTC)
    await asyncio.gather(
        *(start_claim(client, status, now + HOUR * (i % 80))
          for i, status in enumerate(["OPEN", "WAITING_RESOLUTION", "CONFIRMED"] * 10))
    )  # fmt: skip
    await asyncio.sleep(1.5)
    after, counts_after, describes_after = await one_refresh()

    assert after == before
    assert counts_after == counts_before <= plan["count_workflows"]
    assert describes_after == describes_before == plan["describe_task_queue"]
    assert any("CreateClaimWorkflow" in s for s in after)
    assert not any("test-" in s for s in after)  # no workflow id ever becomes a label
