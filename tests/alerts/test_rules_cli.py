"""``dictobs rules``: what an operator types, what it writes, and how it refuses bad input."""

from __future__ import annotations

import pytest

from alerts import generate
from dictobs.cli import main
from toolkit import promtool

SLOTH_SPEC = """\
version: prometheus/v1
service: pix-gateway
slos:
  - name: requests-availability
    objective: 99.5
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: PixGatewayHighErrorRate
"""


@pytest.fixture
def sloth_file(tmp_path):
    path = tmp_path / "pix-gateway.yaml"
    path.write_text(SLOTH_SPEC)
    return path


def test_generate_from_a_sloth_spec_writes_rules_promtool_accepts(tmp_path, sloth_file, capsys):
    out, tests = tmp_path / "out", tmp_path / "tests"
    assert (
        main(
            [
                "rules",
                "generate",
                "--slo",
                str(sloth_file),
                "--out",
                str(out),
                "--tests",
                str(tests),
            ]
        )
        == 0
    )
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yaml"))
    assert written == [
        "k8s/operational-alerts.yaml",
        "k8s/slo-rules.yaml",
        "operational-alerts.yaml",
        "slo-rules.yaml",
    ]
    assert "wrote" in capsys.readouterr().out
    rules = (out / "slo-rules.yaml").read_text()
    assert "sloth_id: pix-gateway-requests-availability" in rules
    assert "# Source: pix-gateway.yaml" in rules  # no absolute path of the machine
    proc = promtool.run("check", "rules", str(out / "slo-rules.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # No feeder knows the team's counters: no test file is invented for them.
    assert not tests.exists() or not list(tests.iterdir())


def test_a_bad_spec_is_one_line_naming_the_field_and_nothing_is_written(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SLOTH_SPEC.replace("objective: 99.5", "objective: 100"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "slo-rules.yaml").write_text("kept\n")
    status = main(["rules", "generate", "--slo", str(bad), "--out", str(out), "--tests", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1
    assert "slo 'requests-availability': field objective: 100 is outside (0, 100)" in err
    assert [p.name for p in out.iterdir()] == ["slo-rules.yaml"]
    assert (out / "slo-rules.yaml").read_text() == "kept\n"


def test_check_passes_on_the_committed_files_and_fails_on_stale_ones(tmp_path, capsys):
    assert main(["rules", "check"]) == 0
    assert "SUCCESS" in capsys.readouterr().out
    stale = tmp_path / "out"
    assert main(["rules", "check", "--out", str(stale), "--tests", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert "out of date: " in captured.out
    assert "run `dictobs rules generate`" in captured.err


def test_validate_lists_the_slos_of_both_formats(sloth_file, capsys):
    assert (
        main(["rules", "validate", str(generate.REPO_ROOT / "alerts/slos.yaml"), str(sloth_file)])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert lines[-1] == (
        "pix-gateway-requests-availability: 99.5% over 30d, events SLI, "
        "alert PixGatewayHighErrorRate (prometheus/v1)"
    )
    assert any(
        line.startswith("dict-claims-resolution-deadline: 99.99% over 30d, latency")
        for line in lines
    )


def test_test_runs_promtool_and_reports_a_missing_file(tmp_path, capsys):
    assert main(["rules", "test", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: no such test file" in capsys.readouterr().err
    failing = tmp_path / "failing-test.yaml"
    (tmp_path / "rules.yaml").write_text("groups: []\n")
    failing.write_text(
        "rule_files: [rules.yaml]\ntests:\n  - input_series: []\n    alert_rule_test:\n"
        "      - eval_time: 1m\n        alertname: Nothing\n        exp_alerts:\n"
        "          - exp_labels: {severity: critical}\n"
    )
    assert main(["rules", "test", str(failing)]) == 1
    assert "FAILED" in capsys.readouterr().out


def _generate(tmp_path, *args: str) -> tuple[int, dict]:
    import yaml

    out = tmp_path / "out"
    status = main(["rules", "generate", "--out", str(out), "--tests", str(tmp_path / "t"), *args])
    rules = out / "slo-rules.yaml"
    return status, (yaml.safe_load(rules.read_text()) if rules.is_file() else {})


def test_sloths_generator_options(tmp_path, sloth_file):
    spec = ["--slo", str(sloth_file)]
    status, doc = _generate(
        tmp_path,
        *spec,
        "--extra-label",
        "env=prod",
        "--default-slo-period",
        "28d",
        "--interval",
        "sli=1m",
        "--interval",
        "alerts=30s",
    )
    assert status == 0
    groups = {g["name"].split("-")[2]: g for g in doc["groups"]}
    assert groups["sli"]["interval"] == "1m" and groups["alerts"]["interval"] == "30s"
    assert "interval" not in groups["meta"]
    records = [r for g in doc["groups"] for r in g["rules"] if "record" in r]
    assert all(r["labels"]["env"] == "prod" for r in records)
    assert "slo:sli_error:ratio_rate4w" in {r["record"] for r in records}
    assert not (tmp_path / "t").exists()  # no promtool tests for a partial or re-timed rule set

    _, doc = _generate(tmp_path, *spec, "--disable-alerts")
    assert [g["name"].split("-")[2] for g in doc["groups"]] == ["sli", "meta"]
    _, doc = _generate(tmp_path, *spec, "--disable-recordings")
    assert [g["name"].split("-")[2] for g in doc["groups"]] == ["alerts"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--extra-label", "env"], "--extra-label 'env': expected NAME=VALUE"),
        (["--extra-label", "bad-name=x"], "--extra-label 'bad-name': not a Prometheus label"),
        (["--interval", "rules=1m"], "--interval 'rules': expected one of sli, meta, alerts"),
        (["--interval", "sli=soon"], "--interval sli: 'soon' is not a duration"),
        (["--default-slo-period", "36h"], "not a whole number of days"),
    ],
)
def test_bad_generator_options_are_refused_and_nothing_is_written(
    tmp_path, sloth_file, capsys, args, expected
):
    status, doc = _generate(tmp_path, "--slo", str(sloth_file), *args)
    assert (status, doc) == (2, {})
    assert expected in capsys.readouterr().err


def test_a_plugin_keeps_the_whole_spec_out_of_the_output(tmp_path, sloth_file, capsys):
    plugin = tmp_path / "plugin.yaml"
    plugin.write_text(
        SLOTH_SPEC.replace("service: pix-gateway", "service: other")
        + "  - name: apiserver\n    objective: 99\n    sli:\n      plugin:\n"
        "        id: sloth-common/kubernetes/apiserver/availability\n"
    )
    status, doc = _generate(tmp_path, "--slo", str(sloth_file), "--slo", str(plugin))
    assert (status, doc) == (2, {})
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "SLI plugin 'sloth-common/kubernetes/apiserver/availability'" in err[0]
