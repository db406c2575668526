"""The committed rule files: up to date, accepted by promtool, on metrics that exist."""

from __future__ import annotations

import re

import yaml

from alerts import generate
from alerts.operational.meta import WATCHDOG
from alerts.slo import naming
from alerts.slo.spec import load_slos
from core import catalog
from core.catalog import Source
from core.config import DEFAULT, RUNBOOK_URL
from toolkit import promql_check, promtool

RULE_FILES = sorted(generate.GENERATED_DIR.glob("*.yaml"))
K8S_FILES = sorted((generate.GENERATED_DIR / "k8s").glob("*.yaml"))


def rules(path):
    doc = yaml.safe_load(path.read_text())
    return [(g["name"], r) for g in doc["groups"] for r in g["rules"]]


def all_rules():
    return [(path.name, group, rule) for path in RULE_FILES for group, rule in rules(path)]


def alerts():
    return [(f, g, r) for f, g, r in all_rules() if "alert" in r]


def test_committed_files_are_what_the_generator_writes():
    stale = generate.stale(generate.build())
    assert stale == [], f"run `make rules` and commit: {stale}"


def test_promtool_accepts_every_rule_file():
    assert [p.name for p in RULE_FILES] == ["operational-alerts.yaml", "slo-rules.yaml"]
    proc = promtool.run("check", "rules", *map(str, RULE_FILES))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_prometheus_rule_resources_carry_the_same_groups():
    for path in K8S_FILES:
        doc = yaml.safe_load(path.read_text())
        assert doc["apiVersion"] == "monitoring.coreos.com/v1"
        assert doc["kind"] == "PrometheusRule"
        assert doc["metadata"]["labels"]["app.kubernetes.io/name"] == "dict-observability"
        plain = yaml.safe_load((generate.GENERATED_DIR / path.name).read_text())
        assert doc["spec"]["groups"] == plain["groups"]


def test_every_alert_says_how_bad_what_and_where_to_look():
    for file, group, rule in alerts():
        where = f"{file}: {group}: {rule['alert']}"
        assert rule["labels"]["severity"] in ("critical", "warning", "info", "none"), where
        notes = rule["annotations"]
        assert notes["summary"] and "{{" not in notes["summary"], where
        if rule["alert"] != WATCHDOG:  # always the same, nothing to template
            assert "{{" in notes["description"], f"{where}: the description is not templated"
        assert notes["runbook_url"] == f"{RUNBOOK_URL}#{rule['alert'].lower()}", where


def test_the_specifications_alerts_exist_on_real_metrics():
    names = {r["alert"] for _, _, r in alerts()}
    assert {
        "TemporalWorkflowFailureRateHigh",
        "TemporalTaskQueueBacklogHigh",
        "TemporalHistoryServiceDown",
        "ClaimWorkflowPastDeadline",
    } <= names
    # The specification's near-deadline alert had nothing to do (undecided claims run to their
    # deadline by design): the count is a dashboard panel, and past the deadline it pages.
    assert "ClaimWorkflowNearing30DayExpiration" not in names
    text = "\n".join(p.read_text() for p in RULE_FILES)
    for emitted_by_nothing in ("temporal_taskqueue_depth", "temporal_workflow_duration_seconds"):
        assert emitted_by_nothing not in text


def test_every_rule_names_only_catalog_metrics_and_labels():
    known = naming.known_series(load_slos(check_queries=False))
    problems = [
        f"{file}: {rule.get('alert') or rule['record']}: {problem}"
        for file, _, rule in all_rules()
        for problem in promql_check.problems(rule["expr"], known)
    ]
    assert problems == []


def test_the_catalog_check_catches_a_label_the_metric_does_not_carry():
    known = naming.known_series(load_slos(check_queries=False))
    wrong = 'temporal_num_pollers{taskqueue="dict_task_queue"}'  # the SDK spells it task_queue
    assert promql_check.problems(wrong, known)


def test_each_source_spells_the_task_queue_its_own_way():
    server_names = {m.name for m in catalog.ALL if m.source is Source.SERVER} | {
        m.bucket for m in catalog.ALL if m.source is Source.SERVER and m.buckets
    }
    seen = {"server": 0, "others": 0}
    for file, _, rule in all_rules():
        for metric, matchers in re.findall(r"([a-z_:]+)\{([^}]*)\}", rule["expr"]):
            if "task_queue=" in matchers or "taskqueue=" in matchers:
                if metric in server_names:
                    assert f'taskqueue="{DEFAULT.server_task_queue}"' in matchers, (file, metric)
                    seen["server"] += 1
                else:
                    assert f'task_queue="{DEFAULT.task_queue}"' in matchers, (file, metric)
                    seen["others"] += 1
    assert seen["server"] and seen["others"]
