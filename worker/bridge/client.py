"""The gRPC client of the Bridge, as the claim activities use it.

::

    async with BridgeClient(settings.bridge_address, observer=record_latency) as bridge:
        record = await bridge.create_claim(ClaimRequest(claim_id, key, claimer, owner))

Every input is validated before anything is sent (a :class:`~worker.bridge.api.ValidationError`
never costs a call). Every call carries a deadline. Failures come back as the domain errors of
:mod:`worker.bridge.api`: the type the Bridge sent when it sent one, otherwise by status code
(UNAVAILABLE and DEADLINE_EXCEEDED: :class:`~worker.bridge.api.BridgeUnavailableError`; INTERNAL,
UNKNOWN: :class:`~worker.bridge.api.BridgeInternalError`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from types import TracebackType
from typing import TypeVar

import grpc
from google.protobuf.message import Message
from grpc import aio

from core.pii import scrub
from core.settings import BridgeTLS
from worker import validation
from worker.bridge import api, wire
from worker.bridge import tls as _tls
from worker.bridge.proto import bridge_pb2 as pb
from worker.bridge.proto import bridge_pb2_grpc as pb_grpc

log = logging.getLogger(__name__)
R = TypeVar("R", bound=Message)


class BridgeClient:
    """Implements :class:`worker.bridge.api.Bridge` over ``grpc.aio``.

    ``timeout`` is the deadline of each call in seconds. ``observer`` is told
    ``(method, status code name, seconds)`` after every call that was sent, success or not.
    The channel opens on the first call, on the running event loop. ``tls`` says how: TLS by
    default (the system's roots), mTLS with a client certificate, plaintext only with
    :data:`core.settings.PLAINTEXT`; its files are checked here (SettingsError naming the
    setting).
    """

    def __init__(
        self,
        address: str,
        *,
        timeout: float = 5.0,
        observer: api.CallObserver | None = None,
        tls: BridgeTLS = BridgeTLS(),  # noqa: B008 - frozen, never mutated
    ) -> None:
        if not address:
            raise ValueError("Bridge address is empty; expected HOST:PORT")
        if timeout <= 0:
            raise ValueError(f"timeout {timeout} must be > 0 seconds")
        self.address = address
        self.timeout = timeout
        self._observer = observer
        self.tls = tls
        self._credentials = _tls.channel_credentials(tls)
        self._channel: aio.Channel | None = None
        self._stub: pb_grpc.BridgeServiceStub | None = None
        self._closed = False

    async def create_claim(self, request: api.ClaimRequest) -> api.ClaimRecord:
        validation.validate_claim_request(request)
        message = pb.CreateClaimRequest(
            claim_id=request.claim_id,
            entry_key=request.entry_key,
            claimer_ispb=request.claimer_ispb,
            owner_ispb=request.owner_ispb,
        )
        reply = await self._call("CreateClaim", message, pb.ClaimReply)
        record = wire.record_from_pb(reply)
        log.info(
            "claim %s created for key %s: external id %s, %s",
            record.claim_id,
            validation.mask_key(request.entry_key),
            record.external_id,
            record.status.value,
        )
        return record

    async def complete_claim(self, claim_id: str) -> api.ClaimRecord:
        validation.validate_claim_id(claim_id)
        message = pb.CompleteClaimRequest(claim_id=claim_id)
        return wire.record_from_pb(await self._call("CompleteClaim", message, pb.ClaimReply))

    async def cancel_claim(self, claim_id: str, reason: api.CancelReason) -> api.ClaimRecord:
        validation.validate_claim_id(claim_id)
        if not isinstance(reason, api.CancelReason):
            choices = ", ".join(r.value for r in api.CancelReason)
            raise api.ValidationError(f"reason: expected one of {choices}")
        message = pb.CancelClaimRequest(claim_id=claim_id, reason=wire.reason_to_pb(reason))
        return wire.record_from_pb(await self._call("CancelClaim", message, pb.ClaimReply))

    async def get_claim(self, claim_id: str) -> api.ClaimRecord:
        validation.validate_claim_id(claim_id)
        message = pb.GetClaimRequest(claim_id=claim_id)
        return wire.record_from_pb(await self._call("GetClaim", message, pb.ClaimReply))

    async def transfer_entry(self, claim_id: str) -> None:
        validation.validate_claim_id(claim_id)
        message = pb.TransferEntryRequest(claim_id=claim_id)
        reply = await self._call("TransferEntry", message, pb.TransferEntryReply)
        if not reply.transferred_now:
            log.info("claim %s: entry already transferred (retried call)", claim_id)

    async def notify_users(self, claim_id: str, confirmed: bool) -> None:
        validation.validate_claim_id(claim_id)
        message = pb.NotifyUsersRequest(claim_id=claim_id, confirmed=bool(confirmed))
        await self._call("NotifyUsers", message, pb.NotifyUsersReply)

    async def close(self) -> None:
        self._closed = True
        if self._channel is not None:
            channel, self._channel, self._stub = self._channel, None, None
            await channel.close(grace=None)

    async def __aenter__(self) -> BridgeClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _get_stub(self) -> pb_grpc.BridgeServiceStub:
        if self._closed:
            raise RuntimeError("BridgeClient is closed")
        if self._stub is None:
            if self._credentials is None:
                self._channel = aio.insecure_channel(self.address)
            else:
                self._channel = aio.secure_channel(
                    self.address, self._credentials, options=_tls.channel_options(self.tls)
                )
            self._stub = pb_grpc.BridgeServiceStub(self._channel)  # type: ignore[no-untyped-call]
        return self._stub

    async def _call(self, method: str, request: Message, reply_type: type[R]) -> R:
        rpc = getattr(self._get_stub(), method)
        started = time.perf_counter()
        status = "OK"
        try:
            reply = await rpc(request, timeout=self.timeout)
        except aio.AioRpcError as err:
            status = err.code().name
            claim_id = str(getattr(request, "claim_id", ""))
            raise _domain_error(err, self.tls, self.address, claim_id) from None
        except asyncio.CancelledError:
            status = grpc.StatusCode.CANCELLED.name
            raise
        finally:
            self._observe(method, status, time.perf_counter() - started)
        if not isinstance(reply, reply_type):
            raise api.BridgeInternalError(f"{method} answered {type(reply).__name__}")
        return reply

    def _observe(self, method: str, status: str, seconds: float) -> None:
        if status != "OK":
            log.info("Bridge %s failed with %s after %.3fs", method, status, seconds)
        if self._observer is None:
            return
        try:
            self._observer(method, status, seconds)
        except Exception:  # a broken metric must not fail a claim
            log.exception("Bridge call observer failed on %s", method)


def _domain_error(
    err: aio.AioRpcError, conf: BridgeTLS, address: str, claim_id: str
) -> api.BridgeError:
    """The domain error of a failed call. Its text came from the Bridge and goes on into the
    workflow history and logs: key-shaped strings in it are masked (the claim id stays)."""
    error_type = None
    # grpc-stubs types metadata loosely; at run time it is a sequence of (key, value) pairs.
    pairs: tuple[tuple[str, str | bytes], ...] = tuple(err.trailing_metadata() or ())  # type: ignore[arg-type]
    for key, value in pairs:
        if key == wire.ERROR_TYPE_KEY:
            error_type = value if isinstance(value, str) else value.decode()
    details = scrub(err.details() or "", keep=(claim_id,))
    if err.code() is grpc.StatusCode.UNAVAILABLE:
        reason = _tls.explain_failure(details, conf)
        if reason is not None:  # one line naming the setting, not gRPC's multi-line report
            return api.BridgeUnavailableError(f"TLS to the Bridge at {address}: {reason}")
    return wire.error_from_status(err.code(), details, error_type)
