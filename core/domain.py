"""The domain's words, spelled once: workflow and activity types, claim statuses, outcomes,
search attributes and the claim period.

The worker names its workflows and activities with these, the exporter counts by them, and the
rules and dashboards match on them; a word that changes changes here.

>>> CLOSE_OUTCOMES["Canceled"] == CANCELLED == "cancelled"
True
"""

from __future__ import annotations

import enum
from datetime import timedelta

# Workflow types (the names the worker registers and Temporal stores as ``WorkflowType``).
CREATE_CLAIM_WORKFLOW = "CreateClaimWorkflow"
COMPLETE_CLAIM_WORKFLOW = "CompleteClaimWorkflow"
CANCEL_CLAIM_WORKFLOW = "CancelClaimWorkflow"
MONITOR_STATUS_WORKFLOW = "MonitorStatusWorkflow"
EXPIRE_COMPLETION_WORKFLOW = "ExpireCompletionPeriodWorkflow"
WORKFLOW_TYPES: tuple[str, ...] = (
    CREATE_CLAIM_WORKFLOW,
    COMPLETE_CLAIM_WORKFLOW,
    CANCEL_CLAIM_WORKFLOW,
    MONITOR_STATUS_WORKFLOW,
    EXPIRE_COMPLETION_WORKFLOW,
)
# The workflow types that are claims: one execution per claim, carrying its status and deadline.
CLAIM_WORKFLOW_TYPES: tuple[str, ...] = (CREATE_CLAIM_WORKFLOW,)

# Activity types: one per Bridge call (the rows of the specification's retry matrix).
CREATE_CLAIM = "CreateClaim"
COMPLETE_CLAIM = "CompleteClaim"
CANCEL_CLAIM = "CancelClaim"
GET_CLAIM = "GetClaim"
TRANSFER_ENTRY = "TransferEntry"
NOTIFY_USERS = "NotifyUsers"


class ClaimStatus(enum.StrEnum):
    """A claim's status at the Bridge, and the value of its status search attribute."""

    OPEN = "OPEN"
    WAITING_RESOLUTION = "WAITING_RESOLUTION"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    COMPLETED = "COMPLETED"
    EXPIRED = "EXPIRED"


TERMINAL_STATUSES = frozenset({ClaimStatus.COMPLETED, ClaimStatus.CANCELLED, ClaimStatus.EXPIRED})
# The statuses of a claim still open at the Bridge.
UNRESOLVED_STATUSES: tuple[ClaimStatus, ...] = tuple(
    s for s in ClaimStatus if s not in TERMINAL_STATUSES
)
# The status attribute a claim workflow run leaves behind when it fails and hands the claim to
# the run its retry policy starts: that run is not where the claim ended, so it is not counted
# among the claims closed unresolved.
HANDED_OVER = "HANDED_OVER"
# What the Bridge answers when it refuses a claim for a business reason (an invalid request, a
# key that already has an open claim): the claim's workflow fails, the platform worked.
BUSINESS_REFUSALS: tuple[str, ...] = ("ValidationError", "KeyAlreadyExistsError")

# The claim resolution period (DICT: 30 days): a claim nobody decides on is cancelled then.
CLAIM_PERIOD = timedelta(days=30)
# A claim this close to its deadline is "near" it: the exporter's default window, and the one
# the dashboards' links list.
NEAR_DEADLINE_HOURS = 48

# How a claim was resolved: the only values the worker's ``outcome`` label takes.
CONFIRMED, CANCELLED, EXPIRED = "confirmed", "cancelled", "expired"
RESOLUTION_OUTCOMES: tuple[str, ...] = (CONFIRMED, CANCELLED, EXPIRED)

# How a claim's execution closed, as visibility spells ``ExecutionStatus`` → the exporter's
# ``outcome`` label. ``cancelled`` is spelled as on the worker's metrics, so a query joining the
# two matches. A fixed set: every outcome has a series, 0 when no claim closed that way.
CLOSE_OUTCOMES: dict[str, str] = {
    "Completed": "completed",
    "Failed": "failed",
    "Canceled": CANCELLED,
    "Terminated": "terminated",
    "ContinuedAsNew": "continued_as_new",
    "TimedOut": "timed_out",
}

# Custom search attributes the claim workflows upsert and the exporter counts on.
SA_CLAIM_STATUS = "DictClaimStatus"  # Keyword
SA_CLAIM_DEADLINE = "DictClaimDeadline"  # Datetime
SA_CLAIMER_ISPB = "DictClaimerISPB"  # Keyword
SA_OWNER_ISPB = "DictOwnerISPB"  # Keyword
SA_CLAIM_STATUS_SINCE = "DictClaimStatusSince"  # Datetime: when the status was last set
SEARCH_ATTRIBUTES: dict[str, str] = {
    SA_CLAIM_STATUS: "Keyword",
    SA_CLAIM_DEADLINE: "Datetime",
    SA_CLAIMER_ISPB: "Keyword",
    SA_OWNER_ISPB: "Keyword",
    SA_CLAIM_STATUS_SINCE: "Datetime",
}
# Statuses a healthy claim leaves within minutes: OPEN until CreateClaim answers, CONFIRMED
# until CompleteClaim and TransferEntry do. A claim held in one for long is stuck.
TRANSIENT_STATUSES: tuple[ClaimStatus, ...] = (ClaimStatus.OPEN, ClaimStatus.CONFIRMED)
