"""Every SLO's burn-rate alerts, proven by ``promtool test rules``.

The test files are generated from the SLO spec (``alerts/generated/tests/slo-*-test.yaml``);
here they run in Prometheus' own rule engine, and a rule with a wrong factor is shown to fail them.
"""

from __future__ import annotations

import yaml
from promtool_cases import run_all, slo_narrowed

from alerts import generate
from alerts.slo.spec import load_slos

SLO_TESTS = sorted(generate.GENERATED_TESTS_DIR.glob("slo-*-test.yaml"))


def test_every_slo_has_a_test_file():
    assert {p.name for p in SLO_TESTS} == {f"slo-{s.id}-test.yaml" for s in load_slos()}


def test_each_tier_is_tested_quiet_below_and_firing_above_its_threshold():
    for path in SLO_TESTS:
        doc = yaml.safe_load(path.read_text())
        names = [t["name"] for t in doc["tests"]]
        for tier in ("page, fast", "page, slow", "ticket, fast", "ticket, slow"):
            below = [t for t in doc["tests"] if tier in t["name"] and "just below" in t["name"]]
            above = [t for t in doc["tests"] if tier in t["name"] and ": above" in t["name"]]
            assert len(below) == len(above) == 1, (path.name, tier, names)
            assert all(c.get("exp_alerts", []) == [] for c in below[0]["alert_rule_test"])
            assert above[0]["alert_rule_test"][0]["exp_alerts"], (path.name, tier)
            if tier.startswith("page"):  # an hour after the burn stopped, the page is gone
                assert above[0]["alert_rule_test"][1].get("exp_alerts", []) == []
        assert any("no traffic pages no one" in n for n in names)
        assert any("no series at all" in n for n in names)
        assert any("budget arithmetic" in n for n in names)


def test_promtool_passes_every_slo_test_file(tmp_path):
    """Each file against its SLO's groups, and the first one as generated, against them all."""
    results = run_all([SLO_TESTS[0], *(slo_narrowed(f, tmp_path) for f in SLO_TESTS)])
    failed = {f.name: out for f, (code, out) in results.items() if code != 0}
    assert not failed, "\n".join(f"{name}:\n{out}" for name, out in failed.items())


def test_a_page_with_the_wrong_factor_fails_its_tests(tmp_path):
    """The tests can fail: double the fast page tier's factor, and the case that burns at 1.1
    times the right factor no longer pages."""
    rules = (generate.GENERATED_DIR / generate.SLO_RULES).read_text()
    assert "(14.4 * " in rules
    tests = tmp_path / "generated" / "tests"
    tests.mkdir(parents=True)
    (tmp_path / "generated" / generate.SLO_RULES).write_text(rules.replace("(14.4 * ", "(28.8 * "))
    name = "slo-dict-bridge-call-availability-test.yaml"
    (tests / name).write_text((generate.GENERATED_TESTS_DIR / name).read_text())
    ((code, out),) = run_all([slo_narrowed(tests / name, tmp_path / "narrowed")]).values()
    assert code != 0
    assert "page, fast tier: above 1h threshold" in out


def test_the_budget_case_expects_the_traffic_weighted_period_ratio():
    """2880 errors in 316800 events, with idle hours between: the weighted ratio, not the 5%
    an average of 5m ratios gives. promtool proves the rules produce it (above)."""
    for path in SLO_TESTS:
        doc = yaml.safe_load(path.read_text())
        budget = next(t for t in doc["tests"] if "budget arithmetic" in t["name"])
        assert repr(2880 / 316800) in budget["promql_expr_test"][0]["expr"], path.name
