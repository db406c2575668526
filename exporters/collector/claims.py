"""Open claims by status and open workflows by type."""

from __future__ import annotations

from collections.abc import Iterator

from core.catalog import exporter as cat
from exporters.collector import Metric, StateSource, family


class ClaimsCollector:
    """Yields, from the last complete refresh::

        dict_claims_open{namespace="dict",status="OPEN"} 412
        dict_claims_open{namespace="dict",status="WAITING_RESOLUTION"} 37
        dict_workflows_open{namespace="dict",workflow_type="CreateClaimWorkflow"} 449

    Nothing before the first successful refresh: no value is better than a made-up zero.
    """

    def __init__(self, state: StateSource, namespace: str) -> None:
        self.state, self.namespace = state, namespace

    def collect(self) -> Iterator[Metric]:
        snapshot = self.state().snapshot
        if snapshot is None:
            return
        by_status = family(cat.CLAIMS_OPEN)
        for status, count in snapshot.claims_by_status.items():
            by_status.add_metric([self.namespace, status], count)
        yield by_status
        by_type = family(cat.WORKFLOWS_OPEN)
        for workflow_type, count in snapshot.workflows_by_type.items():
            by_type.add_metric([self.namespace, workflow_type], count)
        yield by_type
