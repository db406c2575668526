"""``dictobs rules generate|check|test|validate``.

``generate`` writes the rule files, PrometheusRule resources and SLO test files from the SLO
specs and the operational alerts; ``check`` fails when the committed files differ from what
``generate`` would write and runs ``promtool check rules`` on them (and ``amtool check-config``
on the Alertmanager routing); ``test`` runs every
``promtool test rules`` file; ``validate`` reads SLO specs (ours or Sloth's) and says what is in
them. A spec error is one line naming the file, the SLO and the field; nothing is written then.
``generate --drill`` writes drill rules (:mod:`alerts.drill`) into a folder of their own.
"""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from core.errors import CLIError
from toolkit import amtool, promtool

if TYPE_CHECKING:
    from alerts.drill import Drill

T = TypeVar("T")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``rules`` and its subcommands to ``dictobs``."""
    from alerts.drill import DEFAULT_FOR_SCALE, DEFAULT_INTERVAL
    from alerts.generate import DRILL_DIR, GENERATED_DIR, GENERATED_TESTS_DIR, TESTS_DIR

    parser = sub.add_parser("rules", help="Prometheus rules and SLOs: generate, check, test")
    cmds = parser.add_subparsers(dest="rules_command", metavar="SUBCOMMAND", required=True)

    def specs(p: argparse.ArgumentParser) -> None:
        _slo_paths(p)
        p.add_argument(
            "--extra-label",
            dest="extra_labels",
            metavar="NAME=VALUE",
            action="append",
            default=[],
            help="label added to every SLO (and so to every recorded series); repeatable",
        )
        p.add_argument(
            "--default-slo-period",
            default="30d",
            metavar="DURATION",
            help="period of the SLOs whose spec sets none, e.g. 28d (%(default)s)",
        )
        p.add_argument("--disable-alerts", action="store_true", help="write no alert rules")
        p.add_argument("--disable-recordings", action="store_true", help="write no recording rules")
        p.add_argument(
            "--interval",
            dest="intervals",
            metavar="KIND=DURATION",
            action="append",
            default=[],
            help="evaluation interval of the sli, meta or alerts groups, e.g. sli=30s; "
            "repeatable (default Prometheus' global interval)",
        )
        p.add_argument(
            "--out",
            type=Path,
            help=f"rule files folder (default {_repo_path(GENERATED_DIR)}; "
            f"with --drill {_repo_path(DRILL_DIR)})",
        )
        p.add_argument(
            "--tests",
            type=Path,
            default=GENERATED_TESTS_DIR,
            help="folder of the generated SLO test files (%(default)s)",
        )

    p = cmds.add_parser(
        "generate",
        help="write rule files, PrometheusRules and SLO tests",
        description="Write rule files, PrometheusRules and SLO tests. With --drill, write only "
        "the two rule files into a folder of their own, every group evaluated every "
        "--drill-interval and each alert's for: multiplied by --for-scale; nothing else differs "
        "from the shipped rules. For drills and tests, where an alert should fire within "
        "seconds of its fault.",
    )
    specs(p)
    p.add_argument(
        "--drill",
        action="store_true",
        help="drill rules: shorter evaluation intervals and for: durations, nothing else changed",
    )
    p.add_argument(
        "--for-scale",
        type=float,
        default=DEFAULT_FOR_SCALE,
        metavar="FACTOR",
        help="with --drill: each for: times FACTOR, in whole seconds (%(default)s: 10m -> 6s)",
    )
    p.add_argument(
        "--drill-interval",
        default=DEFAULT_INTERVAL,
        metavar="DURATION",
        help="with --drill: evaluation interval of every group (%(default)s)",
    )
    p.set_defaults(func=_generate)

    p = cmds.add_parser(
        "check", help="fail when the committed files differ from the generator; promtool check"
    )
    specs(p)
    p.set_defaults(func=_check)

    p = cmds.add_parser("test", help="run promtool test rules on every test file")
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        help=f"test files (default every *.yaml under {TESTS_DIR} and {GENERATED_TESTS_DIR})",
    )
    p.set_defaults(func=_test)

    p = cmds.add_parser("validate", help="read SLO specs and list their SLOs")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="SLO spec files")
    p.set_defaults(func=_validate)

    slo = sub.add_parser("slo", help="SLOs as a running Prometheus sees them")
    slo_cmds = slo.add_subparsers(dest="slo_command", metavar="SUBCOMMAND", required=True)
    p = slo_cmds.add_parser(
        "status",
        help="per SLO: SLI over the period, error budget left, burn rates, alerts pending/firing",
    )
    p.add_argument("--prometheus", required=True, metavar="URL", help="e.g. http://localhost:9090")
    _slo_paths(p)
    p.add_argument("--output", choices=("table", "json"), default="table", help="%(default)s")
    p.set_defaults(func=_status)


def _slo_paths(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--slo",
        dest="slo_paths",
        metavar="FILE",
        type=Path,
        action="append",
        help="SLO spec file or directory: ours (dictobs/v1), Sloth's (prometheus/v1 or its "
        "PrometheusServiceLevel) or OpenSLO (openslo/v1alpha); repeatable "
        "(default alerts/slos.yaml)",
    )


def _from_specs(make: Callable[..., T], args: argparse.Namespace) -> T:
    """``make`` (build or generate) on the command's specs and folders; a spec error is the
    command's one-line error."""
    from alerts.slo.sli import SLOSpecError

    options = _generator_options(args)
    try:
        return make(args.slo_paths, args.out, args.tests, **options)
    except SLOSpecError as err:
        raise CLIError(str(err)) from None


