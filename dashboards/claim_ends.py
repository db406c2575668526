"""How claims end as the Temporal server counts them, beside the worker's own view.

The worker counts the resolutions it decided (confirmed, cancelled, expired); history counts
every closed execution by how it closed, including the two the SDK never sees: a run that timed
out and one an operator terminated. A terminated or timed-out claim workflow leaves a claim open
at the Bridge with nobody working on it.
"""

from __future__ import annotations

from core.catalog import Metric, server
from dashboards.model import Kind, Panel, Query, Step
from dashboards.queries import NS, RANGE, or_zero, series

# How an execution closed → the server's counter of it (labelled ``workflowType``).
CLOSED_BY = (
    ("completed", server.WORKFLOW_SUCCESS),
    ("failed", server.WORKFLOW_FAILED),
    ("timed out", server.WORKFLOW_TIMEOUT),
    ("terminated", server.WORKFLOW_TERMINATE),
    ("cancelled", server.WORKFLOW_CANCEL),
)


def _closed(metric: Metric) -> str:
    return f"sum by (workflowType) (increase({series(metric, NS)}[{RANGE}]))"


def server_closes() -> Panel:
    # History creates each counter at its first event: a type that never failed shows 0 beside
    # its completions rather than nothing.
    completed = _closed(server.WORKFLOW_SUCCESS)
    return Panel(
        Kind.BARGAUGE,
        "Closed executions by type (server, time range)",
        "How workflow executions closed over the selected range as history counts them, by "
        "workflow type: completed, failed, timed out, terminated, cancelled. Compare with the "
        "worker's resolutions beside it: claim workflows that timed out or were terminated "
        "never reach the worker's counters and leave their claim open at the Bridge; see the "
        "runbook sections on claim workflows timed out or terminated and on claims closed "
        "unresolved.",
        "short",
        tuple(
            Query(
                _closed(metric)
                if metric is server.WORKFLOW_SUCCESS
                else or_zero(_closed(metric), completed),
                f"{{{{workflowType}}}} {how}",
                instant=True,
            )
            for how, metric in CLOSED_BY
        ),
        width=6,
        thresholds=(Step("blue"),),
        runbooks=("ClaimWorkflowTimedOutOrTerminated", "ClaimWorkflowClosedUnresolved"),
    )
