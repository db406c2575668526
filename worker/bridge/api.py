"""What the activities need from the Bridge, and the domain errors it can answer with.

The gRPC client (``worker.bridge.client``) implements :class:`Bridge`; the simulator
(``worker.bridge.simulator``) serves the same service. Error classes carry the Temporal error
type the activity retry matrix names, so an activity re-raises them as ``ApplicationError`` with
``type=err.error_type`` and ``non_retryable=err.non_retryable``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# Claim statuses are the domain's words; re-exported for the Bridge's users.
from core.domain import TERMINAL_STATUSES as TERMINAL_STATUSES
from core.domain import ClaimStatus as ClaimStatus
from core.pii import mask_key


class CancelReason(enum.StrEnum):
    REJECTED = "REJECTED"  # the owner said no (claim-decision false)
    EXPIRED = "EXPIRED"  # the 30-day resolution period ran out
    REQUESTED = "REQUESTED"  # an operator asked for it (CancelClaimWorkflow)


@dataclass(frozen=True)
class ClaimRequest:
    claim_id: str
    entry_key: str
    claimer_ispb: str
    owner_ispb: str

    def __repr__(self) -> str:  # the key is personal data: masked in reprs and tracebacks
        return (
            f"{type(self).__name__}(claim_id={self.claim_id!r}, "
            f"entry_key={mask_key(self.entry_key)!r}, claimer_ispb={self.claimer_ispb!r}, "
            f"owner_ispb={self.owner_ispb!r})"
        )


@dataclass(frozen=True)
class ClaimRecord:
    claim_id: str
    external_id: str
    status: ClaimStatus
    expires_at: datetime  # timezone-aware UTC


class BridgeError(Exception):
    """A domain error from the Bridge. ``error_type`` is what Temporal sees."""

    error_type = "BridgeError"
    non_retryable = False


class ValidationError(BridgeError):
    """An input is malformed; the message names the field."""

    error_type = "ValidationError"
    non_retryable = True


class KeyAlreadyExistsError(BridgeError):
    error_type = "KeyAlreadyExistsError"
    non_retryable = True


class NotFoundError(BridgeError):
    error_type = "NotFoundError"
    non_retryable = True


class AlreadyResolvedError(BridgeError):
    error_type = "AlreadyResolvedError"
    non_retryable = True


class NotConfirmedError(BridgeError):
    """TransferEntry on a claim the owner has not confirmed yet (CompleteClaim comes first)."""

    error_type = "NotConfirmedError"
    non_retryable = True


class BridgeUnavailableError(BridgeError):
    """The Bridge did not answer (UNAVAILABLE, DEADLINE_EXCEEDED): retried by the matrix."""

    error_type = "BridgeUnavailableError"


class BridgeInternalError(BridgeError):
    """The Bridge failed (INTERNAL, UNKNOWN): retried by the matrix."""

    error_type = "BridgeInternalError"


class Bridge(Protocol):
    """The Bridge to the central bank, as the activities use it. All calls are idempotent per
    claim id: a retried call never creates a second claim or transfer."""

    async def create_claim(self, request: ClaimRequest) -> ClaimRecord: ...

    async def complete_claim(self, claim_id: str) -> ClaimRecord: ...

    async def cancel_claim(self, claim_id: str, reason: CancelReason) -> ClaimRecord: ...

    async def get_claim(self, claim_id: str) -> ClaimRecord: ...

    async def transfer_entry(self, claim_id: str) -> None: ...

    async def notify_users(self, claim_id: str, confirmed: bool) -> None: ...


class CallObserver(Protocol):
    """Told about every Bridge call the client makes (for the latency metric)."""

    def __call__(self, method: str, status: str, seconds: float) -> None: ...
