"""One pack configuration for rules, dashboards and deployment, overridable from YAML."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import yaml
from promtool_cases import run_all, slo_narrowed

from alerts import generate
from core import config
from dashboards import build, lint
from dictobs.cli import main
from toolkit import promtool


@pytest.fixture
def site(tmp_path):
    path = tmp_path / "site.yaml"
    path.write_text(
        "server_job: temporal\n"
        "namespace_label: exported_namespace\n"
        "cluster_label: cluster\n"
        "thresholds:\n"
        "  backlog_tasks: 5000\n"
        "  schedule_to_start_critical_seconds: 2\n"
    )
    yield path
    config.use(config.DEFAULT)  # the command set it for the rest of this process


def _steps(models, title):
    panel = next(p for m in models for p in m["panels"] if p["title"] == title)
    return [
        (s["color"], s["value"]) for s in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    ]


T = config.DEFAULT.thresholds


@pytest.mark.parametrize(
    ("alert", "number", "panel", "colour"),
    [
        ("TemporalTaskQueueBacklogHigh", T.backlog_tasks,
         "Backlog count (exporter, DescribeTaskQueue)", "red"),
        ("TemporalFrontendErrorRatioHigh", T.frontend_error_ratio,
         "Frontend error ratio by operation", "red"),
        ("TemporalPersistenceLatencyHigh", T.persistence_p99_seconds,
         "Persistence latency p99 by operation", "orange"),
        ("TemporalSyncMatchRateLow", T.sync_match_ratio, "Sync match rate", "green"),
        ("TemporalActivityRetryRateHigh", T.activity_retry_ratio,
         "Activity failure ratio by type", "red"),
    ],
)  # fmt: skip
def test_a_panel_changes_colour_at_the_number_its_alert_fires_on(alert, number, panel, colour):
    # A "below is bad" panel (sync match) turns green at the alert's number: orange below it.
    rules = yaml.safe_load((generate.GENERATED_DIR / "operational-alerts.yaml").read_text())
    rule = next(r for g in rules["groups"] for r in g["rules"] if r.get("alert") == alert)
    assert re.search(rf"[<>] {re.escape(f'{number:g}')}\b", rule["expr"]), rule["expr"]
    assert (colour, number) in _steps(build.models(), panel)


def test_overrides_reach_the_rules_and_the_panels(site, tmp_path, capsys):
    out, tests = tmp_path / "rules", tmp_path / "tests"
    status = main(
        ["--pack-config", str(site), "rules", "generate", "--out", str(out), "--tests", str(tests)]
    )
    assert status == 0
    text = (out / "operational-alerts.yaml").read_text()
    assert 'exported_namespace="dict"' in text and 'namespace="dict"' not in text.replace(
        "exported_namespace", ""
    )
    assert "sum by (exported_namespace, workflow_type, cluster)" in text
    assert 'job="temporal"' in text and "> 5000" in text
    assert "{{ $labels.exported_namespace }}" in text
    slo_rules = (out / "slo-rules.yaml").read_text()
    assert 'workflow_failed{exported_namespace="dict", workflowType="CreateClaimWorkflow"}' in (
        slo_rules
    )
    assert 'namespace="dict"' not in slo_rules.replace("exported_namespace", "")
    proc = promtool.run("check", "rules", str(out / "operational-alerts.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The SLO cases are generated with the same configuration: they pass against these rules.
    case = slo_narrowed(tests / "slo-dict-bridge-call-availability-test.yaml", tmp_path / "n")
    ((code, out),) = run_all([case]).values()
    assert code == 0, out
    assert (
        'exported_namespace="dict"'
        in (tests / "slo-dict-bridge-call-availability-test.yaml").read_text()
    )

    assert ("red", 5000) in _steps(build.models(), "Backlog count (exporter, DescribeTaskQueue)")
    schedule = _steps(build.models(), "Schedule-to-start p95 per queue (worker)")
    assert schedule[-1] == ("red", 2.0)


def test_pack_config_prints_what_the_deployment_reads(site, capsys):
    assert main(["--pack-config", str(site), "pack-config"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["server_job"] == "temporal" and shown["worker_job"] == "dict-worker"
    assert shown["thresholds"]["backlog_tasks"] == 5000
    assert shown["thresholds"]["bridge_error_ratio"] == config.DEFAULT.thresholds.bridge_error_ratio


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("server_jobs: x\n", "unknown key 'server_jobs'; the keys are: server_job, "),
        ("thresholds:\n  backlog: 5\n", "unknown key 'thresholds.backlog'"),
        ("thresholds:\n  backlog_tasks: many\n", "backlog_tasks must be a positive whole number"),
        ("thresholds:\n  backlog_tasks: -1\n", "backlog_tasks must be a positive whole number"),
        ("thresholds:\n  bridge_error_ratio: 0\n", "bridge_error_ratio must be a positive number"),
        ("namespace_label: exported-namespace\n", "must be a Prometheus label name"),
        ("runbook_url_pattern: https://wiki/runbook\n", "a URL with one %s"),
        ("runbook_url_pattern: docs/runbook.md#%s\n", "an absolute http(s) URL"),
        ("thresholds: 5\n", "thresholds must be a mapping"),
        ("worker_job: ''\n", "worker_job must be a non-empty text"),
        ("sdk_dialect: go\n", "sdk_dialect must be one of openmetrics, go-otel, core-ms, not 'go'"),
        ("- a\n", "expected a mapping"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_a_bad_override_is_one_line_naming_the_key(tmp_path, capsys, text, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = tmp_path / "rules"
    status = main(
        ["--pack-config", str(bad), "rules", "generate", "--out", str(out), "--tests", str(out)]
    )
    err = capsys.readouterr().err
    assert status == 2
    assert message in err and str(bad) in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert config.current() is config.DEFAULT


def test_the_dashboards_variables_default_to_the_configured_namespace_and_queue():
    config.use(config.from_mapping({"namespace": "pix", "task_queue": "pix-queue"}))
    try:
        variables = {v["name"]: v["current"] for v in build.models()[0]["templating"]["list"]}
        assert variables["namespace"]["value"] == "pix"
        assert variables["task_queue"]["value"] == ["pix-queue"]
        assert lint.substitute('x{namespace="$namespace", taskqueue=~"$taskqueue"}') == (
            'x{namespace="pix", taskqueue=~"pix_queue"}'
        )
    finally:
        config.use(config.DEFAULT)


def test_dashboards_built_with_an_override_select_the_namespace_under_its_label(site, tmp_path):
    """The dashboards read the namespace label when first imported: build them in a process of
    their own, as ``dictobs --pack-config FILE dashboards build`` does."""
    out = tmp_path / "dashboards"
    command = ["dictobs", "--pack-config", str(site), "dashboards", "build", "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "dictobs.cli", *command[1:]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    texts = [path.read_text() for path in sorted(out.glob("*.json"))]
    assert len(texts) == 5
    labels = set(re.findall(r"(\w*namespace)=\\\"\$namespace", "".join(texts)))
    assert labels == {"exported_namespace"}
    task_queues = json.loads((out / "dict-task-queues.json").read_text())
    steps = [
        (s["color"], s["value"])
        for p in task_queues["panels"]
        if p["title"] == "Backlog count (exporter, DescribeTaskQueue)"
        for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]
    ]
    assert ("red", 5000) in steps
