"""``dictobs demo``: bring the whole pack up on loopback and show it working.

Starts, in order, the Temporal dev server, the Bridge simulator, the worker, the claim exporter,
Alertmanager and Prometheus (with the pack's rules), each as a child process of its own; runs
claims through every outcome; prints what happened and where everything is. Then it keeps a
stream of claims flowing (``--rate`` a second: confirmed, rejected, some left to expire a few
minutes later, and a short Bridge hiccup now and then) with a live status line, so that every
dashboard moves. Ctrl-C (or ``--once``, which stops after the show) stops everything it started,
in reverse order.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core import settings
from core.errors import CLIError
from stack import incidents
from stack.demo_stack import RULES_DIR, DemoPorts, DemoStack
from stack.process import Service, ServiceError
from toolkit import durations

if TYPE_CHECKING:
    from stack.claim_flow import ClaimFlow, FlowSettings

DEFAULT_RATE = 0.5  # claims a second: every panel moves, a laptop does not notice
STATUS_EVERY = 10.0  # seconds between status lines when the output is not a terminal


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
        "--rate",
        type=float,
        default=DEFAULT_RATE,
        metavar="CLAIMS_PER_SECOND",
        help=f"claims started per second after the show (default {DEFAULT_RATE:g})",
    )
    p.add_argument(
        "--expire-after",
        default="3m",
        metavar="DURATION",
        help="period of the claims nobody decides: they expire this long after they start "
        "(default 3m)",
    )
    p.add_argument(
        "--incident",
        choices=sorted(incidents.INCIDENTS),
        help="after the claims, break something on purpose and show the alerts it fires, their "
        "notifications and their resolution, while the claims keep flowing (on drill rules: "
        "dictobs rules generate --drill)",
    )
    for name, default in DemoPorts().as_dict().items():
        p.add_argument(f"--{name.replace('_', '-')}-port", type=int, default=default)
    p.set_defaults(func=_run)


def say(line: str) -> None:
    """Each line as it happens, also when the output goes to a pipe or a file."""
    print(line, flush=True)


def _flow_settings(args: argparse.Namespace) -> FlowSettings:
    from stack.claim_flow import FlowSettings

    try:
        wait = durations.parse(args.expire_after).total_seconds()
    except ValueError as err:
        raise CLIError(f"--expire-after: {err}") from None
    try:
        return FlowSettings(rate=args.rate, wait_period=wait)
    except ValueError as err:
        raise CLIError(f"--rate: {err}") from None


def _run(args: argparse.Namespace) -> int:
    flow_settings = _flow_settings(args)  # bad input refused before anything starts
    ports = DemoPorts(**{name: getattr(args, f"{name}_port") for name in DemoPorts().as_dict()})
    say(f"dictobs demo: state and logs in {args.run_dir}/ (namespace {settings.NAMESPACE})")
    signal.signal(signal.SIGTERM, _interrupt)
    # Even when started in the background by a script, which would have SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with ExitStack() as stack:
        rules = incidents.drill_rules(args.run_dir) if args.incident else RULES_DIR
        if args.incident:
            say(incidents.on_drill_rules(args.incident))
        drill = incidents.DRILL_DYNAMIC_CONFIG if args.incident else {}
        stack_ = DemoStack(args.run_dir, ports, rules_dir=rules, temporal_dynamic_config=drill)
        flows: list[ClaimFlow] = []
        stack.callback(_stop, stack_, flows)
        try:
            stack_.start(say)
        except (ServiceError, FileNotFoundError) as err:  # a service, or a binary missing
            raise CLIError(f"the demo could not start: {err}") from None
        # The worker's code: loaded only to run it.
        from core.temporal_client import data_converter
        from stack.claim_flow import ClaimFlow
        from stack.demo_claims import run_claims
        from worker.bridge.admin import SimulatorAdminError
        from worker.starter import ClaimError

        try:
            ran = run_claims(stack_, say)
        except (ClaimError, SimulatorAdminError, TimeoutError, FileNotFoundError) as err:
            raise CLIError(f"a claim did not go through: {err} (logs in {args.run_dir}/)") from None
        stack_.show(say, since=ran.settled_at)
        if args.once and not args.incident:
            say("\n--once: stopping everything ...")
            return 0
        env = stack_.env
        converter = data_converter(settings.load(env).temporal)  # the worker's encryption
        flows.append(
            ClaimFlow(
                env["TEMPORAL_ADDRESS"],
                env["BRIDGE_ADDRESS"],
                flow_settings,
                data_converter=converter,
            )
        )
        try:
            flows[0].start()
        except ConnectionError as err:
            raise CLIError(f"the claim stream could not start: {err}") from None
        if args.incident:
            _incident(stack_, flows[0], args.incident)
        if args.once:
            say("\n--once: stopping everything ...")
            return 0
        stack_.where(say, ran.waiting_claim_id)
        say(
            f"\nClaims flowing: {flow_settings.rate:g} a second; those nobody decides expire "
            f"{durations.format(round(flow_settings.wait_period))} after they start. "
            "Press Ctrl-C to stop it all."
        )
        try:
            stopped = _stream(stack_, flows[0])
        except KeyboardInterrupt:
            say("stopping ...")
            return 0
        for service in stopped:
            print(f"{service.name} stopped on its own: see {service.log_path}", file=sys.stderr)
        return 1
    return 0  # pragma: no cover - the with block always returns


def _incident(stack_: DemoStack, flow: ClaimFlow, name: str) -> None:
    """The incident, played while the claims keep flowing; the stream's Bridge hiccups pause
    (the one in progress ends first) so that the incident's fault is the only one."""
    flow.hiccups_on = False
    time.sleep(flow.settings.hiccup_for + 0.5)
    try:
        incidents.play(stack_, name, say)
    finally:
        flow.hiccups_on = flow.settings.hiccup_every is not None


def _stream(stack_: DemoStack, flow: ClaimFlow) -> list[Service]:
    """The live status line until a part stops on its own (returned) or Ctrl-C."""
    from stack.status_line import StatusLine, read_status

    prom = stack_.prometheus
    assert prom is not None, "started first"
    line = StatusLine(sys.stdout, every=STATUS_EVERY)
    try:
        while not (stopped := stack_.stopped()):
            line.show(read_status(prom.url, flow.counts()))
            time.sleep(1)
    finally:
        line.end()
    return stopped


def _stop(stack_: DemoStack, flows: list[ClaimFlow]) -> None:
    """Stop the claims, then every part; a second Ctrl-C must not interrupt this and leave some
    running."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    for flow in flows:
        flow.stop()
    stack_.stop()


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the demo the way Ctrl-C does: through the ExitStack, in reverse order."""
    raise KeyboardInterrupt
