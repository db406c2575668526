"""A promtool test file of one rule group (or one SLO's groups), run against those groups only.

promtool evaluates every group of the rule file at every step of every test, so a file that
tests one group spends most of its time on groups that read none of its series and raise none
of the alerts it checks. ``narrowed`` writes a copy of the test file that loads only its own
groups: it runs in a fraction of the time and proves the same rules. For an SLO, the other
SLOs' ``SLOMetricsAbsent`` (which only their groups raise) leave its expectations too.

    run_all([slo_narrowed(test_file, tmp_path)])  # {path: (exit code, output)}
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from alerts.slo import rules
from toolkit import promtool

Alert = dict[str, Any]


class _Loader(yaml.SafeLoader):
    """YAML 1.1 reads ``0x10`` as 16 and ``1:30`` as 90; promtool reads a series' values as
    written (``0x10``: 0 ten times), so only decimal digits are read as a number."""


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    text = loader.construct_scalar(node)
    assert isinstance(text, str)
    return int(text) if text.lstrip("+-").isdigit() else text


_Loader.add_constructor("tag:yaml.org,2002:int", _int)


def narrowed(
    test_file: Path, out_dir: Path, own: set[str], expected: Callable[[Alert], bool] | None = None
) -> Path:
    """A copy of ``test_file`` in ``out_dir`` whose rule file holds only the groups ``own``,
    and whose expected alerts are those ``expected`` keeps."""
    doc = yaml.load(test_file.read_text(), Loader=_Loader)
    (rule_file,) = doc["rule_files"]
    groups = yaml.safe_load((test_file.parent / rule_file).read_text())["groups"]
    kept = [g for g in groups if g["name"] in own]
    assert {g["name"] for g in kept} == own, f"{test_file.name}: no groups {own} in {rule_file}"
    out_dir.mkdir(parents=True, exist_ok=True)
    narrow_rules = out_dir / f"{test_file.stem}-rules.yaml"
    narrow_rules.write_text(yaml.safe_dump({"groups": kept}, sort_keys=False))
    doc["rule_files"] = [narrow_rules.name]
    if "group_eval_order" in doc:
        doc["group_eval_order"] = [name for name in doc["group_eval_order"] if name in own]
    for test in doc["tests"]:
        for case in test.get("alert_rule_test") or []:
            alerts = case.get("exp_alerts") or []
            case["exp_alerts"] = [a for a in alerts if expected is None or expected(a)]
    out = out_dir / test_file.name
    out.write_text(yaml.safe_dump(doc, sort_keys=False))
    return out


def slo_narrowed(test_file: Path, out_dir: Path) -> Path:
    """``slo-<id>-test.yaml`` against the groups of SLO ``<id>``."""
    slo = test_file.name.removeprefix("slo-").removesuffix("-test.yaml")
    own = {rules.group_name(kind, slo) for kind in rules.GROUP_KINDS}
    return narrowed(test_file, out_dir, own, lambda a: _sloth_id(a) in (None, slo))


def group_narrowed(test_file: Path, out_dir: Path) -> Path:
    """``operational-<group>-test.yaml`` against the group ``<group>``."""
    group = test_file.name.removeprefix("operational-").removesuffix("-test.yaml")
    return narrowed(test_file, out_dir, {group})


def _sloth_id(alert: Alert) -> str | None:
    return (alert.get("exp_labels") or {}).get("sloth_id")


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
    # communicate, not wait then read: a failing file's report can outgrow the pipe's buffer.
    out = {f: p.communicate(timeout=600)[0] for f, p in procs.items()}
    return {f: (p.returncode, out[f]) for f, p in procs.items()}
