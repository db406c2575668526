"""Temporal server: frontend requests, errors and latency, history and matching, persistence,
timers and shards (:mod:`dashboards.server_depth`), resource exhausted errors and restarts.

Server metrics carry no ``_total`` suffix and label every series with ``service_name``
(frontend, history, matching, worker); the namespace is ``_unknown_`` for calls made before a
namespace is known, so request panels filter on the selected namespace.
"""

from __future__ import annotations

from core import config
from core.catalog import server
from dashboards import server_depth, thresholds
from dashboards.model import Dashboard, Format, Kind, Panel, Query, Row, Step
from dashboards.queries import (
    IDLE,
    L_NAMESPACE,
    NS,
    RANGE,
    VAR_NAMESPACE,
    or_zero,
    quantile,
    rate,
    ratio,
    series,
    variables,
)
from dashboards.server_depth import NOT_LONG_POLL

UID = "dict-temporal-server"
FRONTEND = (NS, 'service_name="frontend"')
# Persistence calls that serve no one namespace: shard-level ones (task reads, shard updates)
# carry "system", those made before a namespace is known "_unknown_". Every namespace waits on
# them, so the persistence panels show them beside the selected namespace's.
SHARED = ("system", "_unknown_")
STORE = f'{L_NAMESPACE}=~"${VAR_NAMESPACE}|{"|".join(SHARED)}"'


