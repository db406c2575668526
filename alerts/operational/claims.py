"""Claims against their 30-day deadline, from the exporter's visibility counts.

TSP-001 §7.4 asked for ``temporal_workflow_duration_seconds{workflow_type=...} > 28d`` per
workflow id: no component emits that, and a workflow id must not be a label. The exporter counts
open claims by deadline instead; the claim ids are one visibility query away (runbook).
"""

from __future__ import annotations

from alerts.operational.common import Group, alert, increased
from alerts.operational.common import group as make_group
from core.catalog import exporter, server
from core.config import PackConfig
from toolkit.selectors import sel


def past_deadline(cfg: PackConfig) -> str:
    overdue = sel(exporter.CLAIMS_OVERDUE, **cfg.namespace_labels(cfg.exporter_job))
    return f"max by ({cfg.by('namespace')}) ({overdue}) > 0"


def stuck(cfg: PackConfig) -> str:
    held = sel(exporter.CLAIMS_STUCK, **cfg.namespace_labels(cfg.exporter_job))
    return f"max by ({cfg.by('namespace', 'status')}) ({held}) > 0"


def timed_out_or_terminated(cfg: PackConfig) -> str:
    """Claim workflows that history closed by timeout or termination in the last hour: nothing
    in the workflow saw its end (the claim may or may not have been resolved first)."""
    labels = {
        **cfg.namespace_labels(cfg.server_job),
        "workflowType": cfg.claim_workflow_type,
    }
    up = sel(server.UP, job=cfg.server_job)
    by = cfg.by("namespace", "workflowType")
    return "\nor\n".join(
        increased(sel(counter, **labels), "1h", by, up)
        for counter in (server.WORKFLOW_TIMEOUT, server.WORKFLOW_TERMINATE)
    )


def closed_unresolved(cfg: PackConfig) -> str:
    """Claims that closed unresolved in the last hour: the count grew since an hour ago. The
    count itself stays up for as long as visibility keeps the closed workflows (days), so the
    alert is on its growth and the dashboard shows the total."""
    count = sel(exporter.CLAIMS_CLOSED_UNRESOLVED, **cfg.namespace_labels(cfg.exporter_job))
    return f"max by ({cfg.by('namespace', 'outcome')}) ({count} - {count} offset 1h) > 0"


def group(cfg: PackConfig) -> Group:
    return make_group(
        "dict-claims",
        [
            alert(
                cfg,
                "ClaimWorkflowPastDeadline",
                past_deadline(cfg),
                for_="10m",
                severity="critical",
                summary="Open claims are past their 30-day deadline.",
                description=(
                    "{{ $value | humanize }} claims in namespace {{ $labels.namespace }} are "
                    "still unresolved after their deadline: the automatic resolution did not "
                    "happen. (Claims already resolved and only notifying are not counted.)"
                ),
            ),
            alert(
                cfg,
                "ClaimStuckInStatus",
                stuck(cfg),
                for_="15m",
                severity="warning",
                summary="Claims are held in a status a healthy claim leaves within minutes.",
                description=(
                    "{{ $value | humanize }} open claims in namespace {{ $labels.namespace }} "
                    "have been {{ $labels.status }} for over the exporter's stuck-after time "
                    "(1h by default): OPEN waits for CreateClaim, CONFIRMED for CompleteClaim "
                    "and TransferEntry at the Bridge."
                ),
            ),
            alert(
                cfg,
                "ClaimWorkflowTimedOutOrTerminated",
                timed_out_or_terminated(cfg),
                severity="warning",
                summary="A claim's workflow timed out or was terminated.",
                description=(
                    "{{ $value | humanize }} {{ $labels.workflowType }} executions in namespace "
                    "{{ $labels.namespace }} timed out or were terminated in the last hour: "
                    "check that each claim was resolved at the Bridge (a claim still open there "
                    "also raises ClaimWorkflowClosedUnresolved)."
                ),
            ),
            alert(
                cfg,
                "ClaimWorkflowClosedUnresolved",
                closed_unresolved(cfg),
                for_="5m",
                severity="critical",
                summary="A claim's workflow closed while the claim was still open at the Bridge.",
                description=(
                    "{{ $value | humanize }} claims in namespace {{ $labels.namespace }} closed "
                    "({{ $labels.outcome }}) in the last hour without being resolved: nothing "
                    "will cancel them at their deadline."
                ),
            ),
        ],
    )
