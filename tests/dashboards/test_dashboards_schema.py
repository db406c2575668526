"""The generated JSON against Grafana's published dashboard schema, and the scoping every panel
shares: the pack's jobs, the cluster variable, the minimum interval, table colours."""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest

from core import config
from dashboards import build, lint, render, schema


@pytest.fixture(scope="module")
def models():
    return build.models()


def test_every_dashboard_fits_grafanas_schema_at_its_current_version(models):
    assert render.SCHEMA_VERSION == schema.SCHEMA_VERSION
    assert [p for m in models for p in schema.problems(m)] == []
    assert {m["schemaVersion"] for m in models} == {schema.SCHEMA_VERSION}


def test_the_schema_check_names_what_old_panel_models_leave_behind(models):
    broken = copy.deepcopy(models[0])
    panel = next(p for p in broken["panels"] if p["type"] == "stat")
    panel["editable"] = True
    panel["description"] = None
    broken["timepicker"]["time_options"] = ["5m", "1h"]
    found = schema.problems(broken)
    assert any(".editable: not in Grafana's dashboard schema" in p for p in found)
    assert any(".description: null where the schema wants a value" in p for p in found)
    assert any("timepicker.time_options: not in Grafana's dashboard schema" in p for p in found)
    assert all(p.startswith("dict-claims-overview: ") for p in found)


def _nulls(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from ([f"{path}.{key}"] if value is None else _nulls(value, f"{path}.{key}"))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _nulls(item, f"{path}[{i}]")


def test_no_key_of_an_old_panel_model_is_written(models):
    legacy = {"editable", "error", "fontSize", "styles", "columns", "transparent"}
    for model in models:
        assert "time_options" not in model["timepicker"]
        for panel in model["panels"]:
            assert not legacy & set(panel), (model["uid"], panel["title"])
        # Only a threshold's base step is null, as Grafana's model has it.
        assert all(re.search(r"\.steps\[0\]\.value$", p) for p in _nulls(model)), model["uid"]


def test_every_panel_has_a_one_minute_floor_and_tables_colour_by_threshold(models):
    for model in models:
        for panel in model["panels"]:
            if panel["type"] == "row":
                continue
            assert panel["interval"] == "1m", panel["title"]
            if panel["type"] == "table":
                defaults = panel["fieldConfig"]["defaults"]
                assert defaults["custom"]["cellOptions"]["type"] == "color-background"
                assert defaults["color"] == {"mode": "thresholds"}


def test_every_query_selects_the_packs_jobs_only(models):
    assert [p for m in models for p in lint.scope_problems(m)] == []
    server = next(m for m in models if m["uid"] == "dict-temporal-server")
    targets = next(p for p in server["panels"] if p["title"] == "Scrape targets")
    assert 'up{job=~"temporal-server|dict-worker|dict-exporter"}' in targets["targets"][0]["expr"]
    assert lint.scope_problems(
        {"uid": "x", "panels": [{"title": "t", "targets": [{"refId": "A", "expr": "sum(up)"}]}],
         "templating": {"list": []}}
    ) == ["x: panel 't' (A): up is selected without the pack's job"]  # fmt: skip


def test_the_cluster_variable_is_hidden_until_the_pack_is_multi_cluster(models):
    cluster = next(v for v in models[0]["templating"]["list"] if v["name"] == "cluster")
    assert cluster["hide"] == 2 and cluster["type"] == "constant"
    assert not any("$cluster" in expr for m in models for _, expr in lint.queries(m))
    config.use(dataclasses.replace(config.DEFAULT, cluster_label="k8s_cluster"))
    try:
        multi = build.models()
        variable = next(v for v in multi[0]["templating"]["list"] if v["name"] == "cluster")
        assert variable["hide"] == 0 and variable["type"] == "query"
        assert variable["query"].startswith("query_result(count by (k8s_cluster) (up{job=~")
        for model in multi:
            for where, expr in lint.queries(model):
                for selector in re.findall(r"\{[^}]*job=[^}]*\}", expr):
                    if where.endswith("variable 'cluster'"):
                        continue
                    assert 'k8s_cluster="$cluster"' in selector, where
        assert lint.catalog_problems(multi) == []
    finally:
        config.use(config.DEFAULT)