def _frontend() -> Row:
    requests = rate(server.SERVICE_REQUESTS, *FRONTEND, by="operation")
    errors = rate(server.SERVICE_ERROR_WITH_TYPE, *FRONTEND, by="operation")
    return Row(
        "Frontend",
        (
            Panel(
                Kind.TIMESERIES,
                "Frontend requests by operation",
                "Requests per second the frontend serves for the namespace, by operation. A "
                "sudden fall with workers running means clients cannot reach the frontend: "
                "check the load balancer and the frontend pods.",
                "reqps",
                (Query(requests, "{{operation}}"),),
                width=8,
            ),
            Panel(
                Kind.TIMESERIES,
                "Frontend errors by type",
                "Failed requests per second by operation and error type. NotFound on "
                "Describe calls is normal; Internal, Unavailable or DeadlineExceeded are not: "
                "check persistence latency and the server logs.",
                "reqps",
                (
                    Query(
                        or_zero(
                            rate(
                                server.SERVICE_ERROR_WITH_TYPE,
                                *FRONTEND,
                                by="operation, error_type",
                            ),
                            requests,
                        ),
                        "{{operation}}: {{error_type}}",
                    ),
                ),
                width=8,
            ),
            Panel(
                Kind.TIMESERIES,
                "Frontend error ratio by operation",
                "Share of requests that failed, by operation. Red from "
                f"{config.current().thresholds.frontend_error_ratio:.0%}, where "
                "TemporalFrontendErrorRatioHigh pages: find the error type on the left and the "
                "matching persistence errors.",
                "percentunit",
                (Query(ratio(or_zero(errors, requests), requests), "{{operation}}"),),
                width=8,
                thresholds=thresholds.frontend_errors(),
                min=0,
                no_value=IDLE,
                runbooks=("TemporalFrontendErrorRatioHigh",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Frontend latency p95 and p99",
                "Request latency percentiles by operation, long polls excluded. Above one "
                "second for starts, signals or updates the claim API feels slow: look at "
                "persistence latency first.",
                "s",
                tuple(
                    Query(
                        quantile(
                            q, server.SERVICE_LATENCY, *FRONTEND, NOT_LONG_POLL, by="operation"
                        ),
                        f"p{int(q * 100)} {{{{operation}}}}",
                    )
                    for q in (0.95, 0.99)
                ),
                width=24,
                thresholds=(Step("green"), Step("orange", 0.5), Step("red", 1.0)),
            ),
        ),
    )


def _persistence() -> Row:
    return Row(
        "Persistence",
        (
            Panel(
                Kind.TIMESERIES,
                "Persistence latency p99 by operation",
                "99th percentile latency of database calls by namespace, service and "
                "operation, the calls no one namespace makes (system: shard and task reads) "
                "included. Orange "
                f"from {config.current().thresholds.persistence_p99_seconds:g} s, where "
                "TemporalPersistenceLatencyHigh warns: history and matching slow down and every "
                "API call with them; check the database's load and connections.",
                "s",
                (
                    Query(
                        quantile(
                            0.99,
                            server.PERSISTENCE_LATENCY,
                            STORE,
                            by=f"{L_NAMESPACE}, service_name, operation",
                        ),
                        f"{{{{{L_NAMESPACE}}}}} {{{{service_name}}}} {{{{operation}}}}",
                    ),
                ),
                thresholds=thresholds.persistence_latency(),
                runbooks=("TemporalPersistenceLatencyHigh",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Persistence requests and errors",
                "Database calls per second by namespace and service, and failed calls by "
                "error type, the calls no one namespace makes (system, _unknown_) included. "
                "Condition-failed errors on workflow creation are duplicates and harmless; "
                "timeouts or unavailable errors mean the database is in trouble.",
                "ops",
                (
                    Query(
                        rate(
                            server.PERSISTENCE_REQUESTS,
                            STORE,
                            by=f"{L_NAMESPACE}, service_name",
                        ),
                        f"requests {{{{{L_NAMESPACE}}}}} {{{{service_name}}}}",
                    ),
                    Query(
                        or_zero(
                            rate(
                                server.PERSISTENCE_ERROR_WITH_TYPE,
                                STORE,
                                by=f"{L_NAMESPACE}, error_type",
                            ),
                            rate(server.PERSISTENCE_REQUESTS, STORE, by=L_NAMESPACE),
                        ),
                        f"errors {{{{{L_NAMESPACE}}}}} {{{{error_type}}}}",
                    ),
                ),
            ),
        ),
    )


def _limits() -> Row:
    return Row(
        "Limits and restarts",
        (
            Panel(
                Kind.TIMESERIES,
                "Resource exhausted by cause",
                "Requests rejected with RESOURCE_EXHAUSTED per second, by operation and cause "
                "(rate limits, busy workflow, ...). Any sustained value means callers are "
                "throttled: raise the namespace's RPS limits or slow the clients.",
                "reqps",
                (
                    Query(
                        or_zero(
                            rate(
                                server.SERVICE_ERRORS_RESOURCE_EXHAUSTED,
                                NS,
                                by="operation, resource_exhausted_cause",
                            ),
                            rate(server.SERVICE_REQUESTS, NS, by="operation"),
                        ),
                        "{{operation}}: {{resource_exhausted_cause}}",
                    ),
                ),
                width=8,
                thresholds=(Step("green"), Step("red", 0.1)),
                runbooks=("TemporalResourceExhausted",),
            ),
            Panel(
                Kind.BARGAUGE,
                "Service restarts (time range)",
                "How many times each server service started in the selected range. More than "
                "one per deployment means crashes: read the pod events and the server logs.",
                "short",
                (
                    Query(
                        f"sum by (service_name) (increase({series(server.RESTARTS)}[{RANGE}]))",
                        "{{service_name}}",
                        instant=True,
                    ),
                ),
                width=8,
                thresholds=(Step("green"), Step("orange", 2), Step("red", 5)),
                runbooks=("TemporalHistoryServiceDown",),
            ),
            Panel(
                Kind.TABLE,
                "Scrape targets",
                "Every target Prometheus scrapes and whether the last scrape worked (1) or "
                "failed (0). A 0 on the server, worker or exporter means that source's panels "
                "go stale: check the target's pod and its ServiceMonitor.",
                "bool",
                (Query(series(server.UP), instant=True, format=Format.TABLE),),
                width=8,
                thresholds=(Step("red"), Step("green", 1)),
                runbooks=(
                    "TemporalServerTargetDown",
                    "TemporalHistoryServiceDown",
                    "DictWorkerDown",
                    "DictExporterDown",
                ),
            ),
        ),
    )


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UID,
        title="DICT / Temporal server",
        description="The Temporal server behind the claim workflows: frontend traffic, errors "
        "and latency, persistence, throttling and restarts.",
        rows=(
            _frontend(),
            server_depth.services(),
            _persistence(),
            server_depth.timers(),
            _limits(),
        ),
        variables=variables(),
        tags=("temporal", "server"),
    )
