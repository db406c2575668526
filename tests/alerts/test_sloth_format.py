"""A team's Sloth ``prometheus/v1`` spec gives the rules Sloth would give it.

The expectations below are what Sloth's ``generate`` writes for such a spec (its published
examples): group names, record names and windows, rule labels, the info series, alert names,
labels and annotations, the factor of each window pair and the error budget as Go prints it.
Where we differ on purpose (traffic-weighted period SLI, zero-filled error series, alerts
``SLOMetricsAbsent``) the test says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alerts import generate
from alerts.slo import rules as slo_rules
from alerts.slo.sli import SLOSpecError
from alerts.slo.spec import load_slos

SPEC = """\
version: "prometheus/v1"
service: "pix-gateway"
labels:
  owner: "payments"
  tier: "1"
slos:
  - name: "requests-availability"
    objective: 99.9
    description: "Gateway requests answered without a server error."
    labels:
      category: availability
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="pix-gateway",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="pix-gateway"}[{{.window}}]))
    alerting:
      name: PixGatewayHighErrorRate
      labels:
        team: payments
      annotations:
        summary: "High error rate on pix-gateway"
      page_alert:
        for: 5m
        labels:
          severity: pageteam
      ticket_alert:
        labels:
          severity: slack
  - name: "queue-health"
    objective: 99
    sli:
      raw:
        error_ratio_query: avg_over_time(queue_unhealthy_ratio{job="pix-gateway"}[{{.window}}])
    alerting:
      name: PixQueueUnhealthy
      ticket_alert:
        disable: true
