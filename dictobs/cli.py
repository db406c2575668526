"""``dictobs``: one command, a subcommand per part of the pack.

Each part registers its own subcommands (``register(subparsers)`` in its ``cli`` module), so this
file only wires them together and turns known errors into one clear line and a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from core import __version__, config
from core.errors import CLIError, SettingsError
from core.shutdown import exit_now

# Modules that add subcommands, in the order --help lists them.
PARTS = (
    "worker.cli",
    "worker.codec_cli",
    "worker.bridge.cli",
    "exporters.cli",
    "alerts.cli",
    "dashboards.cli",
    "stack.demo",
    "dictobs.pack_config",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dictobs",
        description="Observability and SLO pack for DICT claim processing on Temporal.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--pack-config",
        type=Path,
        metavar="FILE",
        help="YAML file overriding the pack configuration (job names, labels, thresholds) "
        "for the rules, the dashboards and pack-config",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in PARTS:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.pack_config is not None:
            config.use(config.load(args.pack_config))
        status = args.func(args)
    except (CLIError, SettingsError) as err:
        print(f"dictobs: error: {err}", file=sys.stderr)
        return getattr(err, "status", 2)
    except KeyboardInterrupt:
        return 130
    return int(status or 0)


def run() -> NoReturn:
    """The ``dictobs`` console command."""
    exit_now(main())


if __name__ == "__main__":
    run()
