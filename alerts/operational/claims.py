"""Claims against their 30-day deadline, from the exporter's visibility counts.

TSP-001 §7.4 asked for ``temporal_workflow_duration_seconds{workflow_type=...} > 28d`` per
workflow id: no component emits that, and a workflow id must not be a label. The exporter counts
open claims by deadline instead; the claim ids are one visibility query away (runbook).
"""

from __future__ import annotations

from alerts.operational.common import Group, alert
from alerts.operational.common import group as make_group
from core.catalog import exporter
from core.config import PackConfig
from toolkit.selectors import sel


def near_deadline(cfg: PackConfig) -> str:
    near = sel(exporter.CLAIMS_NEAR_DEADLINE, **cfg.namespace_labels(cfg.exporter_job))
    return f"max by ({cfg.by('namespace', 'window')}) ({near}) > 0"


def past_deadline(cfg: PackConfig) -> str:
    overdue = sel(exporter.CLAIMS_OVERDUE, **cfg.namespace_labels(cfg.exporter_job))
    return f"max by ({cfg.by('namespace')}) ({overdue}) > 0"


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
                "ClaimWorkflowNearing30DayExpiration",
                near_deadline(cfg),
                for_="1h",
                # Claims nobody decides run to their deadline by design: this is for the
                # dashboard and the ticket queue, not a page.
                severity="info",
                summary="Open claims are close to their 30-day deadline.",
                description=(
                    "{{ $value | humanize }} open claims in namespace {{ $labels.namespace }} "
                    "reach their deadline within {{ $labels.window }}."
                ),
            ),
            alert(
                cfg,
                "ClaimWorkflowPastDeadline",
                past_deadline(cfg),
                for_="10m",
                severity="critical",
                summary="Open claims are past their 30-day deadline.",
                description=(
                    "{{ $value | humanize }} claims in namespace {{ $labels.namespace }} are "
                    "still open after their deadline: the automatic resolution did not happen."
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
