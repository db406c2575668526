"""What clients do with claims: start one, decide it, read its status.

Each failure a user can meet becomes a :class:`ClaimError` whose message names the input and the
fix: invalid input (nothing is started), a claim id already used, an unknown claim, a claim
already decided, Temporal unreachable.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from core import settings
from core.domain import CLAIM_PERIOD
from worker import search_attributes
from worker.bridge.api import ClaimRequest, ValidationError
from worker.model import (
    DECISION_UPDATE,
    EXECUTION_TIMEOUT,
    STATUS_QUERY,
    ClaimInput,
    ClaimState,
    claim_workflow_id,
)
from worker.retry import WORKFLOW_RETRY
from worker.validation import validate_claim_id, validate_claim_request
from worker.workflows import CreateClaimWorkflow

# A decision or status needs a running worker to answer; past this, say so instead of hanging.
ANSWER_TIMEOUT = timedelta(seconds=10)


class ClaimError(Exception):
    """A claim operation that cannot proceed; the message is for the user."""


def _validated(value: object, field: str = "claim_id") -> str:
    try:
        return validate_claim_id(value, field)
    except ValidationError as err:
        raise ClaimError(str(err)) from None


def validate_claim(claim: ClaimInput) -> None:
    """ClaimError naming the first invalid field (claim id, ISPBs, PIX key)."""
    request = ClaimRequest(claim.claim_id, claim.entry_key, claim.claimer_ispb, claim.owner_ispb)
    try:
        validate_claim_request(request)
    except ValidationError as err:
        raise ClaimError(str(err)) from None
    period = claim.period_seconds
    if period is not None and not 0 < period <= CLAIM_PERIOD.total_seconds():
        raise ClaimError(
            f"period: {period:g} s is outside the claim period; give more than 0 and at most "
            f"{CLAIM_PERIOD.days} days (leave it out for the specification's {CLAIM_PERIOD.days})"
        )


async def start_claim(
    client: Client, claim: ClaimInput, *, task_queue: str = settings.TASK_QUEUE
) -> WorkflowHandle[CreateClaimWorkflow, ClaimState]:
    """Validate ``claim`` and start its workflow ``claim-<claim id>``; nothing starts on bad input.

    The claim id is one claim for good: a second start is refused even after the first closed.
    """
    validate_claim(claim)
    # Provisional for searches until the workflow sets its own (its start + the claim period).
    now = datetime.now(UTC)
    deadline = now + claim.period()
    workflow_id = claim_workflow_id(claim.claim_id)
    try:
        return await client.start_workflow(
            CreateClaimWorkflow.run,
            claim,
            id=workflow_id,
            task_queue=task_queue,
            retry_policy=WORKFLOW_RETRY,
            execution_timeout=EXECUTION_TIMEOUT,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=search_attributes.initial(claim, deadline, now),
        )
    except WorkflowAlreadyStartedError:
        raise ClaimError(
            f"claim_id: claim {claim.claim_id} was already started (workflow {workflow_id}); "
            "a claim id is used once, start a new claim with a new id"
        ) from None
    except RPCError as err:
        raise _rpc_error(err, claim.claim_id) from None


def _rpc_error(err: RPCError, claim_id: str) -> ClaimError:
    if err.status is RPCStatusCode.NOT_FOUND:
        return ClaimError(
            f"claim_id: no claim {claim_id} (workflow {claim_workflow_id(claim_id)}); "
            "check the id or start it with `dictobs claim start`"
        )
    if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return ClaimError(
            f"Temporal did not answer ({err.status.name}): is the server up and TEMPORAL_ADDRESS "
            "right, and is `dictobs worker` running to answer for the claim?"
        )
    return ClaimError(f"claim {claim_id}: Temporal refused the call: {err.message}")


def _handle(client: Client, claim_id: str) -> WorkflowHandle[CreateClaimWorkflow, ClaimState]:
    workflow_id = claim_workflow_id(_validated(claim_id))
    return client.get_workflow_handle_for(CreateClaimWorkflow.run, workflow_id)


async def decide_claim(client: Client, claim_id: str, confirm: object) -> ClaimState:
    """Confirm (True) or reject (False) a claim waiting for its decision; the claim's state
    once the decision is accepted. Refused, with the reason, when ``confirm`` is not a bool or
    the claim was already decided."""
    if not isinstance(confirm, bool):
        raise ClaimError("decision: expected true (confirm) or false (reject)")
    handle = _handle(client, claim_id)
    try:
        state: ClaimState = await handle.execute_update(
            DECISION_UPDATE, confirm, result_type=ClaimState, rpc_timeout=ANSWER_TIMEOUT
        )
        return state
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        raise ClaimError(getattr(cause, "message", None) or str(cause)) from None
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            await _raise_if_closed(handle, claim_id)
        raise _rpc_error(err, claim_id) from None


async def _raise_if_closed(
    handle: WorkflowHandle[CreateClaimWorkflow, ClaimState], claim_id: str
) -> None:
    """Temporal answers NOT_FOUND for an update to a closed workflow too: tell the two apart."""
    try:
        desc = await handle.describe()
    except RPCError:
        return
    if desc.status is not None and desc.status is not WorkflowExecutionStatus.RUNNING:
        state = await handle.query(STATUS_QUERY, result_type=ClaimState, rpc_timeout=ANSWER_TIMEOUT)
        raise ClaimError(
            f"decision: claim {claim_id} is already decided and closed (status {state.status})"
        )


async def claim_status(client: Client, claim_id: str) -> ClaimState:
    """The claim's status and deadline, as its workflow answers ``claim-status``."""
    handle = _handle(client, claim_id)
    try:
        state: ClaimState = await handle.query(
            STATUS_QUERY, result_type=ClaimState, rpc_timeout=ANSWER_TIMEOUT
        )
        return state
    except RPCError as err:
        raise _rpc_error(err, claim_id) from None
