"""Workflow and activity outcomes, from the SDK metrics the worker serves."""

from __future__ import annotations

from alerts.operational.common import Group, alert, increased
from alerts.operational.common import group as make_group
from core.catalog import sdk, worker
from core.config import PackConfig
from toolkit.selectors import ne, sel

NONDETERMINISM = "NonDeterminismError"


def failure_rate_high(cfg: PackConfig) -> str:
    # TSP-001 §7.4 had rate(temporal_workflow_failed_total[5m]) > 0.1 with no selector;
    # the SDK counter exists, labelled by workflow_type.
    failed = sel(sdk.WORKFLOW_FAILED, **cfg.namespace_labels(cfg.worker_job))
    by, limit = cfg.by("namespace", "workflow_type"), cfg.thresholds.workflow_failure_rate
    return f"sum by ({by}) (rate({failed}[5m]))\n> {limit:g}"


def nondeterminism(cfg: PackConfig) -> str:
    failed = sel(
        sdk.WORKFLOW_TASK_EXECUTION_FAILED,
        **cfg.namespace_labels(cfg.worker_job),
        failure_reason=NONDETERMINISM,
    )
    return increased(failed, "10m", cfg.by("namespace", "workflow_type"))


def activity_retry_rate_high(cfg: PackConfig) -> str:
    common = cfg.namespace_labels(cfg.worker_job)
    failed = sel(sdk.ACTIVITY_EXECUTION_FAILED, **common)
    received = sel(sdk.ACTIVITY_TASK_RECEIVED, **common)
    return (
        f"sum by ({cfg.by('namespace', 'activity_type')}) (rate({failed}[15m]))\n"
        f"/\nsum by ({cfg.by('namespace', 'activity_type')}) (rate({received}[15m]))\n"
        f"> {cfg.thresholds.activity_retry_ratio:g}"
    )


def bridge_error_ratio_high(cfg: PackConfig) -> str:
    calls = worker.BRIDGE_REQUEST_DURATION
    common = cfg.namespace_labels(cfg.worker_job)
    failed = sel(calls, calls.count, status=ne("OK"), **common)
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
                failure_rate_high(cfg),
                for_="5m",
                severity="critical",
                summary="Workflows of one type are failing at a high rate.",
                description=(
                    "{{ $labels.workflow_type }} workflows in namespace {{ $labels.namespace }} "
                    'fail at {{ $value | printf "%.3g" }}/s '
                    f"(threshold {cfg.thresholds.workflow_failure_rate:g}/s for 5m)."
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
                    f"(threshold {cfg.thresholds.activity_retry_ratio:.0%})."
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
                    f"failed over 5m (threshold {cfg.thresholds.bridge_error_ratio:.0%})."
                ),
            ),
        ],
    )
