"""The operational alerts, proven in Prometheus' rule engine by hand-written promtool tests.

``alerts/tests/operational-<group>-test.yaml`` holds the cases of one rule group of
``alerts/generated/operational-alerts.yaml``. Every alert (each severity of it) must have a case
where it fires and a case where it stays quiet, so an alert added without tests fails here.
"""

from __future__ import annotations

import shutil

import pytest
import yaml
from promtool_cases import group_narrowed, run_all

from alerts import generate
from alerts.operational.meta import WATCHDOG

RULES = generate.GENERATED_DIR / generate.OPERATIONAL
TEST_FILES = sorted(generate.TESTS_DIR.glob("operational-*-test.yaml"))
RULE_FILE_FROM_TESTS = f"../generated/{generate.OPERATIONAL}"


def rule_groups() -> list[dict]:
    return yaml.safe_load(RULES.read_text())["groups"]


def file_for_group(group: str) -> str:
    return f"operational-{group}-test.yaml"


def load(path) -> dict:
    return yaml.safe_load(path.read_text())


def expectations(doc: dict):
    """``(alertname, exp_alerts)`` for every alert_rule_test of a promtool test file."""
    for case in doc.get("tests") or []:
        for check in case.get("alert_rule_test") or []:
            yield check["alertname"], check.get("exp_alerts") or []


def coverage_gaps(groups: list[dict], docs: list[dict]) -> list[str]:
    """What the test files leave unproven: each (alert, severity) must be expected to fire in some
    case, and each alert expected quiet (no alert at all) in some case."""
    fired: set[tuple[str, str | None]] = set()
    quiet: set[str] = set()
    for doc in docs:
        for name, expected in expectations(doc):
            if not expected:
                quiet.add(name)
            for alert in expected:
                fired.add((name, (alert.get("exp_labels") or {}).get("severity")))
    gaps = []
    for group in groups:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            name, severity = rule["alert"], rule["labels"]["severity"]
            if (name, severity) not in fired:
                gaps.append(f"{group['name']}: {name} ({severity}): no case where it fires")
            if name not in quiet and name != WATCHDOG:  # the one alert that is never quiet
                gaps.append(f"{group['name']}: {name}: no case where it stays quiet")
    return sorted(set(gaps))


def test_there_is_one_test_file_per_rule_group():
    groups = rule_groups()
    assert groups, f"{RULES} has no rule group"
    assert [p.name for p in TEST_FILES] == sorted(file_for_group(g["name"]) for g in groups)


def test_each_file_loads_the_generated_rules_and_tests_its_own_group():
    by_file = {file_for_group(g["name"]): g for g in rule_groups()}
    for path in TEST_FILES:
        doc = load(path)
        assert doc["rule_files"] == [RULE_FILE_FROM_TESTS], path.name
        group = by_file[path.name]
        own = {r["alert"] for r in group["rules"] if "alert" in r}
        tested = {name for name, _ in expectations(doc)}
        assert tested <= own, f"{path.name} tests alerts of another group: {tested - own}"


def test_every_alert_fires_in_one_case_and_stays_quiet_in_another():
    gaps = coverage_gaps(rule_groups(), [load(p) for p in TEST_FILES])
    assert gaps == [], "alerts without promtool cases:\n" + "\n".join(gaps)


def test_the_coverage_check_names_what_has_no_case():
    def rule(name, severity):
        return {"alert": name, "expr": "vector(1)", "labels": {"severity": severity}}

    groups = [
        {
            "name": "g",
            "rules": [
                {"record": "g:r", "expr": "vector(1)"},
                rule("Slow", "warning"),
                rule("Slow", "critical"),
                rule("New", "warning"),
            ],
        }
    ]
    docs = [
        {
            "tests": [
                {
                    "alert_rule_test": [
                        {
                            "alertname": "Slow",
                            "exp_alerts": [{"exp_labels": {"severity": "warning"}}],
                        },
                        {"alertname": "Slow", "exp_alerts": []},
                    ]
                }
            ]
        }
    ]
    assert coverage_gaps(groups, docs) == [
        "g: New (warning): no case where it fires",
        "g: New: no case where it stays quiet",
        "g: Slow (critical): no case where it fires",
    ]


@pytest.mark.parametrize("path", TEST_FILES, ids=[p.name for p in TEST_FILES])
def test_promtool_passes(path, tmp_path):
    """Each file against its own group, and against the whole rule file for the first one."""
    files = [group_narrowed(path, tmp_path), *([path] if path == TEST_FILES[0] else [])]
    for file, (code, out) in run_all(files).items():
        assert code == 0, f"promtool test rules {file}:\n{out}"


def test_a_rule_with_the_wrong_threshold_fails_its_tests(tmp_path):
    """The cases can fail: raise the failure-ratio threshold from 5% to 30% and the case
    failing one in five no longer fires."""
    rules = RULES.read_text()
    threshold = "          > 0.05\n          and\n"
    assert rules.count(threshold) == 1
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / generate.OPERATIONAL).write_text(
        rules.replace(threshold, threshold.replace("0.05", "0.3"))
    )
    (tmp_path / "tests").mkdir()
    name = file_for_group("dict-workflows")
    shutil.copy(generate.TESTS_DIR / name, tmp_path / "tests" / name)
    ((code, out),) = run_all([group_narrowed(tmp_path / "tests" / name, tmp_path / "n")]).values()
    assert code != 0
    assert "one claim workflow in five failing over the hour" in out
