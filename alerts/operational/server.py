"""The Temporal server: up, frontend errors, persistence latency, matching, rate limits.

Server metrics have no ``_total`` suffix and carry ``service_name`` (frontend, history,
matching, worker); see ``core/catalog/server.py`` for what was checked on a real server.
"""

from __future__ import annotations

from alerts.operational.common import Group, alert, increased
from alerts.operational.common import group as make_group
from core.catalog import server
from core.config import OVERLOAD_CAUSES, PackConfig, client_error_regex
from toolkit.selectors import nrx, rx, sel


def history_down(cfg: PackConfig) -> str:
    # TSP-001 §7.4 checked only up == 0: a target that vanished from discovery has no `up` at
    # all, and a server whose history role died still answers scrapes. Every history process
    # serves `restarts{service_name="history"}` from its start; when none does, whatever the
    # reason (target down, gone, or the role stopped), history is down. One alert, one series.
    # Over 5m, so that a failed scrape or a pod restarting in a rolling upgrade is not an
    # outage; with the alert's `for`, a page after 10 minutes without any history service.
    history = sel(server.RESTARTS, job=cfg.server_job, service_name="history")
    return f"absent_over_time({history}[5m])"


def target_down(cfg: PackConfig) -> str:
    return f"{sel(server.UP, job=cfg.server_job)} == 0"


def frontend_error_ratio(cfg: PackConfig) -> str:
    errors = sel(
        server.SERVICE_ERROR_WITH_TYPE,
        job=cfg.server_job,
        service_name="frontend",
        error_type=nrx(client_error_regex()),
    )
    requests = sel(server.SERVICE_REQUESTS, job=cfg.server_job, service_name="frontend")
    return (
        f"sum by (job) (rate({errors}[5m]))\n/\nsum by (job) (rate({requests}[5m]))\n"
        f"> {cfg.thresholds.frontend_error_ratio:g}"
    )


def persistence_latency(cfg: PackConfig) -> str:
    m = server.PERSISTENCE_LATENCY
    buckets = sel(m, m.bucket, job=cfg.server_job)
    return (
        f"histogram_quantile(0.99, sum by (job, service_name, le) (rate({buckets}[5m])))\n"
        f"> {cfg.thresholds.persistence_p99_seconds:g}"
    )


def sync_match_low(cfg: PackConfig) -> str:
    common = cfg.server_queue_labels()
    sync = sel(server.POLL_SUCCESS_SYNC, **common)
    total = sel(server.POLL_SUCCESS, **common)
    by = f"sum by ({cfg.by('namespace', 'taskqueue', 'task_type')})"
    t = cfg.thresholds
    # At one poll a minute a single slow match swings the ratio: only with enough polls.
    return (
        f"{by} (rate({sync}[10m]))\n/\n{by} (rate({total}[10m]))\n< {t.sync_match_ratio:g}\n"
        f"and\n{by} (increase({total}[10m])) >= {t.sync_match_min_polls}"
    )


def resource_exhausted(cfg: PackConfig) -> str:
    # Rate, concurrency and quota limits rejecting callers are the limits doing their job (the
    # SDKs retry them); an overloaded server (system, persistence, circuit breaker) is not.
    rejected = sel(
        server.SERVICE_ERRORS_RESOURCE_EXHAUSTED,
        job=cfg.server_job,
        resource_exhausted_cause=rx("|".join(OVERLOAD_CAUSES)),
    )
    up = sel(server.UP, job=cfg.server_job)
    return increased(rejected, "5m", "service_name, resource_exhausted_cause", up)


