"""ExpireCompletionPeriodWorkflow: cancel a claim when its completion period ends (TSP-001 §4.3).

Sleeps until ``expires_at`` and cancels the claim with reason EXPIRED. A deadline already past
returns at once without calling the Bridge (the claim's own workflow handles what is overdue).
A claim resolved in the meantime is left as it is. A claim it expires has its CreateClaimWorkflow
told, so that the claim workflow ends with it.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from core.domain import CANCEL_CLAIM, EXPIRE_COMPLETION_WORKFLOW, GET_CLAIM
    from worker.activities import CancelRequest
    from worker.bridge.api import CancelReason, ClaimRecord, ClaimStatus
    from worker.model import ExpireInput
    from worker.workflows.calls import call, error_type, final_error
    from worker.workflows.notice import tell_claim_workflow


@workflow.defn(name=EXPIRE_COMPLETION_WORKFLOW)
class ExpireCompletionPeriodWorkflow:
    @workflow.run
    async def run(self, request: ExpireInput) -> ClaimStatus | None:
        """The claim's status after the deadline, or None when it had already passed."""
        remaining = request.expires_at - workflow.now()
        if remaining.total_seconds() <= 0:
            workflow.logger.info("claim %s: deadline already passed", request.claim_id)
            return None
        await workflow.sleep(remaining)
        try:
            record = await call(
                CANCEL_CLAIM, CancelRequest(request.claim_id, CancelReason.EXPIRED), ClaimRecord
            )
        except ActivityError as err:
            if error_type(err) != "AlreadyResolvedError":
                raise final_error(CANCEL_CLAIM, err) from err
            workflow.logger.info("claim %s: resolved before its deadline", request.claim_id)
            record = await call(GET_CLAIM, request.claim_id, ClaimRecord)
            return record.status
        await tell_claim_workflow(request.claim_id, record.status)
        return record.status