def _pairs(flag: str, values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key or not text:
            raise CLIError(f"{flag} {value!r}: expected NAME=VALUE, both non-empty")
        out[key] = text
    return out


def _generator_options(args: argparse.Namespace) -> dict[str, Any]:
    """Sloth's generator options, checked: keyword arguments of ``alerts.generate.build``."""
    import re

    from alerts.slo.rules import GROUP_KINDS, Options
    from toolkit import durations

    labels = _pairs("--extra-label", args.extra_labels)
    for name in labels:
        if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", name):
            raise CLIError(f"--extra-label {name!r}: not a Prometheus label name")
    intervals = _pairs("--interval", args.intervals)
    for kind, every in list(intervals.items()):
        if kind not in GROUP_KINDS:
            raise CLIError(f"--interval {kind!r}: expected one of {', '.join(GROUP_KINDS)}")
        try:
            intervals[kind] = durations.normalize(every)
        except ValueError as err:
            raise CLIError(f"--interval {kind}: {err}") from None
    options = Options(
        disable_recordings=args.disable_recordings,
        disable_alerts=args.disable_alerts,
        interval=intervals,
    )
    drill = _drill(args)
    _set_out(args, drill is not None)
    return {
        "options": options,
        "extra_labels": labels,
        "default_period": args.default_slo_period,
        "drill": drill,
    }


def _drill(args: argparse.Namespace) -> Drill | None:
    """The drill asked for by ``--drill`` (with its scale and interval), or None."""
    from alerts.drill import Drill

    if not getattr(args, "drill", False):
        return None
    try:
        return Drill(interval=args.drill_interval, for_scale=args.for_scale)
    except ValueError as err:
        raise CLIError(f"--drill: {err}") from None


def _set_out(args: argparse.Namespace, drill: bool) -> None:
    """The rule files folder: the shipped one, or for drill rules one of their own."""
    from alerts.generate import DRILL_DIR, GENERATED_DIR

    if args.out is None:
        args.out = DRILL_DIR if drill else GENERATED_DIR
    elif drill and args.out.resolve() == GENERATED_DIR:
        raise CLIError(
            f"--out {args.out}: drill rules never replace the shipped ones; give another folder "
            f"(default {_repo_path(DRILL_DIR)})"
        )


def _generate(args: argparse.Namespace) -> int:
    from alerts import generate

    for path in _from_specs(generate.generate, args):
        print(f"wrote {_shown(path)}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from alerts import generate

    files = _from_specs(generate.build, args)
    stale = generate.stale(files)
    for path in stale:
        print(f"out of date: {_shown(path)}")
    if stale:
        raise CLIError(
            f"{len(stale)} generated file(s) differ from the generator: run `dictobs rules "
            "generate` (make rules) and commit the result"
        )
    rule_files = [p for p in files if p.parent == args.out]
    proc = _promtool("check", "rules", *map(str, rule_files))
    print(proc.stdout.strip())
    if proc.returncode != 0:
        raise CLIError(f"promtool check rules failed:\n{(proc.stdout + proc.stderr).strip()}")
    from alerts import alertmanager

    routing = args.out / alertmanager.PATH
    if routing in files:
        try:
            proc = amtool.run("check-config", str(routing))
        except amtool.AmtoolError as err:
            raise CLIError(str(err)) from None
        print(proc.stdout.strip())
        if proc.returncode != 0:
            raise CLIError(f"amtool check-config failed:\n{(proc.stdout + proc.stderr).strip()}")
    return 0


def _test(args: argparse.Namespace) -> int:
    from alerts.generate import GENERATED_TESTS_DIR, TESTS_DIR

    found = [*TESTS_DIR.glob("*.yaml"), *GENERATED_TESTS_DIR.glob("*.yaml")]
    files = args.files or sorted(found)
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise CLIError(f"{missing[0]}: no such test file")
    if not files:
        raise CLIError(f"no test files under {TESTS_DIR} or {GENERATED_TESTS_DIR}")
    proc = _promtool("test", "rules", *map(str, files))
    print((proc.stdout + proc.stderr).strip())
    if proc.returncode != 0:
        raise CLIError("promtool test rules failed (see above)", status=1)
    print(f"{len(files)} test files passed")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from alerts.slo.sli import SLOSpecError
    from alerts.slo.spec import load_many

    try:
        slos = load_many(args.files)
    except SLOSpecError as err:
        raise CLIError(str(err)) from None
    for slo in slos:
        kind = type(slo.sli).__name__.removesuffix("SLI").lower()
        alert = f"alert {slo.alerting.name}" if slo.alerting.enabled else "no alerts"
        print(
            f"{slo.id}: {slo.objective:g}% over {slo.period_window}, {kind} SLI, "
            f"{alert} ({slo.spec_version})"
        )
    return 0


def _status(args: argparse.Namespace) -> int:
    import json

    from alerts.slo import status
    from alerts.slo.sli import SLOSpecError
    from alerts.slo.spec import DEFAULT_PATH, load_many

    try:
        slos = load_many(args.slo_paths or [DEFAULT_PATH])
    except SLOSpecError as err:
        raise CLIError(str(err)) from None
    try:
        found = [status.status(args.prometheus, slo) for slo in slos]
    except status.StatusError as err:
        raise CLIError(str(err)) from None
    if args.output == "json":
        print(json.dumps([s.as_json() for s in found], indent=2))
    else:
        print(status.table(found), end="")
    return 0


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return promtool.run(*args)
    except promtool.PromtoolError as err:
        raise CLIError(str(err)) from None


def _repo_path(path: Path) -> str:
    from alerts.generate import REPO_ROOT

    return path.relative_to(REPO_ROOT).as_posix()


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
