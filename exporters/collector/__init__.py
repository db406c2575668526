"""Collectors: one small class per subject, each building fresh metric families per scrape.

Each reads the refresher's current state once at the start of ``collect()`` (one immutable
value), so two concurrent scrapes never share or race on a metric object.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from core.catalog.model import Metric as CatalogMetric
from core.catalog.model import MetricType
from exporters.refresher import State

StateSource = Callable[[], State]


def family(entry: CatalogMetric) -> GaugeMetricFamily | CounterMetricFamily:
    """An empty family for a catalog entry: name, HELP, type and label names from the catalog."""
    if entry.type is MetricType.COUNTER:
        return CounterMetricFamily(entry.name, entry.help, labels=entry.labels)
    if entry.type in (MetricType.GAUGE, MetricType.INFO):
        return GaugeMetricFamily(entry.name, entry.help, labels=entry.labels)
    raise TypeError(f"{entry.name}: the exporter serves no {entry.type.value}")


__all__ = ["Metric", "StateSource", "family"]