def timer_lag(cfg: PackConfig) -> str:
    # The claim's 30-day deadline is a durable timer: when the timer queue lags, claims are
    # cancelled late. Only timers of the DICT namespace; the histogram appears with the first.
    m = server.TASK_LATENCY_QUEUE
    buckets = sel(
        m,
        m.bucket,
        **cfg.namespace_labels(cfg.server_job),
        service_name="history",
        operation="TimerActiveTaskUserTimer",
    )
    by = cfg.by("namespace", "le")
    return (
        f"histogram_quantile(0.99, sum by ({by}) (rate({buckets}[10m])))\n"
        f"> {cfg.thresholds.timer_lag_seconds:g}"
    )


def group(cfg: PackConfig) -> Group:
    return make_group(
        "temporal-server",
        [
            alert(
                cfg,
                "TemporalHistoryServiceDown",
                history_down(cfg),
                for_="5m",
                severity="critical",
                summary="The Temporal history service is down or not scraped.",
                description=(
                    "No history service metrics from {{ $labels.job }} for 10m: the server is "
                    "down, gone from the scrape targets, or its history role stopped. "
                    "Workflows make no progress."
                ),
            ),
            alert(
                cfg,
                "TemporalServerTargetDown",
                target_down(cfg),
                for_="5m",
                severity="warning",
                summary="Prometheus cannot scrape a Temporal server instance.",
                description=(
                    "{{ $labels.job }} {{ $labels.instance }} has failed its scrapes for 5m: "
                    "that instance is down or unreachable, and its metrics are missing."
                ),
            ),
            alert(
                cfg,
                "TemporalFrontendErrorRatioHigh",
                frontend_error_ratio(cfg),
                for_="10m",
                # The frontend SLO pages when callers feel it; this says which errors.
                severity="warning",
                summary="The Temporal frontend fails requests with server errors.",
                description=(
                    "{{ $value | humanizePercentage }} of frontend requests failed with a "
                    "server-side error over 5m (threshold "
                    f"{cfg.thresholds.frontend_error_ratio:.0%}; client errors excluded)."
                ),
            ),
            alert(
                cfg,
                "TemporalPersistenceLatencyHigh",
                persistence_latency(cfg),
                for_="10m",
                severity="warning",
                summary="Temporal's database calls are slow.",
                description=(
                    "p99 persistence latency of the {{ $labels.service_name }} service is "
                    "{{ $value | humanizeDuration }} "
                    f"(threshold {cfg.thresholds.persistence_p99_seconds:g}s for 10m)."
                ),
            ),
            alert(
                cfg,
                "TemporalSyncMatchRateLow",
                sync_match_low(cfg),
                for_="15m",
                severity="warning",
                summary="Tasks on the DICT queue are rarely handed straight to a waiting poller.",
                description=(
                    "Only {{ $value | humanizePercentage }} of {{ $labels.task_type }} polls on "
                    "{{ $labels.taskqueue }} matched synchronously over 10m (threshold "
                    f"{cfg.thresholds.sync_match_ratio:.0%}): tasks go through the backlog, "
                    "workers do not keep up."
                ),
            ),
            alert(
                cfg,
                "TemporalTimerQueueLagging",
                timer_lag(cfg),
                for_="15m",
                severity="warning",
                summary="Workflow timers fire late: claim deadlines are acted on late.",
                description=(
                    "p99 of workflow timers in namespace {{ $labels.namespace }} completed "
                    "{{ $value | humanizeDuration }} after their fire time over 10m (threshold "
                    f"{cfg.thresholds.timer_lag_seconds:g}s for 15m): history's timer queue is "
                    "behind, and claims reaching their deadline are cancelled late."
                ),
            ),
            alert(
                cfg,
                "TemporalResourceExhausted",
                resource_exhausted(cfg),
                for_="5m",
                severity="critical",
                summary="The Temporal server is overloaded and rejects requests.",
                description=(
                    "{{ $labels.service_name }} rejected {{ $value | humanize }} requests in 5m "
                    "with RESOURCE_EXHAUSTED (cause {{ $labels.resource_exhausted_cause }}): "
                    "the server or its database cannot keep up, and claims slow down or stall."
                ),
            ),
        ],
    )
