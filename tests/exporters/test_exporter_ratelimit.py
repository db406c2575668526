"""A frontend that rate-limits visibility: the exporter backs off and the refresh still completes.

The dev server here is started with a visibility limit of 2 requests/s, so an exporter allowed
to spend far more than that meets real RESOURCE_EXHAUSTED answers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from exporter_helpers import exporter_config, scrape, value, wait_until

from core.catalog import exporter as cat
from exporters.app import Exporter
from exporters.refresher import Result
from stack.devserver import DevServer
from stack.ports import free_port

pytestmark = pytest.mark.devserver


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = DevServer(
        run_dir=tmp_path_factory.mktemp("exporter-ratelimit"),
        port=free_port(),
        metrics_port=free_port(),
        dynamic_config={
            "frontend.namespaceRPS.visibility": "2",
            "frontend.namespaceBurstRatio.visibility": "1",
        },
    )
    with server:
        yield server


def test_rate_limited_calls_are_retried_until_the_refresh_completes(limited_server):
    config = exporter_config(
        limited_server,
        claim_statuses="OPEN",
        workflow_types="CreateClaimWorkflow",
        age_thresholds="1h",
        oldest_age__resolution="1h",
        refresh__interval="30s",
        refresh__deadline="30s",
    )
    with Exporter(config) as exporter:
        wait_until(lambda: sum(exporter.state.results.values()) >= 1, timeout=40, what="a refresh")
        assert exporter.state.results[Result.SUCCESS] == 1
        _, series = scrape(exporter.url)
        assert value(series, cat.EXPORTER_UP.name) == 1
        refused = value(series, cat.EXPORTER_VISIBILITY_CALL_FAILURES.name, call="count_workflows")
        made = value(series, cat.EXPORTER_VISIBILITY_CALLS.name, call="count_workflows")
        assert refused > 0  # the server did say RESOURCE_EXHAUSTED ...
        assert made > refused  # ... and the retries got through
        # Every failure here was the rate limit, and is counted as one.
        limited = value(series, cat.EXPORTER_RATE_LIMITED.name, call="count_workflows")
        assert limited == refused
        assert value(series, cat.CLAIMS_OPEN.name, namespace="dict", status="OPEN") == 0
