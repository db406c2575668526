"""``dictobs pack-config``: the pack configuration this command runs with, as JSON.

The deployment reads it (``std.parseJson(importstr ...)`` in jsonnet) so that manifests, rules
and dashboards share one set of job names, labels and thresholds::

    dictobs --pack-config site.yaml pack-config > build/pack-config.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import Any

from core import config


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "pack-config",
        help="print the pack configuration (defaults and --pack-config overrides) as JSON",
    )
    p.set_defaults(func=_show)


def _show(args: argparse.Namespace) -> int:
    print(json.dumps(dataclasses.asdict(config.current()), indent=2))
    return 0
