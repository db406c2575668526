"""``dictobs bridge-sim``: run the Bridge simulator and steer its faults.

::

    dictobs bridge-sim serve --listen 127.0.0.1:50051
    dictobs bridge-sim fault --method CreateClaim --error-rate 0.2 --code INTERNAL
    dictobs bridge-sim fault --latency 2.5            # every method
    dictobs bridge-sim stats
    dictobs bridge-sim clear

The client commands reach the simulator as the worker reaches the Bridge: TLS or mTLS from
``BRIDGE_TLS_CA``, ``BRIDGE_TLS_CERT``, ``BRIDGE_TLS_KEY`` and ``BRIDGE_TLS_SERVER_NAME``,
plaintext only with ``BRIDGE_PLAINTEXT=true``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import signal
from dataclasses import asdict
from pathlib import Path
from typing import Any

from core import addresses, settings
from core.errors import CLIError
from worker.bridge import admin
from worker.bridge.faults import Fault
from worker.bridge.simulator import run_simulator
from worker.bridge.tls import ServerTLS

DEFAULT_LISTEN = f"127.0.0.1:{settings.BRIDGE_PORT}"


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``bridge-sim`` and its subcommands to ``dictobs``."""
    parser = sub.add_parser(
        "bridge-sim",
        help="run the local Bridge simulator and inject faults into it",
        description="The Bridge simulator: the BridgeService with claims in memory and faults "
        "on demand. The client commands reach it at --address (default: BRIDGE_ADDRESS) as the "
        "worker reaches the Bridge: TLS from BRIDGE_TLS_CA, BRIDGE_TLS_CERT, BRIDGE_TLS_KEY and "
        "BRIDGE_TLS_SERVER_NAME, plaintext only with BRIDGE_PLAINTEXT=true.",
    )
    actions = parser.add_subparsers(dest="bridge_command", metavar="ACTION", required=True)

    serve = actions.add_parser("serve", help="serve the simulator until Ctrl-C or SIGTERM")
    serve.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        help=f"HOST:PORT to listen on (default {DEFAULT_LISTEN})",
    )
    serve.add_argument("--seed", default="0", help="seed of the error-rate generator (default 0)")
    serve.add_argument("--tls-cert", type=Path, help="serve TLS with this PEM certificate")
    serve.add_argument("--tls-key", type=Path, help="the certificate's PEM private key")
    serve.add_argument(
        "--tls-client-ca", type=Path, help="mTLS: require client certificates signed by this CA"
    )
    serve.set_defaults(func=_serve)

    fault = actions.add_parser("fault", help="set the fault of one method, or of all methods")
    _address(fault)
    fault.add_argument(
        "--method", metavar="METHOD", help="e.g. CreateClaim; all methods when omitted"
    )
    fault.add_argument(
        "--error-rate", default="0", metavar="R", help="share of calls that fail, 0..1"
    )
    fault.add_argument(
        "--latency", default="0", metavar="SECONDS", help="seconds added to every call"
    )
    fault.add_argument(
        "--unavailable", action="store_true", help="every call fails with UNAVAILABLE"
    )
    fault.add_argument("--fail-next", default="0", metavar="N", help="the next N calls fail")
    fault.add_argument(
        "--lose-reply-next",
        default="0",
        metavar="N",
        help="the next N calls do their work, then fail as if the reply was lost",
    )
    fault.add_argument(
        "--code",
        default="UNAVAILABLE",
        metavar="CODE",
        help="gRPC status of injected failures (UNAVAILABLE)",
    )
    fault.set_defaults(func=_fault)

    clear = actions.add_parser("clear", help="remove every fault")
    _address(clear)
    clear.set_defaults(func=_clear)

    stats = actions.add_parser("stats", help="calls, injected failures, claims, faults")
    _address(stats)
    stats.add_argument("--json", action="store_true", help="print JSON instead of text")
    stats.set_defaults(func=_stats)


def _address(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--address",
        metavar="HOST:PORT",
        help="HOST:PORT of the simulator (default: BRIDGE_ADDRESS or localhost:50051)",
    )


def _resolve_target(args: argparse.Namespace) -> tuple[str, settings.BridgeTLS]:
    """The simulator's address and how to reach it, from the worker's settings."""
    tls = settings.load_bridge_tls(os.environ)
    if args.address:
        return _host_port(args.address, "--address"), tls
    return settings.load().bridge_address, tls


