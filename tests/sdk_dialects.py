"""The SDK dialect fixtures (``tests/fixtures/sdk-dialects/<dialect>.prom``) and running a test
under a dialect.

Each fixture is one scrape of a worker of that dialect, written from the SDK's own names,
labels, units and buckets (default ones, or the ones docs/sdk-dialects.md asks a worker to
configure), not from the pack's catalog: sdk-go's ``internal/common/metrics`` and its
OpenTelemetry handler with OpenTelemetry's Prometheus exporter for ``go-otel``, sdk-core's
telemetry for ``core-ms``, the Python SDK with the pack's ``PrometheusConfig`` for
``openmetrics``. A scrape of ours: namespace ``dict``, task queue ``dict-task-queue``; the worker
is in trouble (10% of tasks wait over half a second, 30% of activity attempts fail).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core import config

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sdk-dialects"
# The labels a scrape of the worker adds.
TARGET = {"job": config.DEFAULT.worker_job, "instance": "worker:9000"}


def exposition(dialect: str) -> str:
    return (FIXTURES / f"{dialect}.prom").read_text(encoding="utf-8")


@contextmanager
def using(dialect: str) -> Iterator[config.PackConfig]:
    """The default pack configuration with ``sdk_dialect: <dialect>``, for the block."""
    cfg = dataclasses.replace(config.DEFAULT, sdk_dialect=dialect)
    config.use(cfg)
    try:
        yield cfg
    finally:
        config.use(config.DEFAULT)
