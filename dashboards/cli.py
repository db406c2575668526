"""``dictobs dashboards build|check|lint|push``.

The dashboard modules are imported when a subcommand runs, not when ``dictobs`` starts, so the
other parts' commands keep working whatever state the SLO file or the catalog is in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import settings
from core.errors import CLIError
from dashboards.defaults import FOLDER, GENERATED

if TYPE_CHECKING:
    from dashboards import push
    from dashboards.grafana_api import Grafana


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``dashboards`` and its subcommands to ``dictobs``."""
    parser = sub.add_parser("dashboards", help="Grafana dashboards: build, check, lint, push")
    cmds = parser.add_subparsers(dest="dashboards_command", metavar="SUBCOMMAND", required=True)

    def out_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", type=Path, default=GENERATED, help="generated folder (%(default)s)")
        p.add_argument("--folder", default=FOLDER, help="Grafana folder (%(default)s)")

    p = cmds.add_parser("build", help="write the dashboard JSON, provisioning and ConfigMaps")
    out_dir(p)
    p.set_defaults(func=_build)

    p = cmds.add_parser("check", help="fail when the committed files differ from the generator")
    out_dir(p)
    p.set_defaults(func=_check)

    p = cmds.add_parser(
        "lint", help="check queries (catalog, job, promtool) and the JSON (Grafana's schema)"
    )
    p.set_defaults(func=_lint)

    p = cmds.add_parser(
        "push", help="build, then push to Grafana (GRAFANA_URL, GRAFANA_TOKEN or user/password)"
    )
    out_dir(p)
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.add_argument("--force", action="store_true", help="overwrite dashboards edited in Grafana")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per request (%(default)s)")
    p.set_defaults(func=_push)


def _build(args: argparse.Namespace) -> int:
    from dashboards import build

    written = build.write(args.out, args.folder)
    print(f"wrote {len(written)} files under {args.out}")
    for path in written:
        print(f"  {path}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from dashboards import build

    diffs = build.differences(args.out, args.folder)
    if diffs:
        raise CLIError(
            f"{len(diffs)} generated file(s) under {args.out} are out of date "
            f"({', '.join(diffs[:3])}{', ...' if len(diffs) > 3 else ''}); "
            "run: dictobs dashboards build",
            status=1,
        )
    print(f"{args.out}: up to date")
    return 0


def _lint(args: argparse.Namespace) -> int:
    from dashboards import build, lint

    models = build.models()
    problems = lint.problems(models)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        raise CLIError(f"{len(problems)} dashboard problem(s), listed above", status=1)
    print(
        f"{len(models)} dashboards: every query names known series and labels, carries the "
        "pack's job and parses; the JSON fits Grafana's dashboard schema"
    )
    return 0


def _push(args: argparse.Namespace) -> int:
    from dashboards import build, push
    from dashboards.grafana_api import Grafana, GrafanaError, redact

    grafana_settings = settings.load().grafana
    written = build.write(args.out, args.folder)
    if grafana_settings.url is None:
        print(
            f"built {len(written)} files under {args.out}; GRAFANA_URL is not set, nothing pushed"
        )
        print("set GRAFANA_URL and GRAFANA_TOKEN (or GRAFANA_USER and GRAFANA_PASSWORD) to push")
        return 0
    try:
        grafana = Grafana(
            grafana_settings.url,
            token=grafana_settings.token,
            user=grafana_settings.user,
            password=grafana_settings.password,
            timeout=args.timeout,
        )
        models = build.models()
        if args.dry_run:
            return _dry_run(grafana, models, args.folder)
        results = push.push(grafana, models, args.folder, force=args.force)
    except GrafanaError as err:
        raise CLIError(str(err), status=1) from None
    for r in results:
        version = f"version {r.version}" if r.version is not None else ""
        print(f"{r.action:<9} {r.title}  {r.url}  {version}".rstrip())
    print(f"pushed to {redact(grafana.base)}, folder {args.folder!r}: {_summary(results)}")
    return 0


def _dry_run(grafana: Grafana, models: list[dict[str, Any]], folder: str) -> int:
    from dashboards import push
    from dashboards.grafana_api import redact

    push.check_health(grafana)
    folder_uid = push.find_folder(grafana, folder)
    if folder_uid is None:
        print(f"folder {folder!r} would be created")
    for p in push.plan(grafana, models):
        notes = []
        if p.edited:
            notes.append("edited in Grafana since the last push: needs --force")
        if p.provisioned:
            notes.append("provisioned from files: Grafana will refuse the save")
        note = f"  ({'; '.join(notes)})" if notes else ""
        print(f"{p.action:<9} {p.title}  uid={p.uid}{note}")
    print(f"dry run against {redact(grafana.base)}: nothing was written")
    return 0


def _summary(results: list[push.Result]) -> str:
    from dashboards import push

    counts = {a: sum(r.action == a for r in results) for a in (push.CREATED, push.CHANGED)}
    counts[push.UNCHANGED] = sum(r.action == push.UNCHANGED for r in results)
    return ", ".join(f"{n} {a}" for a, n in counts.items())
