"""The rules rendered for each SDK dialect: accepted by promtool, on the dialect's names and
labels, and firing on what a worker of that dialect serves.

The SDK-based alerts (schedule-to-start slow, activity retry ratio) are fed the dialect's
fixture (one scrape of a worker in trouble, ``tests/sdk_dialects.py``) as steady rates; the
worker-responsiveness SLO reads the same histogram, its 1 s bound spelt in the dialect's unit.
"""

from __future__ import annotations

import backfill
import pytest
import yaml
from sdk_dialects import TARGET, exposition, using

from alerts import generate
from alerts.slo import naming
from alerts.slo.sli import go_float
from alerts.slo.spec import load_slos
from core.catalog import dialects, sdk
from toolkit import promql_check, promtool

MINUTES = 60
SDK_ALERTS = (
    "TemporalActivityRetryRateHigh",
    "TemporalActivityScheduleToStartSlow",
    "TemporalWorkflowTaskScheduleToStartSlow",
)
RESPONSIVENESS = "dict-worker-workflow-task-responsiveness"


@pytest.fixture(scope="module", params=dialects.NAMES)
def rendered(request, tmp_path_factory):
    """(dialect, folder with its rule files and generated SLO tests, what the checker finds)."""
    name = request.param
    out = tmp_path_factory.mktemp(f"rules-{name}")
    with using(name) as cfg:
        generate.generate(out_dir=out, tests_dir=out / "tests", cfg=cfg)
        known = naming.known_series(load_slos(check_queries=False))
        problems = [
            f"{path.name}: {rule.get('alert') or rule['record']}: {problem}"
            for path in (out / generate.SLO_RULES, out / generate.OPERATIONAL)
            for group in yaml.safe_load(path.read_text())["groups"]
            for rule in group["rules"]
            for problem in promql_check.problems(rule["expr"], known)
        ]
    return name, out, problems


def test_promtool_accepts_the_rules_on_the_dialects_names_and_labels(rendered):
    _, out, problems = rendered
    assert problems == []
    proc = promtool.run(
        "check", "rules", str(out / generate.SLO_RULES), str(out / generate.OPERATIONAL)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _unit_test(dialect: str) -> dict:
    """Each fixture sample as a steady rate (its value per minute, for an hour); the SDK alerts
    fire and the responsiveness SLI is computable (no task waited over 1 s: 0)."""
    series = [
        {
            "series": name
            + "{"
            + ", ".join(f'{k}="{v}"' for k, v in {**labels, **TARGET}.items())
            + "}",
            "values": f"0+{value:g}x{MINUTES}",
        }
        for name, labels, value in backfill.samples(exposition(dialect))
    ]
    firing = f'ALERTS{{alertstate="firing", alertname=~"{"|".join(SDK_ALERTS)}"}}'
    sli = f'slo:sli_error:ratio_rate5m{{sloth_id="{RESPONSIVENESS}"}}'
    return {
        "rule_files": [generate.OPERATIONAL, generate.SLO_RULES],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "promql_expr_test": [
                    {
                        "expr": f"count by (alertname) ({firing})",
                        "eval_time": "45m",
                        "exp_samples": [
                            {"labels": f'{{alertname="{a}"}}', "value": 1} for a in SDK_ALERTS
                        ],
                    },
                    {
                        # Empty, not 0, if the 1 s bound were spelt in the wrong unit.
                        "expr": f"count({sli} == 0)",
                        "eval_time": "45m",
                        "exp_samples": [{"labels": "{}", "value": 1}],
                    },
                ],
            }
        ],
    }


def test_the_sdk_alerts_fire_on_the_dialects_series(rendered):
    name, out, _ = rendered
    test = out / f"sdk-{name}-test.yaml"
    test.write_text(yaml.safe_dump(_unit_test(name), sort_keys=False))
    proc = promtool.run("test", "rules", str(test))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_generated_slo_test_feeds_the_dialects_series(rendered):
    """Running it takes half a minute (four simulated days); its input is what can go wrong."""
    name, out, _ = rendered
    test = yaml.safe_load((out / "tests" / f"slo-{RESPONSIVENESS}-test.yaml").read_text())
    fed = {s["series"] for t in test["tests"] for s in t["input_series"]}
    spelling = dialects.get(name)
    histogram = sdk.WORKFLOW_TASK_SCHEDULE_TO_START
    bucket = spelling.series(histogram, "bucket")
    le = go_float(spelling.bound(histogram, 1.0))
    assert any(s.startswith(bucket + "{") and f'le="{le}"' in s for s in fed), sorted(fed)
