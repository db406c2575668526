"""The retry matrix of the specification (TSP-001 §6) as data, and the options built from it.

One row per activity. Every workflow takes its activity options from here, so a change to the
matrix is one edit. Domain errors whose class is non-retryable (``NotFoundError`` on ``GetClaim``,
for instance) are also raised as non-retryable by the activities; the lists below name the types
the specification requires on top of that, so the policy stands even if a class changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio.common import RetryPolicy

from core.domain import (
    CANCEL_CLAIM,
    COMPLETE_CLAIM,
    CREATE_CLAIM,
    GET_CLAIM,
    NOTIFY_USERS,
    TRANSFER_ENTRY,
)


@dataclass(frozen=True)
class ActivityRetry:
    initial_interval: timedelta
    maximum_interval: timedelta
    maximum_attempts: int
    non_retryable: tuple[str, ...] = ()
    # A backstop for a hung process: the Bridge client's own deadline (5 s by default) ends a
    # slow call first, as a retryable BridgeUnavailableError the matrix then retries.
    start_to_close: timedelta = timedelta(seconds=30)
    backoff: float = 2.0

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            initial_interval=self.initial_interval,
            backoff_coefficient=self.backoff,
            maximum_interval=self.maximum_interval,
            maximum_attempts=self.maximum_attempts,
            non_retryable_error_types=list(self.non_retryable),
        )


_S = timedelta(seconds=1)
MATRIX: dict[str, ActivityRetry] = {
    CREATE_CLAIM: ActivityRetry(_S, 30 * _S, 3, ("ValidationError", "KeyAlreadyExistsError")),
    COMPLETE_CLAIM: ActivityRetry(_S, 30 * _S, 3, ("NotFoundError", "AlreadyResolvedError")),
    CANCEL_CLAIM: ActivityRetry(_S, 30 * _S, 3, ("NotFoundError",)),
    # §4.2 gives the status check a shorter timeout than the default.
    GET_CLAIM: ActivityRetry(_S, 15 * _S, 2, start_to_close=15 * _S),
    # Best effort: the workflow never fails because a notification did not go out.
    NOTIFY_USERS: ActivityRetry(2 * _S, 60 * _S, 5),
    # Not in the matrix. It runs after the claim is already completed at the Bridge, so giving
    # up early would leave a completed claim whose entry did not move; the call is idempotent per
    # claim id, so it gets more attempts than CompleteClaim (1+2+4+8 s of backoff) and fails
    # at once only on errors a retry cannot fix.
    TRANSFER_ENTRY: ActivityRetry(
        _S, 30 * _S, 5, ("ValidationError", "NotFoundError", "NotConfirmedError")
    ),
}

# §6.1: the CreateClaim workflow as a whole, as the starter sets it.
WORKFLOW_RETRY = RetryPolicy(
    initial_interval=5 * _S,
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=5,
)
