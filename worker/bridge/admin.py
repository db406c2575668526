"""The simulator's admin service from the outside: set and clear faults, read statistics.

Synchronous on purpose: the CLI and the demo call it between steps. The channel is the worker's:
TLS or mTLS from the same :class:`core.settings.BridgeTLS` (``BRIDGE_TLS_*``), plaintext only
with :data:`core.settings.PLAINTEXT`. ::

    tls = settings.load().bridge_tls
    set_fault("127.0.0.1:50051", Fault("CreateClaim", error_rate=0.2), tls=tls)
    print(get_stats("127.0.0.1:50051", tls=tls).calls)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from core.settings import BridgeTLS
from worker.bridge import tls as _tls
from worker.bridge.faults import Fault
from worker.bridge.proto import bridge_pb2 as pb
from worker.bridge.proto import bridge_pb2_grpc as pb_grpc

R = TypeVar("R", bound=Message)


class SimulatorAdminError(Exception):
    """The admin call failed; the message says why and what to do."""


@dataclass(frozen=True)
class Stats:
    """What the simulator has seen since it started."""

    calls: dict[str, int]  # calls received per method, failed ones included
    injected_failures: dict[str, int]  # calls failed by a fault, per method
    claims: int
    claims_by_status: dict[str, int]
    transfers: int
    notifications: int
    faults: list[Fault] = field(default_factory=list)


def fault_to_pb(fault: Fault) -> pb.Fault:
    return pb.Fault(
        method=fault.method or "",
        error_rate=fault.error_rate,
        latency_seconds=fault.latency,
        unavailable=fault.unavailable,
        fail_next=fault.fail_next,
        code=fault.code,
        lose_reply_next=fault.lose_reply_next,
    )


def fault_from_pb(message: pb.Fault) -> Fault:
    """ValueError on a bad value, with a message naming it."""
    return Fault(
        method=message.method or None,
        error_rate=message.error_rate,
        latency=message.latency_seconds,
        unavailable=message.unavailable,
        fail_next=message.fail_next,
        code=message.code or "UNAVAILABLE",
        lose_reply_next=message.lose_reply_next,
    )


def stats_to_pb(stats: Stats) -> pb.Stats:
    return pb.Stats(
        calls=stats.calls,
        injected_failures=stats.injected_failures,
        claims=stats.claims,
        claims_by_status=stats.claims_by_status,
        transfers=stats.transfers,
        notifications=stats.notifications,
        faults=[fault_to_pb(f) for f in stats.faults],
    )


def stats_from_pb(message: pb.Stats) -> Stats:
    return Stats(
        calls=dict(message.calls),
        injected_failures=dict(message.injected_failures),
        claims=message.claims,
        claims_by_status=dict(message.claims_by_status),
        transfers=message.transfers,
        notifications=message.notifications,
        faults=[fault_from_pb(f) for f in message.faults],
    )


_DEFAULT_TLS = BridgeTLS()  # as the worker: TLS with the system's roots


def set_fault(
    address: str, fault: Fault, timeout: float = 3.0, *, tls: BridgeTLS = _DEFAULT_TLS
) -> list[Fault]:
    """Replace the fault of ``fault.method`` on the simulator; the faults now in force."""
    reply = _call(
        address, timeout, tls, lambda stub: stub.SetFault(fault_to_pb(fault), timeout=timeout)
    )
    return [fault_from_pb(f) for f in reply.faults]


def clear_faults(address: str, timeout: float = 3.0, *, tls: BridgeTLS = _DEFAULT_TLS) -> None:
    _call(
        address,
        timeout,
        tls,
        lambda stub: stub.ClearFaults(pb.ClearFaultsRequest(), timeout=timeout),
    )


def get_stats(address: str, timeout: float = 3.0, *, tls: BridgeTLS = _DEFAULT_TLS) -> Stats:
    reply = _call(
        address, timeout, tls, lambda stub: stub.GetStats(pb.GetStatsRequest(), timeout=timeout)
    )
    return stats_from_pb(reply)


def _channel(address: str, tls: BridgeTLS) -> grpc.Channel:
    """The worker's channel, synchronous: credentials and options from :mod:`worker.bridge.tls`
    (SettingsError naming the setting when a file is wrong)."""
    credentials = _tls.channel_credentials(tls)
    if credentials is None:
        return grpc.insecure_channel(address)
    return grpc.secure_channel(address, credentials, options=_tls.channel_options(tls))


def _call(
    address: str,
    timeout: float,
    tls: BridgeTLS,
    rpc: Callable[[pb_grpc.BridgeSimulatorAdminStub], R],
) -> R:
    with _channel(address, tls) as channel:
        stub = pb_grpc.BridgeSimulatorAdminStub(channel)  # type: ignore[no-untyped-call]
        try:
            return rpc(stub)
        except grpc.RpcError as err:
            code = err.code() if isinstance(err, grpc.Call) else grpc.StatusCode.UNKNOWN
            details = err.details() if isinstance(err, grpc.Call) else str(err)
            reason = _tls.explain_failure(details or "", tls)
            if code is grpc.StatusCode.UNAVAILABLE and reason is not None:
                raise SimulatorAdminError(
                    f"TLS to the Bridge simulator at {address}: {reason}"
                ) from None
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise SimulatorAdminError(
                    f"cannot reach the Bridge simulator at {address} within {timeout:g}s; "
                    "start it with `dictobs bridge-sim serve` or pass --address HOST:PORT"
                ) from None
            if code is grpc.StatusCode.UNIMPLEMENTED:
                raise SimulatorAdminError(
                    f"{address} answers but is not the Bridge simulator (no admin service)"
                ) from None
            raise SimulatorAdminError(f"{address}: {details}") from None
