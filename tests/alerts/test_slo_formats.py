"""Every spec format Sloth reads gives, rule by rule, the rules Sloth writes for it.

Each case in ``slo_formats/`` is a spec (``<case>.spec.yaml``) and the rule groups Sloth's
``generate`` writes for it as its documentation shows them (``<case>.sloth.yaml``). Rules are
matched by group, name and labels; labels must be equal, annotations Sloth writes must be equal,
expressions equal up to whitespace. What differs on purpose is listed in :func:`ours_on_purpose`
and nowhere else: the traffic-weighted period SLI and zero-filled error series of an events SLI,
its two 5m rate recordings, and ``SLOMetricsAbsent``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from alerts import generate
from alerts.slo import rules as slo_rules
from alerts.slo.model import SLO
from alerts.slo.sli import EventsSLI
from alerts.slo.spec import load_slos
from toolkit import promtool

CASES = Path(__file__).parent / "slo_formats"
NAMES = sorted(p.name.removesuffix(".spec.yaml") for p in CASES.glob("*.spec.yaml"))
Rule = dict[str, Any]


def normalised(expr: str) -> str:
    """Whitespace collapsed, none inside parentheses' edges: ``( a )`` and ``(a)`` compare equal."""
    text = " ".join(expr.split())
    return re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))


def key(rule: Rule) -> tuple[str, tuple[tuple[str, str], ...]]:
    name = rule.get("record") or rule["alert"]
    labels = rule.get("labels", {})
    which = {k: labels[k] for k in ("sloth_window", "sloth_severity") if k in labels}
    return name, tuple(sorted(which.items()))


def ours_on_purpose(slo: SLO, sloth: Rule, ours: Rule) -> str:
    """Sloth's expression of ``sloth`` as we write it on purpose (see docs/alerts.md)."""
    expr = sloth["expr"]
    sli = slo.sli
    if not isinstance(sli, EventsSLI) or sli.error_query is None:
        return expr
    window = sloth.get("labels", {}).get("sloth_window")
    if window == slo.period_window:
        return ours["expr"]  # traffic-weighted; the generated budget test checks its value
    if window is not None and sloth["record"].startswith("slo:sli_error:ratio_rate"):
        error, total = f"({sli.error(window)})", f"({sli.total(window)})"
        return normalised(expr).replace(error, f"({error} or ({total} * 0))", 1)
    return expr


EXTRA = {"slo:sli_error:rate5m", "slo:sli_total:rate5m", slo_rules.ABSENT_ALERT}


def sloths(case: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load((CASES / f"{case}.sloth.yaml").read_text())["groups"])


def compare(case: str, spec: Path, expected: list[dict[str, Any]], tmp_path: Path) -> None:
    slos = load_slos(spec)
    made = slo_rules.groups(slos)
    ours = {g["name"]: g["rules"] for g in made}
    assert [g["name"] for g in expected] == list(ours), "the same groups, in the same order"
    intervals = [g.get("interval") for g in made]
    assert intervals == [g.get("interval") for g in expected], "group intervals"
    by_group = {s.id: s for s in slos}
    for group in expected:
        slo = next(s for i, s in by_group.items() if group["name"].endswith(i))
        mine = {key(r): r for r in ours[group["name"]]}
        for rule in group["rules"]:
            got = mine.pop(key(rule))
            where = f"{case}: {group['name']}: {key(rule)}"
            labels = dict(rule.get("labels", {}))
            got_labels = dict(got.get("labels", {}))
            if "sloth_version" in labels:  # Sloth's release vs ours
                labels.pop("sloth_version"), got_labels.pop("sloth_version")
            assert got_labels == labels, where
            for name, text in rule.get("annotations", {}).items():
                assert got["annotations"][name] == text, f"{where}: annotation {name}"
            want = normalised(ours_on_purpose(slo, rule, got))
            assert normalised(got["expr"]) == want, where
            assert got.get("for") == rule.get("for"), where
        assert {k[0] for k in mine} <= EXTRA, f"{case}: rules Sloth does not write: {mine}"
    rules = tmp_path / "rules.yaml"
    rules.write_text(generate.rule_files(slos, [Path(spec.name)])[generate.SLO_RULES])
    proc = promtool.run("check", "rules", str(rules))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("case", NAMES)
def test_each_format_gives_sloths_rules(case, tmp_path):
    compare(case, CASES / f"{case}.spec.yaml", sloths(case), tmp_path)


def test_a_directory_gives_the_rules_of_each_spec_file_in_path_order(tmp_path):
    specs = tmp_path / "slos"
    (specs / "b-team").mkdir(parents=True)
    (specs / "a-team.yml").write_text((CASES / "openslo.spec.yaml").read_text())
    (specs / "b-team" / "ledger.yaml").write_text((CASES / "k8s.spec.yaml").read_text())
    (specs / "b-team" / "notes.md").write_text("not a spec\n")
    compare("directory", specs, sloths("openslo") + sloths("k8s"), tmp_path)


def test_every_format_is_covered():
    assert NAMES == ["k8s", "openslo", "prometheus-multi"]
