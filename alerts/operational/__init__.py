"""Operational alerts on metrics that exist: one module per subject, one rule group each.

The specification's four alerts (TSP-001 §7.4) are here rewritten on real series: its
``temporal_taskqueue_depth`` and ``temporal_workflow_duration_seconds{workflow_id=...}`` are
emitted by nothing, and a workflow id must never be a label.
"""

from __future__ import annotations

from alerts.operational import (
    certificates,
    claims,
    exporter,
    meta,
    server,
    task_queues,
    workflows,
)
from alerts.operational.common import Group
from core.config import DEFAULT, PackConfig

SUBJECTS = (workflows, task_queues, claims, server, exporter, certificates, meta)


def groups(cfg: PackConfig = DEFAULT) -> list[Group]:
    return [subject.group(cfg) for subject in SUBJECTS]
