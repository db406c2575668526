"""Claim metrics, defined from the catalog and recorded through the SDK's metric meter.

The SDK meter is the one road to ``/metrics``: our series land beside the SDK's with the same base
labels (namespace, task queue, workflow or activity type), and a workflow's records are dropped
while it replays, so a replayed history never counts a claim twice. The SDK appends ``_total``
to counters and ``_<unit>`` to histograms (``PrometheusConfig(counters_total_suffix=True,
unit_suffix=True)``), so the meter is given the catalog name without those suffixes
(:func:`sdk_name`); the catalog stays the one place a name is spelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import MetricCounter, MetricGaugeFloat, MetricHistogramFloat, MetricMeter
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from core import domain
from core.catalog import sdk
from core.catalog import worker as claims
from core.catalog.model import Metric


def sdk_name(metric: Metric) -> str:
    """The name the SDK meter takes for ``metric`` (it adds the suffixes back when exporting).

    >>> sdk_name(claims.CLAIMS_STARTED), sdk_name(claims.CLAIM_RESOLUTION)
    ('dict_claims_started', 'dict_claim_resolution')
    """
    return metric.base


def bucket_overrides() -> dict[str, list[float]]:
    """Histogram boundaries from the catalog, keyed the way ``PrometheusConfig`` matches them."""
    return {
        sdk_name(m): list(m.buckets) for m in sdk.SDK_METRICS + claims.CLAIM_METRICS if m.buckets
    }


def counter(meter: MetricMeter, metric: Metric) -> MetricCounter:
    return meter.create_counter(sdk_name(metric), metric.help)


def histogram(meter: MetricMeter, metric: Metric) -> MetricHistogramFloat:
    return meter.create_histogram_float(sdk_name(metric), metric.help, metric.unit or None)


def gauge(meter: MetricMeter, metric: Metric) -> MetricGaugeFloat:
    return meter.create_gauge_float(sdk_name(metric), metric.help)


def certificate_expiry(meter: MetricMeter, expires: datetime | None) -> None:
    """The Bridge client certificate's expiry on the process's meter (nothing without mTLS),
    so that an alert warns days before the Bridge starts refusing the worker."""
    if expires is not None:
        gauge(meter, claims.BRIDGE_CLIENT_CERT_EXPIRY).set(expires.timestamp())


# Workflow side: call from workflow code only (the meter is the workflow's, replay-safe).
def claim_started() -> None:
    counter(workflow.metric_meter(), claims.CLAIMS_STARTED).add(1)


def claim_refused(reason: str) -> None:
    """A claim whose workflow fails because the Bridge refused it (``domain.BUSINESS_REFUSALS``)."""
    if reason not in domain.BUSINESS_REFUSALS:
        raise ValueError(f"reason {reason!r} is not one of {domain.BUSINESS_REFUSALS}")
    counter(workflow.metric_meter(), claims.CLAIMS_REFUSED).add(1, {"reason": reason})


def claim_resolved(outcome: str, elapsed: timedelta) -> None:
    if outcome not in claims.OUTCOMES:
        raise ValueError(f"outcome {outcome!r} is not one of {claims.OUTCOMES}")
    attrs = {"outcome": outcome}
    meter = workflow.metric_meter()
    counter(meter, claims.CLAIMS_RESOLVED).add(1, attrs)
    histogram(meter, claims.CLAIM_RESOLUTION).record(elapsed.total_seconds(), attrs)


# Activity side.
def observe_bridge_call(method: str, status: str, seconds: float) -> None:
    """The Bridge client's observer: latency by method and gRPC status, inside an activity."""
    if not activity.in_activity():
        return  # a call made outside an activity (a CLI check, a test) has no labels to carry
    histogram(activity.metric_meter(), claims.BRIDGE_REQUEST_DURATION).record(
        seconds, {"method": method, "status": status}
    )


def error_type(err: BaseException) -> str:
    """A bounded label value: the domain error type, else the exception class name."""
    if isinstance(err, ApplicationError) and err.type:
        return err.type
    return type(err).__name__


class _CountAttempts(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        meter = activity.metric_meter()
        counter(meter, claims.ACTIVITY_ATTEMPTS).add(1)
        try:
            return await self.next.execute_activity(input)
        except BaseException as err:
            counter(meter, claims.ACTIVITY_FAILURES).add(1, {"error_type": error_type(err)})
            raise


class ClaimMetricsInterceptor(Interceptor):
    """Counts every activity attempt, and failed attempts by error type."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _CountAttempts(next)
