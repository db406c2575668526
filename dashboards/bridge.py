"""The worker's calls to the Bridge (the central bank's DICT API): latency, errors and error
ratio by method, from the worker's ``dict_bridge_request_duration_seconds``."""

from __future__ import annotations

from core.catalog import worker
from dashboards import thresholds
from dashboards.model import Kind, Panel, Query, Row, Step
from dashboards.queries import IDLE, NS, TQ, or_zero, quantile, rate, ratio

W = (NS, TQ)


def row() -> Row:
    duration = worker.BRIDGE_REQUEST_DURATION
    calls = rate(duration, *W, by="method", suffix="count")
    errors = rate(duration, *W, 'status!="OK"', by="method", suffix="count")
    return Row(
        "Bridge calls",
        (
            Panel(
                Kind.TIMESERIES,
                "Bridge call latency by method",
                "p50 and p99 duration of the calls to the Bridge (the central bank's DICT "
                "API), by method. Above one second activities start timing out and retrying: "
                "check the Bridge's status and the network path.",
                "s",
                tuple(
                    Query(quantile(q, duration, *W, by="method"), f"p{int(q * 100)} {{{{method}}}}")
                    for q in (0.5, 0.99)
                ),
                width=8,
                thresholds=(Step("green"), Step("orange", 0.5), Step("red", 1.0)),
                no_value=IDLE,
            ),
            Panel(
                Kind.TIMESERIES,
                "Bridge errors by method and status",
                "Bridge calls per second that did not return OK, by method and gRPC status. "
                "UNAVAILABLE and DEADLINE_EXCEEDED are retried; INVALID_ARGUMENT or "
                "FAILED_PRECONDITION point at our requests: read the worker logs.",
                "ops",
                (
                    Query(
                        or_zero(
                            rate(duration, *W, 'status!="OK"', by="method, status", suffix="count"),
                            calls,
                        ),
                        "{{method}}: {{status}}",
                    ),
                ),
                width=8,
                runbooks=("DictBridgeErrorRatioHigh",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Bridge error ratio by method",
                "Share of Bridge calls that failed, by method. Orange from 1%, red from 5%: "
                "the claim SLOs burn budget; check the Bridge's status page and the retries.",
                "percentunit",
                (Query(ratio(or_zero(errors, calls), calls), "{{method}}"),),
                width=8,
                thresholds=thresholds.bridge_errors(),
                min=0,
                no_value=IDLE,
                runbooks=("DictBridgeErrorRatioHigh",),
            ),
        ),
    )
