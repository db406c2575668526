"""The SDK runtime: where the worker's metrics go.

One runtime per process serves ``/metrics`` for every client and worker built on it. Prometheus
conventions need three switches the SDK leaves off by default (``_total`` on counters, unit
suffixes, durations in seconds) and histogram boundaries that reach the 30-day claim deadline,
taken from the metric catalog.
"""

from __future__ import annotations

from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from worker.metrics import bucket_overrides


def prometheus_config(bind_address: str) -> PrometheusConfig:
    return PrometheusConfig(
        bind_address=bind_address,
        counters_total_suffix=True,
        unit_suffix=True,
        durations_as_seconds=True,
        histogram_bucket_overrides=bucket_overrides(),
    )


def make_runtime(metrics_address: str | None) -> Runtime:
    """A runtime serving Prometheus metrics on ``metrics_address`` (``HOST:PORT``), or with
    metrics off when it is None (the SDK then hands out a no-op meter)."""
    metrics = prometheus_config(metrics_address) if metrics_address else None
    return Runtime(telemetry=TelemetryConfig(metrics=metrics))
