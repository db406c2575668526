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
from core.errors import CLIError, SettingsError
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
    p.add_argument(
        "--diff",
        action="store_true",
        help="print a unified diff of each dashboard that changes, before writing (with "
        "--dry-run: only the diff)",
    )
    p.add_argument(
        "--prune",
        action="store_true",
        help="delete the pack's dashboards (by its tag) in the folder that it no longer "
        "generates, listing them first",
    )
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
    from dashboards import build, grafana_folders, push
    from dashboards.grafana_api import GrafanaError, GrafanaSetupError, redact

    try:
        grafana_settings = settings.load().grafana
        grafana_folders.folder_path(args.folder)
        grafana = _grafana(grafana_settings, args.timeout)
    except (GrafanaSetupError, SettingsError) as err:
        raise CLIError(str(err), status=2) from None
    written = build.write(args.out, args.folder)
    if grafana is None:
        print(
            f"built {len(written)} files under {args.out}; GRAFANA_URL is not set, nothing pushed"
        )
        print("set GRAFANA_URL and GRAFANA_TOKEN (or GRAFANA_USER and GRAFANA_PASSWORD) to push")
        return 0
    try:
        models = build.models()
        target = push.prepare(grafana, args.folder)
        plans = push.plan(target, models, prune=args.prune)
        print(f"Grafana at {redact(grafana.base)}: dashboards through {target.dashboards.label}")
        if args.diff:
            _print_diffs(plans)
        if args.dry_run:
            return _dry_run(grafana, target, plans)
        pruned = [p for p in plans if p.action == push.PRUNED]
        push.blockers(plans, args.force)
        for p in pruned:
            print(f"deleting {p.title}  uid={p.uid}: no longer generated")
        results = push.apply(target, plans, force=args.force)
    except GrafanaSetupError as err:
        raise CLIError(str(err), status=2) from None
    except GrafanaError as err:
        raise CLIError(str(err), status=1) from None
    for r in results:
        version = f"version {r.version}" if r.version is not None else ""
        print(f"{r.action:<9} {r.title}  {r.url or f'uid={r.uid}'}  {version}".rstrip())
    print(f"pushed to {redact(grafana.base)}, folder {args.folder!r}: {_summary(results)}")
    return 0


def _grafana(grafana_settings: settings.GrafanaSettings, timeout: float) -> Grafana | None:
    """The client, or None when GRAFANA_URL is unset; a setting it cannot use fails here,
    before anything is written."""
    from dashboards.grafana_api import Grafana, GrafanaError, redact, tls_context

    if grafana_settings.url is None:
        return None
    tls_set = (
        grafana_settings.tls_ca or grafana_settings.tls_cert or grafana_settings.tls_skip_verify
    )
    if tls_set and not grafana_settings.url.lower().startswith("https://"):
        raise CLIError(
            f"GRAFANA_URL={redact(grafana_settings.url)} is not https, so the GRAFANA_TLS_* "
            "settings would be ignored: use https:// or unset them",
            status=2,
        )
    tls = tls_context(
        grafana_settings.tls_ca,
        grafana_settings.tls_cert,
        grafana_settings.tls_key,
        grafana_settings.tls_skip_verify,
    )
    try:
        return Grafana(
            grafana_settings.url,
            token=grafana_settings.token,
            user=grafana_settings.user,
            password=grafana_settings.password,
            timeout=timeout,
            org_id=grafana_settings.org_id,
            tls=tls,
        )
    except GrafanaError as err:
        raise CLIError(str(err), status=2) from None


def _print_diffs(plans: list[push.Plan]) -> None:
    from dashboards import push

    for p in plans:
        text = push.diff(p)
        if text:
            print(text, end="" if text.endswith("\n") else "\n")


def _dry_run(grafana: Grafana, target: push.Target, plans: list[push.Plan]) -> int:
    from dashboards import push
    from dashboards.grafana_api import redact

    for path in target.missing:
        print(f"folder {path!r} would be created")
    for p in plans:
        notes = []
        if p.edited:
            notes.append("edited in Grafana since the last push: needs --force")
        if p.provisioned and p.action in (push.CHANGED, push.PRUNED):
            notes.append("provisioned from files: Grafana refuses the change")
        if p.action == push.PRUNED:
            notes.append("no longer generated: --prune deletes it")
        note = f"  ({'; '.join(notes)})" if notes else ""
        print(f"{p.action:<9} {p.title}  uid={p.uid}{note}")
    print(f"dry run against {redact(grafana.base)}: nothing was written")
    return 0


def _summary(results: list[push.Result]) -> str:
    from dashboards import push

    counts = {a: sum(r.action == a for r in results) for a in (push.CREATED, push.CHANGED)}
    counts[push.UNCHANGED] = sum(r.action == push.UNCHANGED for r in results)
    summary = ", ".join(f"{n} {a}" for a, n in counts.items())
    pruned = sum(r.action == push.PRUNED for r in results)
    return f"{summary}, {pruned} pruned" if pruned else summary
