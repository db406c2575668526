"""An SLO's generated promtool test file, run against that SLO's own rule groups.

promtool evaluates every group of the rule file at every step of every test, so a file that
tests one SLO spends most of its time on the other SLOs' groups, which read none of its series:
each SLO's rules select its own ``sloth_id``. ``narrowed`` writes a copy of the test file that
loads only its SLO's groups, without the other SLOs' ``SLOMetricsAbsent`` (which only their
groups raise); it runs in a fraction of the time and proves the same rules.

    run_all([narrowed(test_file, tmp_path)])  # {path: (exit code, output)}
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from alerts.slo import rules
from toolkit import promtool


def slo_id(test_file: Path) -> str:
    """``dict-bridge-call-availability`` for ``slo-dict-bridge-call-availability-test.yaml``."""
    return test_file.name.removeprefix("slo-").removesuffix("-test.yaml")


def narrowed(test_file: Path, out_dir: Path) -> Path:
    """A copy of ``test_file`` in ``out_dir`` whose rule file holds only its SLO's groups."""
    slo = slo_id(test_file)
    own = {rules.group_name(kind, slo) for kind in rules.GROUP_KINDS}
    doc = yaml.safe_load(test_file.read_text())
    (rule_file,) = doc["rule_files"]
    groups = yaml.safe_load((test_file.parent / rule_file).read_text())["groups"]
    kept = [g for g in groups if g["name"] in own]
    assert {g["name"] for g in kept} == own, f"{test_file.name}: no groups {own} in {rule_file}"
    out_dir.mkdir(parents=True, exist_ok=True)
    narrow_rules = out_dir / f"{slo}-rules.yaml"
    narrow_rules.write_text(yaml.safe_dump({"groups": kept}, sort_keys=False))
    doc["rule_files"] = [narrow_rules.name]
    doc["group_eval_order"] = [name for name in doc["group_eval_order"] if name in own]
    for test in doc["tests"]:
        for case in test.get("alert_rule_test", []):
            case["exp_alerts"] = [a for a in case.get("exp_alerts", []) if _of(a, slo)]
    out = out_dir / test_file.name
    out.write_text(yaml.safe_dump(doc, sort_keys=False))
    return out


def _of(alert: dict[str, Any], slo: str) -> bool:
    return alert.get("exp_labels", {}).get("sloth_id", slo) == slo


def run_all(files: list[Path]) -> dict[Path, tuple[int, str]]:
    """promtool test rules on every file, the files in parallel (each run is single-threaded)."""
    procs = {
        f: subprocess.Popen(
            [promtool.path(), "test", "rules", str(f)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for f in files
    }
    return {f: (p.wait(timeout=600), p.stdout.read() if p.stdout else "") for f, p in procs.items()}
