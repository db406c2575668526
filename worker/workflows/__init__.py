"""The claim workflows (TSP-001 §4), one module each."""

from __future__ import annotations

from worker.workflows.create_claim import CreateClaimWorkflow
from worker.workflows.expire_completion import ExpireCompletionPeriodWorkflow
from worker.workflows.monitor_status import MonitorStatusWorkflow
from worker.workflows.resolve_claim import CancelClaimWorkflow, CompleteClaimWorkflow

WORKFLOWS: list[type] = [
    CreateClaimWorkflow,
    MonitorStatusWorkflow,
    ExpireCompletionPeriodWorkflow,
    CompleteClaimWorkflow,
    CancelClaimWorkflow,
]

__all__ = [
    "WORKFLOWS",
    "CancelClaimWorkflow",
    "CompleteClaimWorkflow",
    "CreateClaimWorkflow",
    "ExpireCompletionPeriodWorkflow",
    "MonitorStatusWorkflow",
]
