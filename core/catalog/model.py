"""What a catalog entry is."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Labels Prometheus adds to every scraped series: the scrape target's.
TARGET_LABELS: tuple[str, ...] = ("job", "instance")


class MetricType(enum.Enum):
    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"
    INFO = "info"  # a gauge always 1, carrying metadata in labels (``*_info``)


class Source(enum.Enum):
    SDK = "sdk"  # the temporalio SDK inside the worker
    WORKER = "worker"  # our claim metrics, recorded by the worker through the SDK meter
    EXPORTER = "exporter"  # the claim exporter
    SERVER = "server"  # the Temporal server
    PROMETHEUS = "prometheus"  # series Prometheus makes itself for a scrape target (up)


@dataclass(frozen=True)
class Metric:
    name: str
    type: MetricType
    help: str
    labels: tuple[str, ...] = ()
    source: Source = Source.WORKER
    unit: str = ""
    buckets: tuple[float, ...] = ()
    # The SDK dialects (core.catalog.dialects) whose workers emit an SDK metric; all when empty.
    dialects: tuple[str, ...] = ()

    @property
    def base(self) -> str:
        """The name without the suffixes an exporter adds: a counter's ``_total``, a
        histogram's unit (``temporal_request_latency_seconds`` → ``temporal_request_latency``).
        """
        if self.type is MetricType.COUNTER and self.name.endswith("_total"):
            return self.name[: -len("_total")]
        if self.type is MetricType.HISTOGRAM and self.unit and self.name.endswith(f"_{self.unit}"):
            return self.name[: -len(self.unit) - 1]
        return self.name

    @property
    def series(self) -> tuple[str, ...]:
        """The series names Prometheus stores for this metric."""
        if self.type is MetricType.HISTOGRAM:
            return (f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count")
        return (self.name,)

    @property
    def bucket(self) -> str:
        if self.type is not MetricType.HISTOGRAM:
            raise TypeError(f"{self.name} is a {self.type.value}, not a histogram")
        return f"{self.name}_bucket"

    @property
    def count(self) -> str:
        if self.type is not MetricType.HISTOGRAM:
            raise TypeError(f"{self.name} is a {self.type.value}, not a histogram")
        return f"{self.name}_count"

    @property
    def sum(self) -> str:
        if self.type is not MetricType.HISTOGRAM:
            raise TypeError(f"{self.name} is a {self.type.value}, not a histogram")
        return f"{self.name}_sum"

    def __str__(self) -> str:
        return self.name
