"""The simulator's admin service from the outside: set and clear faults, read statistics.

Synchronous on purpose: the CLI and the demo call it between steps. ::

    set_fault("127.0.0.1:50051", Fault("CreateClaim", error_rate=0.2))
    print(get_stats("127.0.0.1:50051").calls)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import grpc
from google.protobuf.message import Message

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


def set_fault(address: str, fault: Fault, timeout: float = 3.0) -> list[Fault]:
    """Replace the fault of ``fault.method`` on the simulator; the faults now in force."""
    reply = _call(address, timeout, lambda stub: stub.SetFault(fault_to_pb(fault), timeout=timeout))
    return [fault_from_pb(f) for f in reply.faults]


def clear_faults(address: str, timeout: float = 3.0) -> None:
    _call(address, timeout, lambda stub: stub.ClearFaults(pb.ClearFaultsRequest(), timeout=timeout))


def get_stats(address: str, timeout: float = 3.0) -> Stats:
    reply = _call(
        address, timeout, lambda stub: stub.GetStats(pb.GetStatsRequest(), timeout=timeout)
    )
    return stats_from_pb(reply)


def _call(address: str, timeout: float, rpc: Callable[[pb_grpc.BridgeSimulatorAdminStub], R]) -> R:
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.BridgeSimulatorAdminStub(channel)  # type: ignore[no-untyped-call]
        try:
            return rpc(stub)
        except grpc.RpcError as err:
            code = err.code() if isinstance(err, grpc.Call) else grpc.StatusCode.UNKNOWN
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                raise SimulatorAdminError(
                    f"cannot reach the Bridge simulator at {address} within {timeout:g}s; "
                    "start it with `dictobs bridge-sim serve` or pass --address HOST:PORT"
                ) from None
            if code is grpc.StatusCode.UNIMPLEMENTED:
                raise SimulatorAdminError(
                    f"{address} answers but is not the Bridge simulator (no admin service)"
                ) from None
            details = err.details() if isinstance(err, grpc.Call) else str(err)
            raise SimulatorAdminError(f"{address}: {details}") from None
