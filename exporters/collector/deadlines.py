"""Claims against their deadline, and claims that closed recently by outcome."""

from __future__ import annotations

from collections.abc import Iterator

from core.catalog import exporter as cat
from exporters.collector import Metric, StateSource, family
from exporters.config import ExporterConfig


class DeadlineCollector:
    """Yields, from the last complete refresh::

        dict_claims_near_deadline{namespace="dict",window="48h"} 5
        dict_claim_earliest_deadline_timestamp_seconds{namespace="dict"} 1.7648e+09
        dict_claims_overdue{namespace="dict"} 0
        dict_claims_closed_recent{namespace="dict",outcome="completed",window="5m"} 12
        dict_claims_closed_recent{namespace="dict",outcome="failed",window="5m"} 0
        dict_claims_closed_unresolved{namespace="dict",outcome="timed_out"} 0
        dict_claims_stuck{namespace="dict",status="CONFIRMED"} 0

    ``dict_claims_overdue`` above 0 is the most serious signal: a claim outlived its deadline;
    ``dict_claims_closed_unresolved`` above 0 is its twin: a claim nobody is working on any more.
    """

    def __init__(self, state: StateSource, config: ExporterConfig) -> None:
        self.state, self.namespace = state, config.temporal.namespace
        self.near_window = config.near_deadline_label
        self.closed_window = config.closed_window_label

    def collect(self) -> Iterator[Metric]:
        snapshot = self.state().snapshot
        if snapshot is None:
            return
        near = family(cat.CLAIMS_NEAR_DEADLINE)
        near.add_metric([self.namespace, self.near_window], snapshot.near_deadline)
        yield near
        if snapshot.earliest_deadline is not None:
            earliest = family(cat.CLAIM_EARLIEST_DEADLINE)
            earliest.add_metric([self.namespace], snapshot.earliest_deadline)
            yield earliest
        overdue = family(cat.CLAIMS_OVERDUE)
        overdue.add_metric([self.namespace], snapshot.overdue)
        yield overdue
        closed = family(cat.CLAIMS_CLOSED_RECENT)
        for outcome, count in snapshot.closed_by_outcome.items():
            closed.add_metric([self.namespace, outcome, self.closed_window], count)
        yield closed
        unresolved = family(cat.CLAIMS_CLOSED_UNRESOLVED)
        for outcome, count in snapshot.closed_unresolved.items():
            unresolved.add_metric([self.namespace, outcome], count)
        yield unresolved
        stuck = family(cat.CLAIMS_STUCK)
        for status, count in snapshot.stuck.items():
            stuck.add_metric([self.namespace, status], count)
        yield stuck
