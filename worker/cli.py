"""``dictobs worker`` and ``dictobs claim start|decide|status``.

The PIX key of ``claim start`` is read from a file or standard input, never from an argument.

Settings come from :func:`core.settings.load` (``TEMPORAL_*``, ``BRIDGE_ADDRESS``,
``WORKER_METRICS_ADDRESS``); flags override them. Every user error is one line naming the input.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from temporalio.client import Client
from temporalio.runtime import Runtime

from core import codec
from core import settings as settings_mod
from core.errors import CLIError, SettingsError
from core.temporal_client import connect
from toolkit import durations
from worker.bridge.tls import channel_credentials, client_certificate_expiry
from worker.main import running_worker
from worker.metrics import certificate_expiry
from worker.model import ClaimInput
from worker.runtime import make_runtime
from worker.starter import ClaimError, claim_status, decide_claim, start_claim, validate_claim

T = TypeVar("T")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    """Add ``worker`` and ``claim`` to ``dictobs``."""
    w = sub.add_parser("worker", help="run the claim worker until SIGINT or SIGTERM")
    _temporal_flags(w)
    w.add_argument("--bridge-address", help="Bridge HOST:PORT (default: BRIDGE_ADDRESS)")
    w.add_argument(
        "--metrics-address", help="serve /metrics on HOST:PORT (default: WORKER_METRICS_ADDRESS)"
    )
    w.add_argument("--no-metrics", action="store_true", help="run without any metrics")
    w.add_argument(
        "--ready-file",
        type=Path,
        help="create this file once polling and remove it when stopping (a readiness probe)",
    )
    w.set_defaults(func=_worker)

    claim = sub.add_parser("claim", help="start, decide or inspect a claim")
    csub = claim.add_subparsers(dest="claim_command", metavar="ACTION", required=True)
    start = csub.add_parser("start", help="validate and start a claim; prints its workflow id")
    _temporal_flags(start)
    start.add_argument("--claim-id", required=True, help="lowercase UUID")
    start.add_argument(
        "--key-file",
        required=True,
        metavar="FILE",
        help="file holding the PIX key claimed, or - to read it from standard input (never on "
        "the command line: arguments show in ps, shell history and CI logs)",
    )
    # Refused with the fix rather than "unrecognized arguments".
    start.add_argument("--key", help=argparse.SUPPRESS)
    start.add_argument("--claimer-ispb", required=True, help="8 digits")
    start.add_argument("--owner-ispb", required=True, help="8 digits")
    start.add_argument(
        "--period",
        metavar="DURATION",
        help="resolution period, at most 30d (default: 30d); shorter periods are for drills "
        "and demos, e.g. 10m",
    )
    start.set_defaults(func=_start)

    decide = csub.add_parser("decide", help="confirm or reject a claim waiting for a decision")
    _temporal_flags(decide)
    decide.add_argument("--claim-id", required=True)
    choice = decide.add_mutually_exclusive_group(required=True)
    choice.add_argument("--confirm", dest="confirm", action="store_true")
    choice.add_argument("--reject", dest="confirm", action="store_false")
    decide.set_defaults(func=_decide)

    status = csub.add_parser("status", help="print a claim's status and deadline")
    _temporal_flags(status)
    status.add_argument("--claim-id", required=True)
    status.set_defaults(func=_status)


def _temporal_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--temporal-address", help="HOST:PORT (default: TEMPORAL_ADDRESS)")
    parser.add_argument("--namespace", help="default: TEMPORAL_NAMESPACE or dict")
    parser.add_argument("--task-queue", help="default: TEMPORAL_TASK_QUEUE or dict-task-queue")


def _settings(args: argparse.Namespace) -> settings_mod.Settings:
    loaded = settings_mod.load()
    overrides = {
        "address": args.temporal_address,
        "namespace": args.namespace,
        "task_queue": args.task_queue,
    }
    temporal = dataclasses.replace(loaded.temporal, **{k: v for k, v in overrides.items() if v})
    return dataclasses.replace(loaded, temporal=temporal)


async def _connect(conf: settings_mod.Settings, runtime: Runtime | None = None) -> Client:
    try:
        return await connect(conf.temporal, runtime)
    except SettingsError:  # the key file changed under us since the settings were read
        raise
    except Exception as err:  # the SDK raises RuntimeError with the transport's reason
        raise CLIError(
            f"Temporal unreachable at {conf.temporal.address} (namespace "
            f"{conf.temporal.namespace}): {err}; check TEMPORAL_ADDRESS or --temporal-address"
        ) from None


def _run(args: argparse.Namespace, body: Callable[[Client, str], Awaitable[T]]) -> T:
    conf = _settings(args)

    async def main() -> T:
        client = await _connect(conf)
        try:
            return await body(client, conf.temporal.task_queue)
        except (ClaimError, codec.CodecError) as err:
            raise CLIError(str(err)) from None

    return asyncio.run(main())


def _read_key(args: argparse.Namespace) -> str:
    """The PIX key from ``--key-file`` (``-``: standard input): one line, surrounding blanks
    dropped."""
    if args.key is not None:
        raise CLIError(
            "--key: a PIX key on the command line shows in ps, shell history and CI logs; "
            "put it in a file and pass --key-file FILE, or pipe it to --key-file -"
        )
    source = "standard input" if args.key_file == "-" else args.key_file
    try:
        text = sys.stdin.read() if args.key_file == "-" else Path(args.key_file).read_text()
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
        raise CLIError(f"--key-file {source}: {reason}") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise CLIError(f"--key-file {source}: expected the PIX key on one line, got {len(lines)}")
    return lines[0]


def _period(args: argparse.Namespace) -> float | None:
    if args.period is None:
        return None
    try:
        return durations.parse(args.period).total_seconds()
    except ValueError as err:
        raise CLIError(f"--period: {err}") from None


def _start(args: argparse.Namespace) -> int:
    key = _read_key(args)
    claim = ClaimInput(args.claim_id, key, args.claimer_ispb, args.owner_ispb, _period(args))
    try:
        validate_claim(claim)  # before connecting: bad input is reported even with Temporal down
    except ClaimError as err:
        raise CLIError(str(err)) from None

    async def body(client: Client, task_queue: str) -> str:
        handle = await start_claim(client, claim, task_queue=task_queue)
        return handle.id

    print(_run(args, body))
    return 0


def _decide(args: argparse.Namespace) -> int:
    state = _run(args, lambda client, _: decide_claim(client, args.claim_id, args.confirm))
    print(f"decision accepted: {'confirm' if args.confirm else 'reject'} (status {state.status})")
    return 0


def _status(args: argparse.Namespace) -> int:
    state = _run(args, lambda client, _: claim_status(client, args.claim_id))
    print(f"status: {state.status}")
    print(f"deadline: {state.deadline.isoformat()}")
    if state.outcome:
        print(f"outcome: {state.outcome}")
    return 0


def _worker(args: argparse.Namespace) -> int:
    conf = _settings(args)
    bridge = args.bridge_address or conf.bridge_address
    # Certificate files are checked before anything starts: a wrong one is a one-line error.
    channel_credentials(conf.bridge_tls)
    cert_expiry = client_certificate_expiry(conf.bridge_tls)
    metrics_address = (
        None if args.no_metrics else args.metrics_address or conf.worker_metrics_address
    )
    try:
        runtime = make_runtime(metrics_address)
    except Exception as err:
        raise CLIError(
            f"cannot serve metrics on {metrics_address}: {err}; set WORKER_METRICS_ADDRESS "
            "or --metrics-address to a free HOST:PORT"
        ) from None
    certificate_expiry(runtime.metric_meter, cert_expiry)

    async def main() -> None:
        client = await _connect(conf, runtime)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        where = f"metrics on http://{metrics_address}/metrics" if metrics_address else "no metrics"
        bridge_mode = "plaintext" if conf.bridge_tls.plaintext else "mTLS" if cert_expiry else "TLS"
        async with running_worker(
            client,
            bridge,
            task_queue=conf.temporal.task_queue,
            metrics=metrics_address is not None,
            bridge_tls=conf.bridge_tls,
        ):
            print(
                f"worker polling {conf.temporal.task_queue} in {conf.temporal.namespace} at "
                f"{conf.temporal.address}; Bridge {bridge} ({bridge_mode}); {where}",
                flush=True,
            )
            if args.ready_file:
                args.ready_file.write_text("polling\n")
            try:
                await stop.wait()
            finally:
                if args.ready_file:
                    args.ready_file.unlink(missing_ok=True)
            print("stopping: running activities get a grace period", flush=True)
        print("worker stopped", flush=True)

    asyncio.run(main())
    return 0
