"""``dictobs rules generate --drill``: the shipped rules, evaluated sooner and firing sooner."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from alerts.generate import GENERATED_DIR, OPERATIONAL, SLO_RULES
from dictobs.cli import main
from toolkit import durations, promtool


def _groups(path: Any) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text())["groups"])


def _without_timing(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **{k: v for k, v in group.items() if k != "interval"},
            "rules": [{k: v for k, v in r.items() if k != "for"} for r in group["rules"]],
        }
        for group in groups
    ]


@pytest.fixture(scope="module")
def drill_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("drill")
    assert main(["rules", "generate", "--drill", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("name", [SLO_RULES, OPERATIONAL])
def test_drill_rules_differ_from_the_shipped_ones_only_in_intervals_and_for(drill_dir, name):
    shipped, drill = _groups(GENERATED_DIR / name), _groups(drill_dir / name)
    assert _without_timing(drill) == _without_timing(shipped)
    assert {g["interval"] for g in drill} == {"2s"}
    fors = [
        (r["alert"], r.get("for"), d.get("for"))
        for s, dg in zip(shipped, drill, strict=True)
        for r, d in zip(s["rules"], dg["rules"], strict=True)
        if "alert" in r
    ]
    assert any(f for _, f, _ in fors), "some alert has a for:"
    for alert, shipped_for, drill_for in fors:
        if shipped_for is None:
            assert drill_for is None, alert
        else:  # a hundredth, rounded up to whole seconds
            expected = max(1, -(-durations.seconds(shipped_for) // 100))
            assert durations.seconds(drill_for) == expected, alert


def test_drill_rules_are_valid_and_only_the_rule_files_are_written(drill_dir):
    written = sorted(p.name for p in drill_dir.rglob("*") if p.is_file())
    assert written == sorted([SLO_RULES, OPERATIONAL])
    proc = promtool.run("check", "rules", *(str(drill_dir / n) for n in written))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "drill: every group evaluated every 2s" in (drill_dir / OPERATIONAL).read_text()


def test_scale_and_interval_are_options(tmp_path):
    args = ["--for-scale", "0.1", "--drill-interval", "5s", "--out", str(tmp_path)]
    assert main(["rules", "generate", "--drill", *args]) == 0
    fors = {
        r["alert"]: r.get("for")
        for g in _groups(tmp_path / OPERATIONAL)
        for r in g["rules"]
        if "alert" in r
    }
    assert fors["TemporalTaskQueueNoPollers"] == "30s"  # 5m
    assert {g["interval"] for g in _groups(tmp_path / SLO_RULES)} == {"5s"}


@pytest.mark.parametrize(
    "args, error",
    [
        (["--for-scale", "0"], "--drill: for scale 0 must be in (0, 1]"),
        (["--drill-interval", "soon"], "--drill: 'soon' is not a duration"),
        (["--out", str(GENERATED_DIR)], "drill rules never replace the shipped ones"),
    ],
)
def test_bad_drill_options_are_refused_and_nothing_is_written(args, error, capsys):
    before = {p: p.read_bytes() for p in GENERATED_DIR.glob("*.yaml")}
    assert main(["rules", "generate", "--drill", *args]) != 0
    assert error in capsys.readouterr().err
    assert {p: p.read_bytes() for p in GENERATED_DIR.glob("*.yaml")} == before
