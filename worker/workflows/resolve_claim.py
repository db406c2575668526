"""CompleteClaimWorkflow and CancelClaimWorkflow: resolve a claim on request, idempotently.

Asking for what is already true succeeds (completing a completed claim, cancelling a cancelled
or expired one); asking for the opposite of what happened fails with ``AlreadyResolvedError``
naming the status the claim has. Once resolved, the claim's own CreateClaimWorkflow is told, so
that it ends with the claim instead of waiting for a decision that can no longer come.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from core.domain import (
        CANCEL_CLAIM,
        CANCEL_CLAIM_WORKFLOW,
        COMPLETE_CLAIM,
        COMPLETE_CLAIM_WORKFLOW,
        GET_CLAIM,
        TRANSFER_ENTRY,
    )
    from worker.activities import CancelRequest
    from worker.bridge.api import CancelReason, ClaimRecord, ClaimStatus
    from worker.model import ResolveInput
    from worker.workflows.calls import call, error_type, final_error
    from worker.workflows.notice import tell_claim_workflow


async def _resolve(
    name: str, arg: object, claim_id: str, wanted: frozenset[ClaimStatus]
) -> ClaimStatus:
    """Run the resolving activity; when the claim was already resolved, succeed only if it was
    resolved the way asked."""
    try:
        record = await call(name, arg, ClaimRecord)
    except ActivityError as err:
        if error_type(err) != "AlreadyResolvedError":
            raise final_error(name, err) from err
        record = await call(GET_CLAIM, claim_id, ClaimRecord)
    if record.status not in wanted:
        raise ApplicationError(
            f"claim {claim_id} is already {record.status}; {name} cannot change that",
            type="AlreadyResolvedError",
            non_retryable=True,
        )
    return record.status


@workflow.defn(name=COMPLETE_CLAIM_WORKFLOW)
class CompleteClaimWorkflow:
    @workflow.run
    async def run(self, request: ResolveInput) -> ClaimStatus:
        done = frozenset({ClaimStatus.COMPLETED, ClaimStatus.CONFIRMED})
        status = await _resolve(COMPLETE_CLAIM, request.claim_id, request.claim_id, done)
        # Idempotent per claim id: repeating it for an already completed claim is harmless and
        # makes sure the entry moved.
        try:
            await call(TRANSFER_ENTRY, request.claim_id, type(None))
        except ActivityError as err:
            raise final_error(TRANSFER_ENTRY, err) from err
        await tell_claim_workflow(request.claim_id, ClaimStatus.COMPLETED)
        return status


@workflow.defn(name=CANCEL_CLAIM_WORKFLOW)
class CancelClaimWorkflow:
    @workflow.run
    async def run(self, request: ResolveInput) -> ClaimStatus:
        done = frozenset({ClaimStatus.CANCELLED, ClaimStatus.EXPIRED})
        cancel = CancelRequest(request.claim_id, CancelReason.REQUESTED)
        status = await _resolve(CANCEL_CLAIM, cancel, request.claim_id, done)
        await tell_claim_workflow(request.claim_id, status)
        return status
