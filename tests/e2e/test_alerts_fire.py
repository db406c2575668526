"""Alerts fire for real: faults on a running stack fire the pack's alerts in Prometheus, reach a
webhook through the real Alertmanager with the pack's routing, and resolve once the fault is
gone.

One stack for the module (drill rules: ``for:`` a hundredth, groups evaluated every 2s). The
incidents run in an order that lets them share it: those that need no claims first, the overdue
claim (one claim), the stopped worker (twenty-one claims, left waiting for a decision, which
asks nothing of the stack until their monitors' next check hours later), and last the Bridge
outage, whose hundreds of diluting claims are still being started and monitored for a while
after it resolves.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alerts_support import alert_stack, run_incident

from stack.demo_stack import DemoStack
from stack.incidents import Expect, Timeline

pytestmark = pytest.mark.e2e

BRIDGE_SLO = "BridgeAvailabilityErrorBudgetBurn"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStack]:
    with alert_stack(tmp_path_factory.mktemp("alerts-e2e")) as running:
        yield running


def active(stack: DemoStack, expect: Expect) -> list[str]:
    """The states of ``expect`` in Prometheus' ``ALERTS`` now."""
    assert stack.prometheus is not None
    found = stack.prometheus.query(f"ALERTS{expect.selector}")
    return [labels["alertstate"] for labels, _ in found]


def assert_fired_notified_resolved(stack: DemoStack, timeline: Timeline) -> None:
    """Every expected alert was firing in ALERTS, notified to the receiver its severity routes
    to, and once the fault was gone resolved in ALERTS and notified as resolved."""
    assert stack.webhook is not None
    for expect, seen in timeline.seen.items():
        assert seen.firing is not None and seen.firing <= timeline.removed_at, expect
        assert seen.resolved is not None and seen.resolved >= timeline.removed_at, expect
        assert active(stack, expect) == [], expect
        notes = [
            (note.receiver, alert.status, alert.labels.get("severity"))
            for note in stack.webhook.notifications()
            for alert in note.alerts
            if expect.matches(alert.labels)
        ]
        assert {status for _, status, _ in notes} >= {"firing", "resolved"}, (expect, notes)
        for receiver, _, severity in notes:
            assert receiver == ("page" if severity == "critical" else "ticket"), (expect, notes)


def test_a_stopped_exporter_fires_exporter_down(stack):
    assert_fired_notified_resolved(stack, run_incident(stack, "exporter-stopped"))


def test_a_frozen_temporal_server_fires_the_server_alerts(stack):
    assert_fired_notified_resolved(stack, run_incident(stack, "temporal-frozen"))


def test_a_claim_open_past_its_deadline_fires_the_overdue_alert(stack):
    assert_fired_notified_resolved(stack, run_incident(stack, "claim-overdue"))


def test_a_stopped_worker_fires_no_pollers_and_backlog(stack):
    assert_fired_notified_resolved(stack, run_incident(stack, "worker-stopped"))


def test_a_bridge_outage_pages_and_its_slo_ticket_waits_behind_the_page(stack):
    ticket = Expect(BRIDGE_SLO, (("sloth_severity", "ticket"),))
    page = Expect(BRIDGE_SLO, (("sloth_severity", "page"),))
    held: list[tuple[dict[str, object], list[str]]] = []

    def while_firing(timeline: Timeline) -> None:
        # The ticket burns too (its windows see the same errors), but Alertmanager holds it
        # back behind the page of the same SLO: suppressed, and not notified once the page is.
        # (Before the page's windows hold min_events calls, the ticket alone may be notified.)
        assert stack.alertmanager is not None and stack.webhook is not None
        assert active(stack, ticket) == ["firing"]
        notes = stack.webhook.notifications()
        paged = min(n.received_at for n in notes if any(page.matches(a.labels) for a in n.alerts))
        notified = [
            note.receiver
            for note in notes
            if note.received_at > paged and any(ticket.matches(a.labels) for a in note.alerts)
        ]
        for alert in stack.alertmanager.api("alerts"):
            if ticket.matches(alert["labels"]):
                held.append((alert["status"], notified))

    timeline = run_incident(stack, "bridge-outage", while_firing=while_firing)
    assert_fired_notified_resolved(stack, timeline)
    assert held, "Alertmanager has the ticket"
    for status, notified in held:
        assert status["state"] == "suppressed" and status["inhibitedBy"], status
        assert notified == []
