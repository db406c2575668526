"""Every panel query names series and labels that exist, and parses as PromQL."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from core.catalog import sdk
from dashboards import build, lint, queries
from toolkit import promql_check, promtool


@pytest.fixture(scope="module")
def models():
    return build.models()


@pytest.fixture(scope="module")
def known():
    return lint.known_series()


def test_every_query_names_catalog_metrics_with_their_labels(models, known):
    assert lint.catalog_problems(models, known) == []


@pytest.mark.parametrize(
    ("query", "complaint"),
    [
        # Names the official dashboards use that this SDK does not emit.
        ('rate(temporal_workflow_failed{namespace="dict"}[5m])', "not in the metric catalog"),
        ("sum(temporal_workflow_task_queue_depth)", "not in the metric catalog"),
        # The server's label spellings on an SDK metric, and the SDK's on a server metric.
        (
            "sum by (workflowType) (rate(temporal_workflow_failed_total[5m]))",
            "label 'workflowType' is not on the argument",
        ),
        ('approximate_backlog_count{task_queue="dict-task-queue"}', "label 'task_queue'"),
        (
            "histogram_quantile(0.9, sum by (method) "
            "(rate(dict_bridge_request_duration_seconds_bucket[5m])))",
            "no 'le'",
        ),
        (
            "sum by (workflow_type) (rate(temporal_workflow_failed_total[5m])) "
            "/ sum by (task_queue) (rate(temporal_workflow_completed_total[5m]))",
            "no series would match",
        ),
        ("sum(rate(dict_claims_started_total[5m]", "cannot read the query"),
        # absent() keeps only the labels its selector matched with "=".
        ('max by (job) (absent(up{instance=~".+"}))', "label 'job' is not on the argument"),
    ],
)
def test_checker_reports_what_would_show_no_data(known, query, complaint):
    problems = promql_check.problems(query, known)
    assert any(complaint in p for p in problems), problems


def test_checker_accepts_what_the_sources_really_emit(known):
    ok = [
        'sum by (taskqueue, task_type) (approximate_backlog_count{taskqueue=~"dict_task_queue"})',
        "histogram_quantile(0.99, sum by (method, le) "
        "(rate(dict_bridge_request_duration_seconds_bucket[5m])))",
        "slo:sli_error:ratio_rate1h / on(sloth_id) slo:error_budget:ratio",
        'count(ALERTS{alertname="X", alertstate="firing"}) or vector(0)',
        'max by (job) (absent(up{job="temporal-server"}))',
    ]
    for query in ok:
        assert promql_check.problems(query, known) == [], query


def test_every_query_parses_with_promtool(models):
    exprs = [q for m in models for q in lint.queries(m)]
    assert len(exprs) > 100
    assert lint.promtool_problems(exprs) == []


def test_promtool_check_names_the_broken_panel():
    problems = lint.promtool_problems([("good", "sum(up)"), ("panel X", "sum(rate(up[5m)")])
    assert len(problems) == 1 and problems[0].startswith("panel X: ")


def test_server_task_queue_variable_turns_dashes_into_underscores(tmp_path):
    """Evaluate the derived variable's query in Prometheus' own engine (promtool test rules)."""
    variable = next(v for v in queries.variables() if v.name == queries.VAR_SERVER_TASK_QUEUE)
    (tmp_path / "rules.yaml").write_text("groups: []\n")
    series = (
        'temporal_num_pollers{job="dict-worker", namespace="dict", task_queue="%s", '
        'poller_type="workflow_task"}'
    )
    test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": series % "dict-task-queue", "values": "2 2 2"},
                    {"series": series % "a-b-c-d-e", "values": "1 1 1"},
                    {"series": series % "plain", "values": "1 1 1"},
                ],
                "promql_expr_test": [
                    {
                        "expr": lint.substitute(variable.query).replace(
                            'task_queue=~"dict-task-queue"', 'task_queue=~".+"'
                        ),
                        "eval_time": "2m",
                        "exp_samples": [
                            {"labels": '{taskqueue="dict_task_queue"}', "value": 1},
                            {"labels": '{taskqueue="a_b_c_d_e"}', "value": 1},
                            {"labels": '{taskqueue="plain"}', "value": 1},
                        ],
                    }
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(test))
    proc = subprocess.run(
        [promtool.path(), "test", "rules", "test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_panel_query_cannot_name_a_label_its_metric_does_not_carry():
    assert queries.series(sdk.WORKFLOW_FAILED, queries.NS) == (
        'temporal_workflow_failed_total{job="dict-worker", namespace="$namespace"}'
    )
    with pytest.raises(ValueError, match="has no label 'taskqueue'"):
        queries.series(sdk.WORKFLOW_FAILED, queries.SERVER_TQ)
    with pytest.raises(ValueError, match="not a series of"):
        queries.series(sdk.WORKFLOW_FAILED, suffix="bucket")
