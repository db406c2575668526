"""A local Bridge: the BridgeService over gRPC with claims in memory, plus fault injection.

In tests (asyncio)::

    async with run_simulator("127.0.0.1:0") as sim:
        async with BridgeClient(sim.address) as bridge:
            sim.set_fault("CreateClaim", fail_next=1)
            ...
        assert sim.calls("CreateClaim") == 2

``dictobs bridge-sim serve`` runs it as a process; faults are then set over the admin service.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypeVar

import grpc
from grpc import aio

from core import addresses
from worker import validation
from worker.bridge import api, wire
from worker.bridge.admin import Stats, fault_from_pb, fault_to_pb, stats_to_pb
from worker.bridge.faults import Fault, FaultBook, Verdict
from worker.bridge.ledger import Ledger
from worker.bridge.proto import bridge_pb2 as pb
from worker.bridge.proto import bridge_pb2_grpc as pb_grpc
from worker.bridge.tls import ServerTLS, server_credentials

log = logging.getLogger(__name__)
T = TypeVar("T")
Context = aio.ServicerContext[Any, Any]


class Simulator:
    """The simulator's state and the handle tests use: claims, call counts, faults."""

    def __init__(self, seed: int = 0) -> None:
        self.address = ""  # set once the server listens
        self.ledger = Ledger()
        self.faults = FaultBook(seed)
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._injected: Counter[str] = Counter()

    def set_fault(
        self,
        method: str | None = None,
        *,
        error_rate: float = 0.0,
        latency: float = 0.0,
        unavailable: bool = False,
        fail_next: int = 0,
        code: str = "UNAVAILABLE",
        lose_reply_next: int = 0,
    ) -> Fault:
        """Replace the fault of ``method`` (None: every method); ValueError on a bad value."""
        fault = Fault(method, error_rate, latency, unavailable, fail_next, code, lose_reply_next)
        self.faults.set(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    @property
    def claims(self) -> dict[str, api.ClaimRecord]:
        """A snapshot of every claim, by claim id."""
        return self.ledger.records()

    def transfers(self, claim_id: str) -> int:
        return self.ledger.transfers(claim_id)

    def notifications(self, claim_id: str) -> int:
        return len(self.ledger.notifications(claim_id))

    def effects(self, claim_id: str) -> dict[str, int]:
        """How many times each side effect happened to the claim (see :meth:`Ledger.effects`)."""
        return self.ledger.effects(claim_id)

    def calls(self, method: str | None = None) -> int:
        """Calls received by ``method`` (None: all), counting those failed by a fault."""
        with self._lock:
            return self._calls[method] if method else sum(self._calls.values())

    def stats(self) -> Stats:
        records = self.ledger.records().values()
        transfers, notifications = self.ledger.totals()
        with self._lock:
            calls, injected = dict(self._calls), dict(self._injected)
        return Stats(
            calls=calls,
            injected_failures=injected,
            claims=len(records),
            claims_by_status=dict(Counter(r.status.value for r in records)),
            transfers=transfers,
            notifications=notifications,
            faults=self.faults.faults(),
        )

    async def serve_call(self, method: str, context: Context, op: Callable[[], T]) -> T:
        """Count the call, apply faults, then run ``op``; a domain error becomes a status.

        A lost reply runs ``op`` first (its side effect happens) and then fails the call, as a
        reply dropped on the way back would."""
        with self._lock:
            self._calls[method] += 1
        verdict = self.faults.decide(method)
        if verdict.delay:
            await asyncio.sleep(verdict.delay)
        if verdict.failure is not None and not verdict.after_work:
            await self._inject(method, context, verdict)
        try:
            result = op()
        except api.BridgeError as err:
            if verdict.failure is not None:
                await self._inject(method, context, verdict)
            context.set_trailing_metadata(((wire.ERROR_TYPE_KEY, err.error_type),))
            await _abort(context, wire.code_for(err), str(err))
        if verdict.failure is not None:
            await self._inject(method, context, verdict)
        return result

    async def _inject(self, method: str, context: Context, verdict: Verdict) -> NoReturn:
        assert verdict.failure is not None
        with self._lock:
            self._injected[method] += 1
        await _abort(context, verdict.failure, f"injected fault ({verdict.reason})")


async def _abort(context: Context, code: grpc.StatusCode, details: str) -> NoReturn:
    await context.abort(code, details)
    raise AssertionError("abort returned")  # grpc raises inside abort()


class _BridgeService(pb_grpc.BridgeServiceServicer):
    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._ledger = sim.ledger

    async def CreateClaim(self, request: pb.CreateClaimRequest, context: Context) -> pb.ClaimReply:
        claim = api.ClaimRequest(
            request.claim_id, request.entry_key, request.claimer_ispb, request.owner_ispb
        )

        def create() -> pb.ClaimReply:
            record = self._ledger.create(claim)
            log.debug(
                "claim %s opened for %s", claim.claim_id, validation.mask_key(claim.entry_key)
            )
            return wire.record_to_pb(record)

        return await self._sim.serve_call("CreateClaim", context, create)

    async def CompleteClaim(
        self, request: pb.CompleteClaimRequest, context: Context
    ) -> pb.ClaimReply:
        return await self._sim.serve_call(
            "CompleteClaim",
            context,
            lambda: wire.record_to_pb(self._ledger.complete(request.claim_id)),
        )

    async def CancelClaim(self, request: pb.CancelClaimRequest, context: Context) -> pb.ClaimReply:
        def cancel() -> pb.ClaimReply:
            reason = wire.reason_from_pb(request.reason)
            return wire.record_to_pb(self._ledger.cancel(request.claim_id, reason))

        return await self._sim.serve_call("CancelClaim", context, cancel)

    async def GetClaim(self, request: pb.GetClaimRequest, context: Context) -> pb.ClaimReply:
        return await self._sim.serve_call(
            "GetClaim", context, lambda: wire.record_to_pb(self._ledger.get(request.claim_id))
        )

    async def TransferEntry(
        self, request: pb.TransferEntryRequest, context: Context
    ) -> pb.TransferEntryReply:
        def transfer() -> pb.TransferEntryReply:
            now = self._ledger.transfer(request.claim_id)
            return pb.TransferEntryReply(claim_id=request.claim_id, transferred_now=now)

        return await self._sim.serve_call("TransferEntry", context, transfer)

    async def NotifyUsers(
        self, request: pb.NotifyUsersRequest, context: Context
    ) -> pb.NotifyUsersReply:
        def notify() -> pb.NotifyUsersReply:
            count = self._ledger.notify(request.claim_id, request.confirmed)
            return pb.NotifyUsersReply(claim_id=request.claim_id, notifications=count)

        return await self._sim.serve_call("NotifyUsers", context, notify)


class _AdminService(pb_grpc.BridgeSimulatorAdminServicer):
    def __init__(self, sim: Simulator) -> None:
        self._sim = sim

    def _faults(self) -> pb.FaultsReply:
        return pb.FaultsReply(faults=[fault_to_pb(f) for f in self._sim.faults.faults()])

    async def SetFault(self, request: pb.Fault, context: Context) -> pb.FaultsReply:
        try:
            fault = fault_from_pb(request)
        except ValueError as err:
            await _abort(context, grpc.StatusCode.INVALID_ARGUMENT, str(err))
        self._sim.faults.set(fault)
        log.info("fault set: %s", fault)
        return self._faults()

    async def ClearFaults(self, request: pb.ClearFaultsRequest, context: Context) -> pb.FaultsReply:
        self._sim.clear_faults()
        return self._faults()

    async def GetStats(self, request: pb.GetStatsRequest, context: Context) -> pb.Stats:
        return stats_to_pb(self._sim.stats())


def _check_bindable(listen: str) -> None:
    """Fail with a clear OSError before gRPC would log its own multi-line bind error."""
    try:
        host, port = addresses.parse(listen, any_port=True)
    except ValueError:
        raise OSError(f"cannot listen on {listen}: expected HOST:PORT") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise OSError(f"cannot listen on {listen}: {err.strerror}") from None
    family, kind, proto, _, sockaddr = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # Same option gRPC sets, so a port in TIME_WAIT counts as free, a listening one not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as err:
            raise OSError(f"cannot listen on {listen}: {err.strerror}") from None


@asynccontextmanager
async def run_simulator(
    listen: str = "127.0.0.1:0", *, seed: int = 0, tls: ServerTLS | None = None
) -> AsyncIterator[Simulator]:
    """Serve a fresh simulator on ``listen`` (port 0: a free one) until the block exits, in
    plaintext or, with ``tls``, TLS (mTLS when ``tls.client_ca`` is set).

    OSError naming ``listen`` when it cannot be bound.
    """
    _check_bindable(listen)
    sim = Simulator(seed)
    # Without this, a second simulator on a busy port would silently share it.
    server = aio.server(options=[("grpc.so_reuseport", 0)])
    pb_grpc.add_BridgeServiceServicer_to_server(_BridgeService(sim), server)  # type: ignore[no-untyped-call]
    pb_grpc.add_BridgeSimulatorAdminServicer_to_server(_AdminService(sim), server)  # type: ignore[no-untyped-call]
    host, _, _ = listen.rpartition(":")
    try:
        if tls is None:
            port = server.add_insecure_port(listen)
        else:
            port = server.add_secure_port(listen, server_credentials(tls))
    except RuntimeError:
        port = 0
    if port == 0:  # grpc raises or returns 0, depending on the version
        raise OSError(f"cannot listen on {listen}: the port is in use or the host is not local")
    sim.address = f"{host}:{port}"
    await server.start()
    mode = "plaintext" if tls is None else "mTLS" if tls.client_ca else "TLS"
    log.info("bridge simulator listening on %s (%s)", sim.address, mode)
    try:
        yield sim
    finally:
        await server.stop(grace=0.2)
