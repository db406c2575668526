"""One page per user-visible symptom: every alert says what users feel and which page stands
for it, and those pages are alerts that really page."""

from __future__ import annotations

from alerts import operational
from alerts.impact import IMPACTS
from alerts.operational.meta import WATCHDOG
from alerts.slo import rules as slo_rules
from alerts.slo.spec import load_slos
from core.config import DEFAULT


def _severities() -> dict[str, set[str]]:
    """Every alert of the pack → the severities its rules carry (``page`` for an SLO's page)."""
    found: dict[str, set[str]] = {}
    for group in operational.groups(DEFAULT):
        for rule in group["rules"]:
            found.setdefault(rule["alert"], set()).add(rule["labels"]["severity"])
    for slo in load_slos(check_queries=False):
        for tier in ("page", "ticket"):
            rule = slo_rules.burn_alert(slo, tier)
            if rule:
                found.setdefault(rule["alert"], set()).add(rule["labels"]["sloth_severity"])
        absent = slo_rules.absent_alert(slo)
        found.setdefault(absent["alert"], set()).add(absent["labels"]["severity"])
    return found


def _pages(severities: set[str]) -> bool:
    return bool(severities & {"critical", "page"})


def test_every_alert_has_its_impact_and_nothing_else_does():
    alerts = _severities()
    assert sorted(set(alerts) - set(IMPACTS)) == []
    assert sorted(set(IMPACTS) - set(alerts)) == []


def test_an_alert_that_stands_for_itself_pages_and_every_page_named_is_one():
    alerts = _severities()
    wrong = []
    for name, impact in IMPACTS.items():
        if impact.page == WATCHDOG:
            continue  # the pipeline's own alarm: it pages through its silence
        if impact.page == name and not _pages(alerts[name]):
            wrong.append(f"{name}: stands for itself but never pages ({alerts[name]})")
        if not _pages(alerts.get(impact.page, set())):
            wrong.append(f"{name}: its page {impact.page} is not an alert that pages")
    assert wrong == []


def test_a_warning_only_alert_is_never_its_own_page():
    alerts = _severities()
    lonely = [
        name
        for name, impact in IMPACTS.items()
        if impact.page == name and alerts[name] <= {"warning", "ticket", "info"}
    ]
    assert lonely == []