def _host_port(value: str, flag: str) -> str:
    try:
        addresses.parse(value, any_port=True)
    except ValueError:
        raise CLIError(
            f"{flag} {value}: expected HOST:PORT, for example {DEFAULT_LISTEN}"
        ) from None
    return value


def _number(value: str, flag: str, *, integer: bool = False) -> float:
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise CLIError(f"{flag} {value}: expected {kind}") from None
    if not math.isfinite(number):
        raise CLIError(f"{flag} {value}: expected a finite number")
    return number


def _serve(args: argparse.Namespace) -> int:
    listen = _host_port(args.listen, "--listen")
    seed = int(_number(args.seed, "--seed", integer=True))
    tls = _server_tls(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        asyncio.run(_serve_until_signal(listen, seed, tls))
    except OSError as err:
        raise CLIError(f"{err}; pick another --listen HOST:PORT") from None
    return 0


def _server_tls(args: argparse.Namespace) -> ServerTLS | None:
    if not (args.tls_cert or args.tls_key or args.tls_client_ca):
        return None
    if not (args.tls_cert and args.tls_key):
        raise CLIError("--tls-cert and --tls-key go together: give both to serve TLS")
    for flag, path in (
        ("--tls-cert", args.tls_cert),
        ("--tls-key", args.tls_key),
        ("--tls-client-ca", args.tls_client_ca),
    ):
        if path is not None and not path.is_file():
            raise CLIError(f"{flag} {path}: no such file")
    return ServerTLS(args.tls_cert, args.tls_key, args.tls_client_ca)


async def _serve_until_signal(listen: str, seed: int, tls: ServerTLS | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with run_simulator(listen, seed=seed, tls=tls) as sim:
        mode = "plaintext" if tls is None else "mTLS" if tls.client_ca else "TLS"
        print(f"bridge simulator listening on {sim.address} ({mode}; Ctrl-C to stop)", flush=True)
        await stop.wait()
    print("bridge simulator stopped", flush=True)


def _fault(args: argparse.Namespace) -> int:
    address, tls = _resolve_target(args)
    try:
        fault = Fault(
            method=args.method or None,
            error_rate=_number(args.error_rate, "--error-rate"),
            latency=_number(args.latency, "--latency"),
            unavailable=args.unavailable,
            fail_next=int(_number(args.fail_next, "--fail-next", integer=True)),
            code=args.code,
            lose_reply_next=int(_number(args.lose_reply_next, "--lose-reply-next", integer=True)),
        )
    except ValueError as err:
        raise CLIError(str(err)) from None
    try:
        faults = admin.set_fault(address, fault, tls=tls)
    except admin.SimulatorAdminError as err:
        raise CLIError(str(err)) from None
    for line in _fault_lines(faults):
        print(line)
    return 0


def _clear(args: argparse.Namespace) -> int:
    address, tls = _resolve_target(args)
    try:
        admin.clear_faults(address, tls=tls)
    except admin.SimulatorAdminError as err:
        raise CLIError(str(err)) from None
    print(f"faults cleared on {address}")
    return 0


def _stats(args: argparse.Namespace) -> int:
    address, tls = _resolve_target(args)
    try:
        stats = admin.get_stats(address, tls=tls)
    except admin.SimulatorAdminError as err:
        raise CLIError(str(err)) from None
    if args.json:
        print(json.dumps(asdict(stats), indent=2, sort_keys=True))
        return 0
    print(f"calls: {_pairs(stats.calls)}")
    print(f"injected failures: {_pairs(stats.injected_failures)}")
    print(f"claims: {stats.claims} ({_pairs(stats.claims_by_status)})")
    print(f"transfers: {stats.transfers}")
    print(f"notifications: {stats.notifications}")
    for line in _fault_lines(stats.faults):
        print(line)
    return 0


def _pairs(counts: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "none"


def _fault_lines(faults: list[Fault]) -> list[str]:
    if not faults:
        return ["faults: none"]
    lines = []
    for f in faults:
        parts = [f"error_rate={f.error_rate:g}", f"latency={f.latency:g}s"]
        if f.unavailable:
            parts.append("unavailable")
        if f.fail_next:
            parts.append(f"fail_next={f.fail_next}")
        if f.lose_reply_next:
            parts.append(f"lose_reply_next={f.lose_reply_next}")
        parts.append(f"code={f.code}")
        lines.append(f"fault {f.method or 'all methods'}: {' '.join(parts)}")
    return lines
