"""The activities: one Bridge call each, named as the retry matrix names them.

A domain error from the Bridge is re-raised as ``ApplicationError`` carrying its type and whether
a retry can help, so the matrix in :mod:`worker.retry` and the workflows see the same names
(``ValidationError``, ``NotFoundError``...). PIX keys reach the log only masked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from core import domain
from worker.bridge.api import Bridge, BridgeError, CancelReason, ClaimRecord, ClaimRequest
from worker.model import ClaimInput
from worker.validation import mask_key

T = TypeVar("T")


@dataclass(frozen=True)
class CancelRequest:
    claim_id: str
    reason: CancelReason


@dataclass(frozen=True)
class NotifyRequest:
    claim_id: str
    confirmed: bool


async def _bridge(call: Awaitable[T]) -> T:
    try:
        return await call
    except BridgeError as err:
        raise ApplicationError(
            str(err), type=err.error_type, non_retryable=err.non_retryable
        ) from err


class ClaimActivities:
    """Activities bound to one Bridge client (shared: the client is safe for concurrent calls)."""

    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge

    @activity.defn(name=domain.CREATE_CLAIM)
    async def create_claim(self, claim: ClaimInput) -> ClaimRecord:
        activity.logger.info(
            "creating claim %s on key %s", claim.claim_id, mask_key(claim.entry_key)
        )
        request = ClaimRequest(
            claim.claim_id, claim.entry_key, claim.claimer_ispb, claim.owner_ispb
        )
        return await _bridge(self.bridge.create_claim(request))

    @activity.defn(name=domain.COMPLETE_CLAIM)
    async def complete_claim(self, claim_id: str) -> ClaimRecord:
        return await _bridge(self.bridge.complete_claim(claim_id))

    @activity.defn(name=domain.CANCEL_CLAIM)
    async def cancel_claim(self, request: CancelRequest) -> ClaimRecord:
        return await _bridge(self.bridge.cancel_claim(request.claim_id, request.reason))

    @activity.defn(name=domain.GET_CLAIM)
    async def get_claim(self, claim_id: str) -> ClaimRecord:
        return await _bridge(self.bridge.get_claim(claim_id))

    @activity.defn(name=domain.TRANSFER_ENTRY)
    async def transfer_entry(self, claim_id: str) -> None:
        await _bridge(self.bridge.transfer_entry(claim_id))

    @activity.defn(name=domain.NOTIFY_USERS)
    async def notify_users(self, request: NotifyRequest) -> None:
        await _bridge(self.bridge.notify_users(request.claim_id, request.confirmed))

    def all(self) -> list[Callable[..., Any]]:
        """Every activity, for ``Worker(activities=...)``."""
        return [
            self.create_claim,
            self.complete_claim,
            self.cancel_claim,
            self.get_claim,
            self.transfer_entry,
            self.notify_users,
        ]
