"""A healthy stack raises nothing: ten minutes of the living demo's claim stream (Bridge hiccups
included, which the retries absorb) on the shipped rules, and nothing but the Watchdog is pending
or firing at any evaluation.

The stack starts in the background once collection is done (:mod:`healthy_support`) and this
test runs last, so that its ten minutes pass while the rest of the session runs.
"""

from __future__ import annotations

import time

import pytest
from e2e_support import JOBS
from healthy_support import QUIET_FOR, WARM_UP, Healthy

from core.catalog import exporter

pytestmark = pytest.mark.e2e
WINDOW = f"{QUIET_FOR:.0f}s"


def test_ten_healthy_minutes_raise_nothing_but_the_watchdog(healthy: Healthy):
    healthy.ready()
    assert healthy.started_at is not None and healthy.stack is not None
    assert healthy.flow is not None and healthy.stack.prometheus is not None
    time.sleep(max(0.0, healthy.started_at + WARM_UP + QUIET_FOR - time.monotonic()))
    prom = healthy.stack.prometheus

    # The stack was whole and watched the whole time: every part scraped at every scrape, the
    # exporter refreshing, the rules evaluated (the Watchdog firing at each evaluation).
    up = {labels["job"]: value for labels, value in prom.query(f"min_over_time(up[{WINDOW}])")}
    assert up == dict.fromkeys(JOBS.values(), 1.0)
    refreshed = prom.query(f"min_over_time({exporter.EXPORTER_UP.name}[{WINDOW}])")
    assert [value for _, value in refreshed] == [1.0]
    watchdog = prom.query(f'count_over_time(ALERTS{{alertname="Watchdog"}}[{WINDOW}])')
    assert watchdog and watchdog[0][1] >= QUIET_FOR / 10, watchdog  # at least every 10s

    raised = prom.query(
        f'count by (alertname, alertstate) (count_over_time(ALERTS{{alertname!="Watchdog"}}'
        f"[{WINDOW}]))"
    )
    assert raised == [], "raised on a healthy stack: " + ", ".join(
        f"{labels['alertname']} ({labels['alertstate']})" for labels, _ in raised
    )

    # Healthy traffic, and enough of it: claims resolved every way, none failed.
    counts = healthy.flow.counts()
    assert counts.failed == 0, counts
    assert counts.completed > 0 and counts.cancelled > 0 and counts.expired > 0, counts
    assert counts.hiccups >= QUIET_FOR / 60 - 1, counts