"""
BUDGET_999 = "0.0009999999999999432"  # (100 - 99.9) / 100 in float64, as Sloth writes it
IDENTITY = {
    "sloth_id": "pix-gateway-requests-availability",
    "sloth_service": "pix-gateway",
    "sloth_slo": "requests-availability",
}
SLO_LABELS = {"owner": "payments", "tier": "1", "category": "availability", **IDENTITY}
SLI_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]


@pytest.fixture(scope="module")
def slos(tmp_path_factory):
    path = tmp_path_factory.mktemp("sloth") / "pix-gateway.yaml"
    path.write_text(SPEC)
    return load_slos(path)


@pytest.fixture(scope="module")
def groups(slos):
    return {g["name"]: g["rules"] for g in slo_rules.groups(slos)}


def test_group_names_are_sloths(groups):
    assert list(groups) == [
        f"sloth-slo-{kind}-pix-gateway-{slo}"
        for slo in ("requests-availability", "queue-health")
        for kind in ("sli-recordings", "meta-recordings", "alerts")
    ]


def test_sli_recordings_have_sloths_names_windows_and_labels(groups):
    rules = groups["sloth-slo-sli-recordings-pix-gateway-requests-availability"]
    ratios = [r for r in rules if r["record"].startswith("slo:sli_error:ratio_rate")]
    assert [r["record"] for r in ratios] == [
        *(f"slo:sli_error:ratio_rate{w}" for w in SLI_WINDOWS),
        "slo:sli_error:ratio_rate30d",
    ]
    for rule, window in zip(ratios, [*SLI_WINDOWS, "30d"], strict=True):
        assert rule["labels"] == {**SLO_LABELS, "sloth_window": window}
        if window != "30d":
            assert f"[{window}]" in rule["expr"] and "{{.window}}" not in rule["expr"]
    # On purpose: two 5m event rates feed the traffic-weighted period SLI.
    extra = [r["record"] for r in rules if r not in ratios]
    assert extra == ["slo:sli_error:rate5m", "slo:sli_total:rate5m"]
    period = ratios[-1]["expr"]
    assert "sum_over_time(slo:sli_error:rate5m{" in period
    assert "sum_over_time(slo:sli_total:rate5m{" in period


def test_a_raw_sli_averages_its_5m_ratios_over_the_period_as_sloth_does(groups):
    rules = groups["sloth-slo-sli-recordings-pix-gateway-queue-health"]
    assert "avg_over_time(queue_unhealthy_ratio" in rules[0]["expr"]
    period = rules[-1]
    assert period["record"] == "slo:sli_error:ratio_rate30d"
    assert "sum_over_time(slo:sli_error:ratio_rate5m{" in period["expr"]
    assert "count_over_time(slo:sli_error:ratio_rate5m{" in period["expr"]


def test_meta_recordings_and_info_are_sloths(groups):
    rules = groups["sloth-slo-meta-recordings-pix-gateway-requests-availability"]
    by_name = {r["record"]: r for r in rules}
    assert list(by_name) == [
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:time_period:days",
        "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
        "slo:period_error_budget_remaining:ratio",
        "sloth_slo_info",
    ]
    assert by_name["slo:objective:ratio"]["expr"] == "vector(0.9990000000000001)"
    assert by_name["slo:error_budget:ratio"]["expr"] == "vector(1-0.9990000000000001)"
    assert by_name["slo:time_period:days"]["expr"] == "vector(30)"
    for name in list(by_name)[:-1]:
        assert by_name[name]["labels"] == SLO_LABELS
    info = by_name["sloth_slo_info"]["labels"]
    assert {k: v for k, v in info.items() if k != "sloth_version"} == {
        **SLO_LABELS,
        "sloth_mode": "cli-gen-prom",
        "sloth_objective": "99.9",
        "sloth_spec": "prometheus/v1",
    }


def _tiers(expr: str) -> list[tuple[str, str, str, str]]:
    """(short window, long window, factor, budget) of every tier of a burn-rate alert."""
    found = re.findall(r"slo:sli_error:ratio_rate(\w+)\{[^}]*\} > \((\S+) \* ([^)\s]+)\)", expr)
    pairs = []
    for (short_w, factor, budget), (long_w, factor2, budget2) in zip(
        found[::2], found[1::2], strict=True
    ):
        assert (factor, budget) == (factor2, budget2)
        pairs.append((short_w, long_w, factor, budget))
    return pairs


def test_alerts_have_sloths_names_labels_windows_and_factors(groups):
    page, ticket, absent = groups["sloth-slo-alerts-pix-gateway-requests-availability"]
    assert page["alert"] == ticket["alert"] == "PixGatewayHighErrorRate"
    assert page["for"] == "5m" and "for" not in ticket
    # Exactly Sloth's labels: no severity of our own is added to a Sloth spec.
    assert page["labels"] == {"severity": "pageteam", "sloth_severity": "page", "team": "payments"}
    assert ticket["labels"] == {"severity": "slack", "sloth_severity": "ticket", "team": "payments"}
    assert _tiers(page["expr"]) == [
        ("5m", "1h", "14.4", BUDGET_999),
        ("30m", "6h", "6", BUDGET_999),
    ]
    assert _tiers(ticket["expr"]) == [("2h", "1d", "3", BUDGET_999), ("6h", "3d", "1", BUDGET_999)]
    assert page["annotations"]["summary"] == "High error rate on pix-gateway"
    assert page["annotations"]["title"] == (
        "(page) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is "
        "too fast."
    )
    assert absent["alert"] == slo_rules.ABSENT_ALERT


def test_a_disabled_alert_is_not_written(groups):
    rules = groups["sloth-slo-alerts-pix-gateway-queue-health"]
    assert [(r["alert"], r["labels"].get("sloth_severity")) for r in rules] == [
        ("PixQueueUnhealthy", "page"),
        (slo_rules.ABSENT_ALERT, None),
    ]


def test_the_rule_file_passes_promtool(slos, tmp_path):
    from toolkit import promtool

    path = tmp_path / "rules.yaml"
    path.write_text(generate.rule_files(slos, [Path("pix-gateway.yaml")])[generate.SLO_RULES])
    proc = promtool.run("check", "rules", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_sloth_features_we_cannot_honour_are_named(tmp_path):
    path = tmp_path / "plugin.yaml"
    path.write_text(
        SPEC.replace(
            "      raw:\n        error_ratio_query: avg_over_time(queue_unhealthy_ratio"
            '{job="pix-gateway"}[{{.window}}])',
            "      plugin:\n        id: sloth-common/kubernetes/apiserver/availability",
        )
    )
    with pytest.raises(SLOSpecError) as err:
        load_slos(path)
    assert str(err.value) == (
        f"{path}: slo 'queue-health': field sli.plugin: SLI plugin "
        "'sloth-common/kubernetes/apiserver/availability' is Go code that only Sloth can run; "
        "write the SLI it stands for as sli.events (error_query, total_query) or sli.raw"
    )
    path.write_text(SPEC.replace("      raw:", "      latency:\n        metric: x\n      raw:", 1))
    with pytest.raises(SLOSpecError, match="slo 'queue-health': field sli: give exactly one"):
        load_slos(path)
