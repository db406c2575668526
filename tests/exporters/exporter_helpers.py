"""Helpers for the exporter's live tests: seeding workflows, scraping and parsing /metrics."""

from __future__ import annotations

import ssl
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from core import domain, settings
from exporters import config as config_module
from exporters.config import ExporterConfig
from stack.devserver import DevServer
from stack.ports import free_port

STATUS = SearchAttributeKey.for_keyword(domain.SA_CLAIM_STATUS)
DEADLINE = SearchAttributeKey.for_datetime(domain.SA_CLAIM_DEADLINE)
STATUS_SINCE = SearchAttributeKey.for_datetime(domain.SA_CLAIM_STATUS_SINCE)
Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def new_server(run_dir: Path) -> DevServer:
    return DevServer(run_dir=run_dir, port=free_port(), metrics_port=free_port()).start()


async def start_claim(
    client: Client,
    status: str | None = None,
    deadline: datetime | None = None,
    workflow_type: str = "CreateClaimWorkflow",
    since: datetime | None = None,
) -> str:
    """A claim workflow started with its search attributes and no worker: it stays open and its
    first workflow task waits in the backlog."""
    pairs: list[SearchAttributePair[Any]] = []
    if status is not None:
        pairs.append(SearchAttributePair(STATUS, status))
    if deadline is not None:
        pairs.append(SearchAttributePair(DEADLINE, deadline))
    if since is not None:
        pairs.append(SearchAttributePair(STATUS_SINCE, since))
    handle = await client.start_workflow(
        workflow_type,
        id=f"test-{uuid.uuid4()}",
        task_queue=settings.TASK_QUEUE,
        search_attributes=TypedSearchAttributes(pairs),
    )
    return handle.id


def exporter_config(server: DevServer, **flags: Any) -> ExporterConfig:
    """Seconds-scale settings for tests; keyword names are setting keys with ``__`` for dots."""
    base: dict[str, Any] = {
        "temporal.address": server.address,
        "web.listen_address": f"127.0.0.1:{free_port()}",
        "refresh.interval": "2s",
        "refresh.deadline": "2s",
        "refresh.rpc_timeout": "2s",
        "visibility.rate": "200",
        "visibility.burst": "20",
    }
    base.update({key.replace("__", "."): value for key, value in flags.items()})
    return config_module.load(base, {})


def scrape(url: str, context: ssl.SSLContext | None = None, headers: dict[str, str] | None = None
           ) -> tuple[str, Series]:  # fmt: skip
    request = urllib.request.Request(f"{url}/metrics", headers=headers or {})
    with urllib.request.urlopen(request, timeout=5, context=context) as response:
        text = response.read().decode()
    series: Series = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            series[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return text, series


def value(series: Series, name: str, **labels: str) -> float:
    return series[(name, frozenset(labels.items()))]


def values_of(series: Series, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (n, labels), v in series.items() if n == name}


def wait_until(check: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)
