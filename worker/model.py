"""What the claim workflows take, return and answer: inputs, the claim state and the names
clients use (workflow ids, signal, update and query names).

Kept free of I/O so that workflow code (run inside the SDK's sandbox) and clients share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.domain import CLAIM_PERIOD, ClaimStatus
from core.pii import mask_key

# The execution timeout that bounds the claim period (§6.1).
EXECUTION_TIMEOUT = timedelta(days=31)

DECISION_SIGNAL = "claim-decision"  # payload: true (confirm) or false (reject)
DECISION_UPDATE = "claim-decide"  # same decision, answered: rejected when not a bool
STATUS_QUERY = "claim-status"
# Sent by the workflows that resolve a claim at the Bridge on their own (an operator's complete
# or cancel, the completion-period expiry) to the claim's CreateClaimWorkflow; payload: the
# status they left the claim in. The claim workflow checks it with GetClaim before acting.
RESOLVED_SIGNAL = "claim-resolved"
# Sent by a claim's CreateClaimWorkflow to its status monitor once the claim is resolved or the
# run fails; no payload. The monitor finishes the check in flight, if any, and returns.
MONITOR_STOP_SIGNAL = "monitor-stop"


def claim_workflow_id(claim_id: str) -> str:
    """One workflow per claim: starting the same claim twice is refused by Temporal."""
    return f"claim-{claim_id}"


def monitor_workflow_id(claim_id: str, attempt: int = 1) -> str:
    """The status monitor of the claim workflow's run ``attempt``. Each run has its own: a failed
    run's may still be ending when the next starts. The first run's keeps the id it always had,
    so recorded histories replay.

    >>> monitor_workflow_id("c1"), monitor_workflow_id("c1", 2)
    ('claim-c1-monitor', 'claim-c1-monitor-2')
    """
    suffix = "" if attempt == 1 else f"-{attempt}"
    return f"{claim_workflow_id(claim_id)}-monitor{suffix}"


@dataclass(frozen=True)
class ClaimInput:
    claim_id: str
    entry_key: str
    claimer_ispb: str
    owner_ispb: str
    # The resolution period in seconds; None (every real claim): the specification's 30 days.
    # Shorter periods let drills and demos reach a claim's deadline in minutes.
    period_seconds: float | None = None

    def period(self) -> timedelta:
        """How long the owner has to decide, counted from the claim's first start."""
        if self.period_seconds is None:
            return CLAIM_PERIOD
        return timedelta(seconds=self.period_seconds)

    def __repr__(self) -> str:  # the key is personal data: masked in reprs and tracebacks
        period = "" if self.period_seconds is None else f", period_seconds={self.period_seconds!r}"
        return (
            f"{type(self).__name__}(claim_id={self.claim_id!r}, "
            f"entry_key={mask_key(self.entry_key)!r}, claimer_ispb={self.claimer_ispb!r}, "
            f"owner_ispb={self.owner_ispb!r}{period})"
        )


@dataclass(frozen=True)
class ResumeState:
    """What a failed CreateClaimWorkflow run hands to the run its retry policy starts next.

    A retry starts from the original input; this travels in the failure's details
    (``workflow.get_last_failure()`` in the next run), so the claim keeps the deadline of its
    first start and the owner's decision instead of starting over.
    """

    first_start: datetime  # the first run's start: the deadline is counted from here
    decision: bool | None = None  # the owner's decision, once received


@dataclass(frozen=True)
class ClaimState:
    """What ``claim-status`` answers."""

    status: ClaimStatus
    deadline: datetime  # when the claim auto-cancels if nobody decides
    outcome: str | None = None  # confirmed | cancelled | expired, once resolved


@dataclass(frozen=True)
class MonitorInput:
    claim_id: str
    interval_seconds: float = 6 * 3600.0  # every 6 hours (the JSON converter has no timedelta)
    max_checks: int = 120  # 30 days at 4 checks a day


@dataclass(frozen=True)
class MonitorResult:
    checks: int
    last_status: ClaimStatus | None  # None when no check succeeded


@dataclass(frozen=True)
class ExpireInput:
    claim_id: str
    expires_at: datetime  # timezone-aware


@dataclass(frozen=True)
class ResolveInput:
    claim_id: str
