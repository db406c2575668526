"""Everything ``dictobs rules generate`` writes, built in memory first and then written atomically.

Outputs (under ``alerts/generated/`` unless told otherwise)::

    slo-rules.yaml               recording rules and burn-rate alerts of every SLO
    operational-alerts.yaml      alerts on the worker, exporter and server metrics
    k8s/slo-rules.yaml           the same, as PrometheusRule resources
    k8s/operational-alerts.yaml
    alertmanager/alertmanager.yml  the Alertmanager routing and inhibitions (alerts.alertmanager)

and, next to the hand-written promtool tests, one generated test file per SLO
(``alerts/generated/tests/slo-<id>-test.yaml``). A spec error raises before anything is written.

With a :class:`~alerts.drill.Drill` (``dictobs rules generate --drill``) it writes only the two
plain rule files, retimed for drills, into a folder of their own (``build/drill-rules/`` unless
told otherwise): never over the shipped ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alerts import alertmanager, operational, render
from alerts.drill import Drill
from alerts.slo import cases
from alerts.slo import rules as slo_rules
from alerts.slo.model import SLO
from alerts.slo.spec import DEFAULT_PATH, DEFAULT_PERIOD, load_many, with_labels
from core.config import DEFAULT, PackConfig, current
from toolkit.files import write_atomically

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
GENERATED_DIR = PACKAGE_DIR / "generated"
TESTS_DIR = PACKAGE_DIR / "tests"  # hand-written promtool tests
GENERATED_TESTS_DIR = GENERATED_DIR / "tests"  # promtool tests generated from the SLO spec
DRILL_DIR = REPO_ROOT / "build" / "drill-rules"
SLO_RULES = "slo-rules.yaml"
OPERATIONAL = "operational-alerts.yaml"


def _shown(path: Path) -> str:
    """``path`` relative to the repository when inside it: generated text must not depend on
    where the checkout lives."""
    path = path.resolve()
    try:
        return path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return path.name


def rule_files(
    slos: list[SLO],
    sources: list[Path],
    cfg: PackConfig = DEFAULT,
    options: slo_rules.Options = slo_rules.DEFAULT_OPTIONS,
    drill: Drill | None = None,
) -> dict[str, str]:
    """Relative path → content of every rule file; with ``drill``, the two plain rule files
    retimed for drills."""
    source = ", ".join(_shown(p) for p in sources)
    slo_groups = slo_rules.groups(slos, cfg, options)
    ops_groups = operational.groups(cfg)
    ops_source = "alerts/operational (python)"
    if drill is not None:
        note = f" (drill: {drill.describe()})"
        return {
            SLO_RULES: render.rule_file(drill.groups(slo_groups), source + note),
            OPERATIONAL: render.rule_file(drill.groups(ops_groups), ops_source + note),
        }
    return {
        SLO_RULES: render.rule_file(slo_groups, source),
        OPERATIONAL: render.rule_file(ops_groups, ops_source),
        f"k8s/{SLO_RULES}": render.prometheus_rule("dict-observability-slos", slo_groups, source),
        f"k8s/{OPERATIONAL}": render.prometheus_rule(
            "dict-observability-operational", ops_groups, ops_source
        ),
    }


def build(
    slo_paths: list[Path] | None = None,
    out_dir: Path = GENERATED_DIR,
    tests_dir: Path | None = GENERATED_TESTS_DIR,
    cfg: PackConfig | None = None,
    *,
    options: slo_rules.Options = slo_rules.DEFAULT_OPTIONS,
    extra_labels: dict[str, str] | None = None,
    default_period: str = DEFAULT_PERIOD,
    drill: Drill | None = None,
) -> dict[Path, str]:
    """Absolute path → content of every file ``generate`` writes, with ``cfg`` (by default the
    command's pack configuration). ``options``, ``extra_labels`` and ``default_period`` are
    Sloth's generator options (:class:`alerts.slo.rules.Options`); ``drill`` retimes the rules
    for drills and writes no PrometheusRules and no tests."""
    cfg = cfg or current()
    sources = slo_paths or [DEFAULT_PATH]
    slos = with_labels(load_many(sources, default_period), extra_labels or {})
    made = rule_files(slos, sources, cfg, options, drill)
    files = {out_dir / name: text for name, text in made.items()}
    if drill is not None:
        return files
    files[out_dir / alertmanager.PATH] = alertmanager.text(cfg)
    # The SLO tests prove the whole rule set at the evaluation interval they choose: a rule set
    # without recordings or alerts, or with group intervals of its own, gets none.
    retimed = any(slo.intervals for slo in slos)
    if tests_dir is not None and options == slo_rules.DEFAULT_OPTIONS and not retimed:
        rules_path = out_dir / SLO_RULES
        for name, text in cases.test_files(slos, rules_path, tests_dir).items():
            files[tests_dir / name] = text
    return files


def generate(
    slo_paths: list[Path] | None = None,
    out_dir: Path = GENERATED_DIR,
    tests_dir: Path | None = GENERATED_TESTS_DIR,
    cfg: PackConfig | None = None,
    **options: Any,
) -> list[Path]:
    """Write every output (``options`` as :func:`build`); returns the paths written, in order."""
    files = build(slo_paths, out_dir, tests_dir, cfg, **options)
    for path, text in files.items():
        write_atomically(path, text)
    return list(files)


def stale(files: dict[Path, str]) -> list[Path]:
    """The files whose committed content differs from what the generator produces."""
    return [
        path
        for path, text in files.items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
