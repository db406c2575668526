"""Workflow and activity outcomes, from the SDK metrics the worker serves."""

from __future__ import annotations

from alerts.operational.common import Group, alert, increased
from alerts.operational.common import group as make_group
from core.catalog import sdk, server, worker
from core.config import PackConfig, bridge_failure_regex
from toolkit.selectors import rx, sel

NONDETERMINISM = "NonDeterminismError"


def failure_ratio_high(cfg: PackConfig) -> str:
    # TSP-001 §7.4 had rate(temporal_workflow_failed_total[5m]) > 0.1 with no selector: at
    # claim volumes (a few hundred a day) no rate ever reaches 0.1/s. A share of the workflows
    # that closed, over an hour, once a few have failed (one failure in three is not a trend).
    common = cfg.namespace_labels(cfg.worker_job)
    failed = sel(sdk.WORKFLOW_FAILED, **common)
    completed = sel(sdk.WORKFLOW_COMPLETED, **common)
    by = f"sum by ({cfg.by('namespace', 'workflow_type')})"
    t = cfg.thresholds
    return (
        f"{by} (increase({failed}[1h]))\n"
        f"/\n({by} (increase({failed}[1h])) + ({by} (increase({completed}[1h])) or {by} "
        f"(increase({failed}[1h])) * 0))\n"
        f"> {t.workflow_failure_ratio:g}\n"
        f"and\n{by} (increase({failed}[1h])) >= {t.workflow_failure_min_failures}"
    )


def nondeterminism(cfg: PackConfig) -> str:
    failed = sel(
        sdk.WORKFLOW_TASK_EXECUTION_FAILED,
        **cfg.namespace_labels(cfg.worker_job),
        failure_reason=NONDETERMINISM,
    )
    up = sel(server.UP, job=cfg.worker_job)
    return increased(failed, "10m", cfg.by("namespace", "workflow_type"), up)


def activity_retry_rate_high(cfg: PackConfig) -> str:
    # Attempts from the execution latency histogram: every SDK records one per attempt, where
    # activity_task_received exists only in the Core-based SDKs.
    common = cfg.namespace_labels(cfg.worker_job)
    failed = sel(sdk.ACTIVITY_EXECUTION_FAILED, **common)
    latency = sdk.ACTIVITY_EXECUTION_LATENCY
    attempts = sel(latency, latency.count, **common)
    by = f"sum by ({cfg.by('namespace', 'activity_type')})"
    t = cfg.thresholds
    return (
        f"{by} (rate({failed}[15m]))\n/\n{by} (rate({attempts}[15m]))\n"
        f"> {t.activity_retry_ratio:g}\n"
        f"and\n{by} (increase({attempts}[15m])) >= {t.activity_retry_min_attempts}"
    )


def bridge_error_ratio_high(cfg: PackConfig) -> str:
    # Failures of the Bridge only: a business answer (invalid argument, already exists, not
    # found) is the Bridge working, and CANCELLED is a worker giving up on shutdown.
    calls = worker.BRIDGE_REQUEST_DURATION
    common = cfg.namespace_labels(cfg.worker_job)
    failed = sel(calls, calls.count, status=rx(bridge_failure_regex()), **common)
    total = sel(calls, calls.count, **common)
    return (
        f"sum by ({cfg.by('namespace', 'method')}) (rate({failed}[5m]))\n"
        f"/\nsum by ({cfg.by('namespace', 'method')}) (rate({total}[5m]))\n"
        f"> {cfg.thresholds.bridge_error_ratio:g}"
    )


def group(cfg: PackConfig) -> Group:
    return make_group(
        "dict-workflows",
        [
            alert(
                cfg,
                "TemporalWorkflowFailureRateHigh",
                failure_ratio_high(cfg),
                for_="5m",
                # The claim SLO pages for failing claims; this names the workflow type.
                severity="warning",
                summary="Workflows of one type are failing unusually often.",
                description=(
                    "{{ $value | humanizePercentage }} of {{ $labels.workflow_type }} workflows "
                    "that closed in namespace {{ $labels.namespace }} over the last hour failed "
                    f"(threshold {cfg.thresholds.workflow_failure_ratio:.0%}, at least "
                    f"{cfg.thresholds.workflow_failure_min_failures} failures)."
                ),
            ),
            alert(
                cfg,
                "TemporalWorkflowNondeterminism",
                nondeterminism(cfg),
                severity="critical",
                summary="Workflow tasks fail with a nondeterminism error.",
                description=(
                    "{{ $value | humanize }} workflow tasks of {{ $labels.workflow_type }} failed "
                    "with NonDeterminismError in the last 10m: the running code no longer "
                    "replays the history; affected workflows are stuck until it does."
                ),
            ),
            alert(
                cfg,
                "TemporalActivityRetryRateHigh",
                activity_retry_rate_high(cfg),
                for_="15m",
                severity="warning",
                summary="An activity fails and is retried unusually often.",
                description=(
                    "{{ $value | humanizePercentage }} of {{ $labels.activity_type }} attempts "
                    "failed over 15m "
                    f"(threshold {cfg.thresholds.activity_retry_ratio:.0%}, at least "
                    f"{cfg.thresholds.activity_retry_min_attempts} attempts)."
                ),
            ),
            alert(
                cfg,
                "DictBridgeErrorRatioHigh",
                bridge_error_ratio_high(cfg),
                for_="10m",
                severity="warning",
                summary="Calls to the Bridge fail often.",
                description=(
                    "{{ $value | humanizePercentage }} of Bridge {{ $labels.method }} calls "
                    "failed with an infrastructure error (unavailable, deadline exceeded, "
                    f"internal, ...) over 5m (threshold {cfg.thresholds.bridge_error_ratio:.0%})."
                ),
            ),
        ],
    )
