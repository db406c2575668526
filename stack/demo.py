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

from core import settings
from core.errors import CLIError
from stack import incidents
from stack.demo_stack import RULES_DIR, DemoPorts, DemoStack
from stack.process import ServiceError


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
    p.add_argument(
        "--incident",
        choices=sorted(incidents.INCIDENTS),
        help="after the claims, break something on purpose and show the alerts it fires, their "
        "notifications and their resolution (on drill rules: dictobs rules generate --drill)",
    )
    for name, default in DemoPorts().as_dict().items():
        p.add_argument(f"--{name.replace('_', '-')}-port", type=int, default=default)
    p.set_defaults(func=_run)


def say(line: str) -> None:
    """Each line as it happens, also when the output goes to a pipe or a file."""
    print(line, flush=True)


def _run(args: argparse.Namespace) -> int:
    ports = DemoPorts(**{name: getattr(args, f"{name}_port") for name in DemoPorts().as_dict()})
    say(f"dictobs demo: state and logs in {args.run_dir}/ (namespace {settings.NAMESPACE})")
    signal.signal(signal.SIGTERM, _interrupt)
    # Even when started in the background by a script, which would have SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with ExitStack() as stack:
        rules = incidents.drill_rules(args.run_dir) if args.incident else RULES_DIR
        if args.incident:
            say(incidents.on_drill_rules(args.incident))
        stack_ = DemoStack(args.run_dir, ports, rules_dir=rules)
        stack.callback(_stop, stack_)
        try:
            stack_.start(say)
        except (ServiceError, FileNotFoundError) as err:  # a service, or a binary missing
            raise CLIError(f"the demo could not start: {err}") from None
        # The worker's code: loaded only to run it.
        from stack.demo_claims import run_claims
        from worker.bridge.admin import SimulatorAdminError
        from worker.starter import ClaimError

        try:
            ran = run_claims(stack_, say)
        except (ClaimError, SimulatorAdminError, TimeoutError, FileNotFoundError) as err:
            raise CLIError(f"a claim did not go through: {err} (logs in {args.run_dir}/)") from None
        stack_.show(say, since=ran.settled_at)
        if args.incident:
            incidents.play(stack_, args.incident, say)
        if args.once:
            say("\n--once: stopping everything ...")
            return 0
        stack_.where(say, ran.waiting_claim_id)
        say("\nEverything is running. Press Ctrl-C to stop it all.")
        try:
            while not (stopped := stack_.stopped()):
                time.sleep(1)
        except KeyboardInterrupt:
            say("\nstopping ...")
            return 0
        for service in stopped:
            print(f"{service.name} stopped on its own: see {service.log_path}", file=sys.stderr)
        return 1
    return 0  # pragma: no cover - the with block always returns


def _stop(stack_: DemoStack) -> None:
    """Stop every part; a second Ctrl-C must not interrupt this and leave some running."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    stack_.stop()


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the demo the way Ctrl-C does: through the ExitStack, in reverse order."""
    raise KeyboardInterrupt
