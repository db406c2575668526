"""How old the open claims are: the age ladder and the oldest open claim."""

from __future__ import annotations

from collections.abc import Iterator

from core.catalog import exporter as cat
from exporters.collector import Metric, StateSource, family


class ClaimAgeCollector:
    """Yields, from the last complete refresh::

        dict_claims_open_older_than{namespace="dict",age="1d"} 120
        dict_claims_open_older_than{namespace="dict",age="28d"} 3
        dict_claims_open_older_than{namespace="dict",age="30d"} 0
        dict_claim_oldest_open_age_seconds{namespace="dict"} 2.4624e+06

    The oldest age is rounded down to the search resolution; 0 when no claim is open.
    """

    def __init__(self, state: StateSource, namespace: str) -> None:
        self.state, self.namespace = state, namespace

    def collect(self) -> Iterator[Metric]:
        snapshot = self.state().snapshot
        if snapshot is None:
            return
        ladder = family(cat.CLAIMS_OPEN_OLDER_THAN)
        for age, count in snapshot.older_than.items():
            ladder.add_metric([self.namespace, age], count)
        yield ladder
        oldest = family(cat.CLAIM_OLDEST_OPEN_AGE)
        oldest.add_metric([self.namespace], snapshot.oldest_age_seconds)
        yield oldest
