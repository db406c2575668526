"""The generated dashboards: committed and reproducible, stable uids, and what every panel needs."""

from __future__ import annotations

import argparse
import copy
import json

import pytest
import yaml

from core.errors import CLIError
from dashboards import build, cli, lint, render

# Users bookmark these; changing one breaks their links, so it must be a deliberate edit here.
UIDS = {
    "dict-claims-overview",
    "dict-worker-sdk",
    "dict-task-queues",
    "dict-slos",
    "dict-temporal-server",
}


@pytest.fixture(scope="module")
def models():
    return build.models()


def test_committed_files_match_the_generator():
    diffs = build.differences()
    assert diffs == [], f"out of date: {diffs}; run `dictobs dashboards build` and commit"


def test_build_writes_the_same_bytes_twice_and_drops_stale_files(tmp_path):
    first = build.write(tmp_path)
    snapshot = {p: p.read_bytes() for p in first}
    (tmp_path / "old-dashboard.json").write_text("{}")
    build.write(tmp_path)
    assert {p: p.read_bytes() for p in first} == snapshot
    assert not (tmp_path / "old-dashboard.json").exists()
    assert build.differences(tmp_path) == []
    (tmp_path / "dict-slos.json").write_text("{}\n")
    assert build.differences(tmp_path) == ["dict-slos.json"]


def test_uids_are_stable_and_panel_ids_unique(models):
    assert {m["uid"] for m in models} == UIDS
    for model in models:
        ids = [p["id"] for p in model["panels"]]
        assert ids == list(range(1, len(ids) + 1)), model["uid"]


def test_modern_schema_and_template_variables(models):
    for model in models:
        assert model["schemaVersion"] == render.SCHEMA_VERSION >= 39
        variables = {v["name"]: v for v in model["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource"
        assert variables["datasource"]["query"] == "prometheus"
        assert variables["namespace"]["current"]["value"] == "dict"
        assert variables["task_queue"]["current"]["value"] == ["dict-task-queue"]
        # The server's spelling is derived, never picked by hand.
        assert variables["taskqueue"]["hide"] == 2
        assert "task_queue" in variables["taskqueue"]["query"]
        for panel in model["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def test_every_panel_has_a_unit_a_description_and_a_modern_type(models):
    problems = [p for m in models for p in lint.panel_problems(m)]
    assert problems == []
    types = {p["type"] for m in models for p in m["panels"]}
    assert "graph" not in types
    assert types <= lint.ALLOWED_TYPES
    assert {"timeseries", "stat", "table", "bargauge", "heatmap"} <= types


def test_panel_checks_catch_a_graph_panel_without_unit_or_description(models):
    broken = copy.deepcopy(models[0])
    panel = next(p for p in broken["panels"] if p["type"] == "timeseries")
    panel["type"] = "graph"
    panel["fieldConfig"]["defaults"]["unit"] = ""
    panel["description"] = ""
    problems = lint.panel_problems(broken)
    assert any("'graph' is not allowed" in p for p in problems)
    assert any("no unit" in p for p in problems)
    assert any("no description" in p for p in problems)


def test_dashboards_link_to_each_other(models):
    for model in models:
        assert render.TAG in model["tags"]
        link = model["links"][0]
        assert link["type"] == "dashboards" and link["tags"] == [render.TAG]
        assert link["includeVars"] and link["keepTime"]


def test_claims_overview_counts_down_to_the_earliest_deadline_in_days(models):
    claims = next(m for m in models if m["uid"] == "dict-claims-overview")
    titles = [p["title"] for p in claims["panels"]]
    countdown = titles.index("Next deadline countdown")
    assert titles[countdown + 1] == "Oldest open claim"  # side by side
    panel = claims["panels"][countdown]
    assert panel["targets"][0]["expr"] == (
        '(min(dict_claim_earliest_deadline_timestamp_seconds{job="dict-exporter", '
        'namespace="$namespace"}) - time()) / 86400'
    )
    # Grafana's own "d" unit turns 29 days into "4.14 week"; a suffix keeps days.
    for title in ("Next deadline countdown", "Oldest open claim", "Oldest open claim age"):
        defaults = claims["panels"][titles.index(title)]["fieldConfig"]["defaults"]
        assert defaults["unit"] == "suffix: days", title
    oldest = claims["panels"][titles.index("Oldest open claim")]["fieldConfig"]["defaults"]
    assert [s["value"] for s in oldest["thresholds"]["steps"]] == [None, 28, 30]


def test_claim_ends_as_the_server_counts_them_beside_the_worker(models):
    claims = next(m for m in models if m["uid"] == "dict-claims-overview")
    titles = [p["title"] for p in claims["panels"]]
    worker = titles.index("Resolved by outcome (time range)")
    server = claims["panels"][worker + 1]
    exprs = " ".join(t["expr"] for t in server["targets"])
    for counter in ("success", "failed", "timeout", "terminate", "cancel"):
        assert f"increase(workflow_{counter}{{" in exprs
    assert all("sum by (workflowType)" in t["expr"] for t in server["targets"])
    # Counters history creates at their first event read 0 beside the completions until then.
    assert all(" or sum by (workflowType) (increase(workflow_success{" in t["expr"]
               for t in server["targets"][1:])  # fmt: skip


def test_slo_dashboard_has_a_row_per_slo_with_alert_state(models):
    from alerts.slo.spec import load_slos

    slos = load_slos(check_queries=False)
    dashboard = next(m for m in models if m["uid"] == "dict-slos")
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert len(rows) == len(slos) + 1
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    for slo in slos:
        mine = [e for e in exprs if f'sloth_id="{slo.id}"' in e]
        assert any(e.startswith("1 - slo:sli_error:ratio_rate") for e in mine)
        assert any(e.startswith("slo:period_error_budget_remaining:ratio") for e in mine)
        assert any(f'ALERTS{{alertname="{slo.alerting.name}"' in e for e in mine)


def test_provisioning_provider_and_sidecar_config_maps(models):
    files = build.files()
    provider = yaml.safe_load(files["provisioning/dashboards.yaml"])["providers"][0]
    assert provider["type"] == "file" and provider["options"]["path"] == build.PROVISIONING_PATH
    assert provider["folderUid"] == build.folder_uid(build.FOLDER)
    for model in models:
        text = files[f"k8s/{model['uid']}.yaml"]
        assert text.startswith("# Code generated")
        cm = yaml.safe_load(text)
        assert cm["kind"] == "ConfigMap"
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert json.loads(cm["data"][f"{model['uid']}.json"]) == model


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="dictobs")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["dashboards", *argv])
    try:
        return int(args.func(args))
    except CLIError as err:
        print(f"dictobs: error: {err}")
        return err.status


def test_check_and_lint_commands(tmp_path, capsys):
    assert _cli("check") == 0
    assert _cli("check", "--out", str(tmp_path)) == 1
    assert "run: dictobs dashboards build" in capsys.readouterr().out
    assert _cli("build", "--out", str(tmp_path)) == 0
    assert _cli("check", "--out", str(tmp_path)) == 0
    assert _cli("lint") == 0
    assert "every query names known series and labels" in capsys.readouterr().out
