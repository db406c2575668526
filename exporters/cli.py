"""``dictobs exporter``: serve open-claim, claim-age, deadline and task-queue metrics.

Every setting can come from a flag, from the environment (``TEMPORAL_*``, ``EXPORTER_ADDRESS``)
or from a YAML file (``--config.file``); flags win over the environment, which wins over the file.
Bad configuration stops the command before it serves anything, with one line naming the setting.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.errors import CLIError
from exporters import config as config_module
from exporters import snapshot, webconfig
from exporters.app import Exporter, StartupError
from exporters.config import ConfigError, ExporterConfig
from exporters.settings_table import SETTINGS, Kind
from toolkit import durations

log = logging.getLogger("exporters")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add this part's subcommands to ``dictobs``."""
    p = sub.add_parser(
        "exporter",
        help="serve claim age, deadlines and task-queue depth as Prometheus metrics",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config.file", dest="config_file", type=Path, help="YAML settings file")
    for s in SETTINGS:
        many = s.kind in (Kind.NAMES, Kind.DURATIONS)
        default = ",".join(s.default) if isinstance(s.default, tuple) else s.default
        p.add_argument(
            s.flag,
            dest=s.dest,
            action="append" if many else "store",
            metavar=s.kind.name,
            help=f"{s.help} (default {default or 'unset'}"
            + (f"; env {s.env})" if s.env else ")")
            + ("; repeat or comma-separate" if many else ""),
        )
    p.add_argument(
        "--log.level",
        dest="log_level",
        default="info",
        choices=("debug", "info", "warning", "error"),
    )
    p.add_argument(
        "--check-config",
        action="store_true",
        help="validate the configuration, print it and exit without connecting",
    )
    p.set_defaults(func=_run)


def config_from_args(args: argparse.Namespace, env: dict[str, str] | None = None) -> ExporterConfig:
    flags: dict[str, Any] = {}
    for s in SETTINGS:
        value = getattr(args, s.dest, None)
        if isinstance(value, list):  # repeated flags, each maybe comma-separated
            value = [item.strip() for v in value for item in v.split(",") if item.strip()]
        flags[s.key] = value
    return config_module.load(flags, dict(os.environ) if env is None else env, args.config_file)


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        config = config_from_args(args)
        if args.check_config:
            # The web config is read as a start would: certificates, keys and hashes included.
            web = webconfig.load(
                config.web_config_file,
                config.origins.get("web.config_file", "--web.config.file"),
            )
            plan = snapshot.planned_calls(config)
            print(f"configuration OK: {config.temporal.address} namespace "
                  f"{config.temporal.namespace}, listening on {config.listen_address}; "
                  f"at most {sum(plan.values())} calls per refresh "
                  f"({snapshot.budget_seconds(config):.1f}s at the call budget, "
                  f"deadline {durations.format(config.deadline, weeks=False)}); "
                  f"endpoint {web.describe()}")  # fmt: skip
            if snapshot.budget_seconds(config) > config.deadline.total_seconds():
                print(
                    "warning: refreshes may overrun refresh.deadline; raise it (and the "
                    "interval) or visibility.rate, or count fewer things",
                    file=sys.stderr,
                )
            return 0
        exporter = Exporter(config).start()
    except (ConfigError, StartupError) as err:
        raise CLIError(str(err)) from None
    signal.signal(signal.SIGTERM, _interrupt)
    log.info(
        "serving %s/metrics for namespace %s (Temporal %s, refresh every %ss)",
        exporter.url,
        config.temporal.namespace,
        config.temporal.address,
        int(config.interval.total_seconds()),
    )
    try:
        exporter.wait()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        exporter.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m exporters [flags]``: the same command without the rest of ``dictobs`` (a
    sidecar image needs nothing else). Exit status as ``dictobs exporter``: 2 on bad settings."""
    parser = argparse.ArgumentParser(prog="dictobs")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["exporter", *(sys.argv[1:] if argv is None else argv)])
    try:
        return int(args.func(args))
    except CLIError as err:
        print(f"dictobs exporter: error: {err}", file=sys.stderr)
        return err.status


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
