"""The shipped Alertmanager routing, as Alertmanager's own ``amtool`` reads it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from alerts import alertmanager
from alerts.generate import GENERATED_DIR, OPERATIONAL, SLO_RULES
from core.config import PackConfig
from toolkit import amtool as toolkit_amtool

SHIPPED = GENERATED_DIR / alertmanager.PATH


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return toolkit_amtool.run(*args)


def _alerts() -> list[dict[str, object]]:
    return [
        rule
        for name in (SLO_RULES, OPERATIONAL)
        for group in yaml.safe_load((GENERATED_DIR / name).read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def test_the_shipped_file_passes_amtool_check_config():
    proc = amtool("check-config", str(SHIPPED))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 inhibit rules" in proc.stdout and "3 receivers" in proc.stdout


def test_the_drill_variant_with_a_webhook_passes_amtool_check_config(tmp_path: Path):
    path = tmp_path / "alertmanager.yml"
    path.write_text(alertmanager.text(webhook_url="http://127.0.0.1:9/", timers=alertmanager.DRILL))
    proc = amtool("check-config", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "labels, receiver",
    [
        (["severity=critical", "alertname=TemporalTaskQueueNoPollers"], "page"),
        (["severity=critical", "sloth_severity=page"], "page"),
        (["severity=warning", "sloth_severity=ticket"], "ticket"),
        (["severity=info"], "ticket"),
        (["alertname=SomethingWithoutSeverity"], "ticket"),
        (["alertname=Watchdog", "severity=none"], "watchdog"),
    ],
)
def test_routes_by_severity(labels, receiver):
    proc = amtool("config", "routes", "test", f"--config.file={SHIPPED}", *labels)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == receiver


def test_every_alert_the_inhibitions_name_is_one_the_pack_ships():
    shipped = {str(rule["alert"]) for rule in _alerts()}
    named = set(alertmanager.SERVER_DOWN) | set(alertmanager.CAUSED_BY_SERVER_DOWN)
    assert named - shipped == set()


def test_the_watchdog_route_names_the_alert_the_pack_ships_and_repeats_within_minutes():
    (watchdog,) = [r for r in _alerts() if r["alert"] == alertmanager.WATCHDOG_ALERT]
    assert watchdog["labels"]["severity"] == "none"  # type: ignore[index]
    route = alertmanager.config()["route"]["routes"][0]
    assert route["receiver"] == alertmanager.WATCHDOG and route["repeat_interval"] == "5m"


def test_every_slo_burn_alert_carries_the_labels_the_slo_inhibition_matches():
    burns = [r for r in _alerts() if "sloth_severity" in r.get("labels", {})]  # type: ignore[operator]
    assert {r["labels"]["sloth_severity"] for r in burns} == {"page", "ticket"}  # type: ignore[index]
    for rule in burns:  # sloth_id comes from the recorded series the expression keeps
        assert 'sloth_id="' in str(rule["expr"]) and "without (sloth_window)" in str(rule["expr"])


def test_a_cluster_label_groups_and_confines_the_inhibitions():
    doc = alertmanager.config(PackConfig(namespace_label="exported_namespace", cluster_label="k"))
    assert doc["route"]["group_by"] == ["alertname", "exported_namespace", "k"]
    assert all(rule["equal"][-1] == "k" for rule in doc["inhibit_rules"])
