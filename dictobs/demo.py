"""``dictobs demo``: bring the whole pack up on loopback and show it working.

Starts, in order, the Temporal dev server, the Bridge simulator, the worker, the claim exporter,
Alertmanager and Prometheus (with the pack's rules), each as a child process of its own; runs
claims through every outcome; prints what happened and where everything is. Ctrl-C (or
``--once``) stops everything it started, in reverse order.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from dictobs import settings
from dictobs.cli import CLIError
from dictobs.demo_stack import DemoPorts, DemoStack
from dictobs.process import ServiceError


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "demo",
        help="bring the pack up on loopback and run claims through it",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--run-dir", type=Path, default=Path("run/demo"), help="state and logs")
    p.add_argument(
        "--once", action="store_true", help="stop everything after the show instead of waiting"
    )
    for name, default in DemoPorts().as_dict().items():
        p.add_argument(f"--{name.replace('_', '-')}-port", type=int, default=default)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    ports = DemoPorts(**{name: getattr(args, f"{name}_port") for name in DemoPorts().as_dict()})
    print(f"dictobs demo: state and logs in {args.run_dir}/ (namespace {settings.NAMESPACE})")
    signal.signal(signal.SIGTERM, _interrupt)
    with ExitStack() as stack:
        stack_ = DemoStack(args.run_dir, ports)
        stack.callback(stack_.stop)
        try:
            stack_.start(print)
        except ServiceError as err:
            raise CLIError(f"the demo could not start: {err}") from None
        from dictobs.demo_claims import run_claims  # the worker's code: loaded only to run it

        run_claims(stack_, print)
        stack_.show(print)
        if args.once:
            return 0
        print("\nEverything is running. Press Ctrl-C to stop it all.")
        try:
            while stack_.healthy():
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nstopping ...")
            return 0
        print("a part of the demo stopped on its own; see the logs above", file=sys.stderr)
        return 1
    return 0  # pragma: no cover - the with block always returns


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the demo the way Ctrl-C does: through the ExitStack, in reverse order."""
    raise KeyboardInterrupt
