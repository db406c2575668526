"""The simulator's claim book: the DICT claim lifecycle, idempotent per claim id.

::

    create ──> WAITING_RESOLUTION ──complete──> CONFIRMED ──transfer──> COMPLETED
                       │                            │
                       └────────cancel──────────────┴──> CANCELLED (EXPIRED when reason is EXPIRED)

A retried call with the same claim id answers what the first call answered: never a second claim,
never a second transfer, never a second notification of the same outcome. At most one open claim
exists per PIX key. :meth:`Ledger.effects` counts the side effects that really happened, so a
test can prove each happened once however often the call was retried. Thread-safe, so tests can read
it while the gRPC server runs in another thread.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from core.domain import CLAIM_PERIOD as RESOLUTION_PERIOD
from worker import validation
from worker.bridge import api

# external ids are stable per claim id, so a simulator restart does not change them.
_EXTERNAL_ID_NAMESPACE = uuid.UUID("6f1c2a52-52c4-4d0e-9a55-0d1c7b0e2a11")


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Claim:
    request: api.ClaimRequest
    record: api.ClaimRecord
    notifications: list[bool] = field(default_factory=list)
    effects: Counter[str] = field(default_factory=Counter)

    @property
    def transfers(self) -> int:
        return self.effects["transfer"]


class Ledger:
    """Claims held in memory; every method validates its input like the real Bridge does."""

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._claims: dict[str, _Claim] = {}
        self._open_by_key: dict[str, str] = {}

    def create(self, request: api.ClaimRequest) -> api.ClaimRecord:
        validation.validate_claim_request(request)
        with self._lock:
            known = self._claims.get(request.claim_id)
            if known is not None:
                if known.request != request:
                    raise api.ValidationError(
                        "claim_id: already used for a claim with other data; use a new claim id"
                    )
                return known.record
            holder = self._open_by_key.get(request.entry_key)
            if holder is not None:
                raise api.KeyAlreadyExistsError(
                    f"entry_key: {validation.mask_key(request.entry_key)} already has an open "
                    f"claim ({holder}); wait for it to be resolved"
                )
            record = api.ClaimRecord(
                claim_id=request.claim_id,
                external_id=str(uuid.uuid5(_EXTERNAL_ID_NAMESPACE, request.claim_id)),
                status=api.ClaimStatus.WAITING_RESOLUTION,
                expires_at=self._clock() + RESOLUTION_PERIOD,
            )
            claim = _Claim(request=request, record=record)
            claim.effects["create"] += 1
            self._claims[request.claim_id] = claim
            self._open_by_key[request.entry_key] = request.claim_id
            return record

    def complete(self, claim_id: str) -> api.ClaimRecord:
        with self._lock:
            claim = self._get(claim_id)
            status = claim.record.status
            if status in (api.ClaimStatus.CANCELLED, api.ClaimStatus.EXPIRED):
                raise api.AlreadyResolvedError(f"claim_id: claim {claim_id} is {status.value}")
            if status is api.ClaimStatus.WAITING_RESOLUTION:
                self._set_status(claim, api.ClaimStatus.CONFIRMED)
                claim.effects["complete"] += 1
            return claim.record

    def cancel(self, claim_id: str, reason: api.CancelReason) -> api.ClaimRecord:
        with self._lock:
            claim = self._get(claim_id)
            status = claim.record.status
            if status is api.ClaimStatus.COMPLETED:
                raise api.AlreadyResolvedError(
                    f"claim_id: claim {claim_id} is COMPLETED; the key was already transferred"
                )
            if status not in api.TERMINAL_STATUSES:
                target = (
                    api.ClaimStatus.EXPIRED
                    if reason is api.CancelReason.EXPIRED
                    else api.ClaimStatus.CANCELLED
                )
                self._set_status(claim, target)
                claim.effects["cancel"] += 1
            return claim.record

    def get(self, claim_id: str) -> api.ClaimRecord:
        with self._lock:
            return self._get(claim_id).record

    def transfer(self, claim_id: str) -> bool:
        """Move the key to the claimer; False when it already moved (a retry)."""
        with self._lock:
            claim = self._get(claim_id)
            status = claim.record.status
            if status is api.ClaimStatus.COMPLETED:
                return False
            if status in (api.ClaimStatus.CANCELLED, api.ClaimStatus.EXPIRED):
                raise api.AlreadyResolvedError(f"claim_id: claim {claim_id} is {status.value}")
            if status is not api.ClaimStatus.CONFIRMED:
                raise api.NotConfirmedError(
                    f"claim_id: claim {claim_id} is {status.value}; CompleteClaim comes first"
                )
            claim.effects["transfer"] += 1
            self._set_status(claim, api.ClaimStatus.COMPLETED)
            return True

    def notify(self, claim_id: str, confirmed: bool) -> int:
        """Notify the claim's outcome once; the number of notifications sent for this claim so
        far. A retry of the same outcome sends nothing new."""
        with self._lock:
            claim = self._get(claim_id)
            if confirmed not in claim.notifications:
                claim.notifications.append(confirmed)
                claim.effects["notify"] += 1
            return len(claim.notifications)

    def records(self) -> dict[str, api.ClaimRecord]:
        with self._lock:
            return {claim_id: c.record for claim_id, c in self._claims.items()}

    def entry_keys(self) -> dict[str, str]:
        """Claim id → the PIX key the claim was created for (personal data: for tests that look
        for keys where they must not be)."""
        with self._lock:
            return {claim_id: c.request.entry_key for claim_id, c in self._claims.items()}

    def transfers(self, claim_id: str) -> int:
        with self._lock:
            claim = self._claims.get(claim_id)
            return claim.transfers if claim else 0

    def effects(self, claim_id: str) -> dict[str, int]:
        """Side effects that happened to the claim: ``create``, ``complete`` (confirmed),
        ``cancel`` (cancelled or expired), ``transfer``, ``notify``; missing means none."""
        with self._lock:
            claim = self._claims.get(claim_id)
            return dict(claim.effects) if claim else {}

    def notifications(self, claim_id: str) -> list[bool]:
        """The ``confirmed`` flag of each notification sent for the claim, oldest first."""
        with self._lock:
            claim = self._claims.get(claim_id)
            return list(claim.notifications) if claim else []

    def totals(self) -> tuple[int, int]:
        """(transfers, notifications) over every claim."""
        with self._lock:
            claims = self._claims.values()
            return sum(c.transfers for c in claims), sum(len(c.notifications) for c in claims)

    def _get(self, claim_id: str) -> _Claim:
        validation.validate_claim_id(claim_id)
        claim = self._claims.get(claim_id)
        if claim is None:
            raise api.NotFoundError(f"claim_id: no claim {claim_id}")
        return claim

    def _set_status(self, claim: _Claim, status: api.ClaimStatus) -> None:
        claim.record = replace(claim.record, status=status)
        if status in api.TERMINAL_STATUSES:
            self._open_by_key.pop(claim.request.entry_key, None)
