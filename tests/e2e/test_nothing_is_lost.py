"""Nothing is lost when the worker or the Temporal server dies in the middle of a stream of
claims: the worker is killed with SIGKILL several times and started again, then the dev server is
killed and started again on the same database. Every claim reaches the end its owner chose, the
Bridge saw each side effect exactly once per claim, the exporter says its Temporal calls failed
and recovers with its next refresh, and Prometheus never failed to scrape it meanwhile.
"""

from __future__ import annotations

import time

import pytest
from e2e_support import JOBS, Live, wait_until

from core.catalog import exporter
from core.domain import ClaimStatus
from stack.claim_flow import Kind
from toolkit import exposition

pytestmark = pytest.mark.e2e

WORKER_KILLS = 3
CONFIRMED = {"create": 1, "complete": 1, "transfer": 1, "notify": 1}
CANCELLED = {"create": 1, "cancel": 1, "notify": 1}
EXPECTED = {
    Kind.CONFIRM: (ClaimStatus.COMPLETED, CONFIRMED),
    Kind.REJECT: (ClaimStatus.CANCELLED, CANCELLED),
    Kind.WAIT: (ClaimStatus.EXPIRED, CANCELLED),
}


def _exporter(live: Live) -> dict[str, float]:
    """The exporter's own health as it serves it now: up, and refreshes by result."""
    scraped = exposition.scrape_values(live.metrics_url("exporter"))
    return {
        "up": scraped[(exporter.EXPORTER_UP.name, ())],
        "failed": scraped.get((exporter.EXPORTER_REFRESHES.name, (("result", "failed"),)), 0.0),
    }


def _more_claims(live: Live, more: int) -> None:
    """Until ``more`` claims have started since now."""
    started = live.flow.counts().started
    wait_until(lambda: live.flow.counts().started >= started + more, f"{more} more claims started")


def test_killed_worker_and_server_lose_no_claim_and_repeat_no_side_effect(live):
    began = time.time()
    _more_claims(live, 5)
    worker = live.stack.service("Worker")
    for _ in range(WORKER_KILLS):
        worker.kill()
        _more_claims(live, 2)  # claims keep coming while no worker runs
        worker.restart()
        _more_claims(live, 3)

    temporal = live.stack.temporal
    assert temporal is not None
    temporal.service.kill()
    wait_until(lambda: _exporter(live)["up"] == 0, "the exporter saying its Temporal calls fail")
    temporal.start()
    failed_at_restart = _exporter(live)["failed"]
    _more_claims(live, 3)  # claims continue
    wait_until(lambda: _exporter(live)["up"] == 1, "the exporter refreshing again")
    # At most the refresh under way when the server came back fails; the next one succeeds.
    assert _exporter(live)["failed"] - failed_at_restart <= 1

    window = f"{int(time.time() - began) + 1}s"
    scrapes = live.prometheus.query(f'min_over_time(up{{job="{JOBS["exporter"]}"}}[{window}])')
    assert [value for _, value in scrapes] == [1.0], "a scrape of the exporter failed"

    # Every claim started reaches its end: those in flight at a kill wait out their activity's
    # start-to-close timeout (30 s) before the new worker retries them.
    assert live.flow.wait_settled(timeout=120), f"claims still open: {live.flow.counts()}"
    results = live.flow.results()
    wrong = {}
    for claim_id, kind in live.flow.claims().items():
        status, effects = EXPECTED[kind]
        seen = (results.get(claim_id), live.sim.effects(claim_id))
        if seen != (status, effects):
            wrong[claim_id] = (kind.name, *seen)
    assert wrong == {}, f"{len(wrong)} of {len(results)} claims ended otherwise: {wrong}"
