"""Scripted incidents are data: each names a fault the runner knows and alerts the pack ships."""

from __future__ import annotations

import pytest
import yaml

from alerts.generate import GENERATED_DIR, OPERATIONAL, SLO_RULES
from dictobs.cli import main
from stack import incidents


def _shipped() -> set[tuple[str, tuple[tuple[str, str], ...]]]:
    found = set()
    for name in (SLO_RULES, OPERATIONAL):
        for group in yaml.safe_load((GENERATED_DIR / name).read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    found.add((rule["alert"], tuple(sorted(rule.get("labels", {}).items()))))
    return found


@pytest.mark.parametrize("incident", incidents.INCIDENTS.values(), ids=lambda i: i.name)
def test_each_incident_expects_alerts_the_pack_ships_and_a_fault_the_runner_knows(incident):
    assert incident.fault in incidents.FAULTS
    shipped = _shipped()
    for expect in incident.expect:
        assert any(
            name == expect.alertname and set(expect.labels) <= set(labels)
            for name, labels in shipped
        ), expect


def test_an_unknown_incident_is_refused_with_the_names_there_are(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--incident", "meteor-strike"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--incident" in err and "bridge-outage" in err and "worker-stopped" in err
