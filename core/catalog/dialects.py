"""SDK dialects: how the worker's SDK spells a catalog SDK metric in Prometheus.

The SDK catalog (:mod:`core.catalog.sdk`) names each metric as our Python worker prints it. The
workers people run spell the same metric (same base name, type and unit) in one of three ways,
chosen by the pack configuration's ``sdk_dialect``:

- ``openmetrics`` (the default): counters end in ``_total``, duration histograms in
  ``_seconds`` with bounds in seconds. Python with ``PrometheusConfig(counters_total_suffix=True,
  unit_suffix=True, durations_as_seconds=True)``; Go with tally, ``NewPrometheusNamingScope``
  and histogram timers; Java with Micrometer's Prometheus registry.
- ``go-otel``: Go with the OpenTelemetry metrics handler and OpenTelemetry's Prometheus
  exporter. Counters are up-down counters, written as gauges without ``_total``; timers are
  histograms with unit ``s``, written ``_seconds``, in seconds. Go puts ``client_name``,
  ``namespace``, ``task_queue``, ``workflow_type``, ``activity_type`` and ``worker_type``
  (``none`` when not known) on every series and has no ``service_name``.
- ``core-ms``: the Core-based SDKs by default (TypeScript, Python, .NET): no suffixes,
  durations in milliseconds.

>>> from core.catalog import sdk
>>> [get(d).series(sdk.WORKFLOW_COMPLETED) for d in NAMES]
['temporal_workflow_completed_total', 'temporal_workflow_completed', 'temporal_workflow_completed']
>>> m = sdk.WORKFLOW_TASK_SCHEDULE_TO_START
>>> get("core-ms").series(m, "bucket"), get("core-ms").bound(m, 0.2)
('temporal_workflow_task_schedule_to_start_latency_bucket', 200.0)
"""

from __future__ import annotations

from dataclasses import dataclass

from core.catalog.model import Metric, MetricType, Source

OPENMETRICS = "openmetrics"
GO_OTEL = "go-otel"
CORE_MS = "core-ms"
NAMES: tuple[str, ...] = (OPENMETRICS, GO_OTEL, CORE_MS)
DEFAULT = OPENMETRICS


@dataclass(frozen=True)
class Dialect:
    name: str
    counter_suffix: str  # what a counter's name ends with: "_total" or nothing
    unit_suffix: bool  # whether a duration histogram's name ends with its unit
    units_per_second: int  # of a duration histogram: 1 (seconds) or 1000 (milliseconds)
    added_labels: tuple[str, ...] = ()  # labels the SDK puts on every one of its series
    dropped_labels: tuple[str, ...] = ()  # catalog labels it never writes

    def emits(self, metric: Metric) -> bool:
        """Whether workers of this dialect emit ``metric`` (the pack's own metrics always)."""
        if metric.source is not Source.SDK or not metric.dialects:
            return True
        return self.name in metric.dialects

    def name_of(self, metric: Metric) -> str:
        """The metric's name in this dialect (a histogram's base for ``_bucket`` and so on)."""
        if metric.source is not Source.SDK:
            return metric.name
        if metric.type is MetricType.COUNTER:
            return metric.base + self.counter_suffix
        if metric.type is MetricType.HISTOGRAM and metric.unit:
            return metric.base + (f"_{metric.unit}" if self.unit_suffix else "")
        return metric.name

    def series(self, metric: Metric, suffix: str = "") -> str:
        """One stored series: ``suffix`` picks a histogram's ``bucket``, ``count`` or ``sum``."""
        name = self.name_of(metric)
        return f"{name}_{suffix}" if suffix else name

    def all_series(self, metric: Metric) -> tuple[str, ...]:
        if metric.type is MetricType.HISTOGRAM:
            return tuple(self.series(metric, s) for s in ("bucket", "sum", "count"))
        return (self.series(metric),)

    def labels(self, metric: Metric) -> tuple[str, ...]:
        """The labels the metric's series carry in this dialect."""
        if metric.source is not Source.SDK:
            return metric.labels
        kept = [label for label in metric.labels if label not in self.dropped_labels]
        return (*kept, *(label for label in self.added_labels if label not in kept))

    def units_per_second_of(self, metric: Metric) -> int:
        """What one second is in the metric's values and bounds: 1000 for a duration in ms."""
        timed = metric.source is Source.SDK and metric.unit == "seconds"
        return self.units_per_second if timed else 1

    def bound(self, metric: Metric, seconds: float) -> float:
        """A bucket bound (an ``le``) given in seconds, in the metric's unit."""
        return round(seconds * self.units_per_second_of(metric), 9)

    def in_seconds(self, metric: Metric, expr: str) -> str:
        """``expr`` (a quantile or a sum of ``metric``'s values) converted to seconds."""
        per_second = self.units_per_second_of(metric)
        return expr if per_second == 1 else f"{expr} / {per_second}"


# The labels Go's SDK puts on every series (its root tags), and what OpenTelemetry's Prometheus
# exporter adds: the instrumentation scope.
_GO_LABELS = ("client_name", "namespace", "task_queue", "workflow_type", "activity_type")
_OTEL_SCOPE = ("otel_scope_name", "otel_scope_version")

DIALECTS: dict[str, Dialect] = {
    OPENMETRICS: Dialect(OPENMETRICS, "_total", True, 1),
    GO_OTEL: Dialect(
        GO_OTEL, "", True, 1, (*_GO_LABELS, "worker_type", *_OTEL_SCOPE), ("service_name",)
    ),
    CORE_MS: Dialect(CORE_MS, "", False, 1000),
}


def get(name: str) -> Dialect:
    """The dialect called ``name``; KeyError naming the dialects there are."""
    try:
        return DIALECTS[name]
    except KeyError:
        known = ", ".join(NAMES)
        raise KeyError(f"unknown SDK dialect {name!r}; the dialects are: {known}") from None
