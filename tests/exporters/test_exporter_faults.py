"""Faults: Temporal going away and coming back, and visibility slower than the deadline.

This module runs its own dev server (its own SQLite file), so stopping it disturbs no other
test and a restart keeps the claims.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from exporter_helpers import exporter_config, new_server, scrape, start_claim, value, wait_until
from temporalio.client import Client

from core.catalog import exporter as cat
from exporters.app import Exporter
from exporters.config import ExporterConfig
from exporters.refresher import Result
from exporters.temporal_api import QueueStats, TaskType, TemporalApi
from stack.devserver import DevServer

pytestmark = pytest.mark.devserver
NS = "dict"
# Series that must never drop to 0 (or vanish) while Temporal is away.
WATCHED = [
    (cat.CLAIMS_OPEN.name, {"namespace": NS, "status": "OPEN"}),
    (cat.WORKFLOWS_OPEN.name, {"namespace": NS, "workflow_type": "CreateClaimWorkflow"}),
    (cat.CLAIMS_OVERDUE.name, {"namespace": NS}),
    (cat.CLAIMS_OPEN_OLDER_THAN.name, {"namespace": NS, "age": "1s"}),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    s = new_server(tmp_path_factory.mktemp("exporter-faults"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
async def claims(server: DevServer) -> int:
    client = await Client.connect(server.address, namespace=NS)
    past = datetime.now(UTC) - timedelta(hours=1)
    for _ in range(3):
        await start_claim(client, "OPEN", past)
    await asyncio.sleep(2)
    return 3


def lean_config(server: DevServer, **flags: str) -> ExporterConfig:
    """Few calls per refresh, so that a refresh stays well inside a short deadline even on a
    busy machine: what is under test here is the refresh cycle, not the counts."""
    return exporter_config(
        server,
        claim_statuses="OPEN",
        workflow_types="CreateClaimWorkflow",
        age_thresholds="1s,1h",
        oldest_age__resolution="10m",
        **flags,
    )


def total(results: dict[Result, int]) -> int:
    return sum(results.values())


def test_temporal_down_then_back(server, claims):
    config = lean_config(server)
    with Exporter(config) as exporter:
        wait_until(lambda: exporter.state.up, what="a first successful refresh")
        _, before = scrape(exporter.url)
        for name, labels in WATCHED:
            assert value(before, name, **labels) > 0
        last_success = value(before, cat.EXPORTER_LAST_SUCCESS.name)

        server.stop()
        wait_until(lambda: not exporter.state.up, what="up to fall to 0")
        # Several failed refreshes while it is down; every scrape is answered meanwhile.
        failed = exporter.state.results[Result.FAILED]
        while exporter.state.results[Result.FAILED] < failed + 2:
            _, during = scrape(exporter.url)
            for name, labels in WATCHED:
                assert value(during, name, **labels) == value(before, name, **labels)
            assert value(during, cat.EXPORTER_LAST_SUCCESS.name) == last_success
        assert value(during, cat.EXPORTER_UP.name) == 0
        assert value(during, cat.EXPORTER_VISIBILITY_CALL_FAILURES.name,
                     call="count_workflows") > 0  # fmt: skip

        server.start()  # same SQLite file: the claims are still there
        returned = total(exporter.state.results)
        # A refresh in flight when the server came back may still fail; the one after must not.
        wait_until(lambda: total(exporter.state.results) >= returned + 2, what="two refreshes")
        assert exporter.state.up
        _, after = scrape(exporter.url)
        assert value(after, cat.EXPORTER_UP.name) == 1
        assert value(after, cat.EXPORTER_LAST_SUCCESS.name) > last_success
        for name, labels in WATCHED:
            assert value(after, name, **labels) == value(before, name, **labels)


class SlowVisibility:
    """Wraps the real API and makes counts slow on demand: the one fake in these tests, because
    a real server cannot be asked to answer slowly. Records how many counts overlap."""

    def __init__(self, api: TemporalApi) -> None:
        self.api = api
        self.delay = 0.0
        self.in_flight = 0
        self.most_in_flight = 0
        self.cancelled = 0
        self._lock = threading.Lock()

    async def count(self, query: str) -> int:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return await self.api.count(query)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        finally:
            with self._lock:
                self.in_flight -= 1

    async def count_groups(self, query: str) -> dict[str, int]:
        return await self.api.count_groups(query)

    async def describe_task_queue(self, name: str, task_type: TaskType) -> QueueStats:
        return await self.api.describe_task_queue(name, task_type)


def test_slow_visibility_abandons_the_refresh_instead_of_stacking(server, claims):
    wrappers: list[SlowVisibility] = []

    def wrap(api: TemporalApi) -> TemporalApi:
        wrappers.append(SlowVisibility(api))
        return wrappers[0]

    config = lean_config(server, refresh__interval="1s", refresh__deadline="1s")
    with Exporter(config, wrap_api=wrap) as exporter:
        slow = wrappers[0]
        wait_until(lambda: exporter.state.up, what="a first successful refresh")
        _, before = scrape(exporter.url)

        slow.delay = 5.0  # each count now outlasts the 1 s deadline
        abandoned = exporter.state.results[Result.ABANDONED]
        while exporter.state.results[Result.ABANDONED] < abandoned + 3:
            _, during = scrape(exporter.url)  # answered at once: served from the snapshot
            for name, labels in WATCHED[:3]:
                assert value(during, name, **labels) == value(before, name, **labels)
        assert value(during, cat.EXPORTER_UP.name) == 0
        assert slow.most_in_flight == 1  # never two refreshes at once
        assert slow.cancelled >= 3  # each overrunning refresh was cancelled, not left running
        assert exporter.refresher is not None and exporter.refresher.running <= 1

        slow.delay = 0.0
        wait_until(lambda: exporter.state.up, what="up again once visibility is fast")
        _, after = scrape(exporter.url)
        assert value(after, cat.EXPORTER_REFRESHES.name, result="abandoned") >= 3
