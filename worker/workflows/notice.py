"""Telling a claim's CreateClaimWorkflow that the claim was resolved at the Bridge by someone
else (an operator's complete or cancel, the completion-period expiry).

Without it the claim workflow would keep waiting for a decision on a claim that is already over.
The notice is a hint: the claim workflow asks the Bridge before it acts on it.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from core.domain import ClaimStatus
    from worker.model import RESOLVED_SIGNAL, claim_workflow_id

# Histories recorded before these workflows sent the notice replay on the old branch.
NOTICE_PATCH = "notify-claim-workflow"


async def tell_claim_workflow(claim_id: str, status: ClaimStatus) -> None:
    """Signal ``claim-<id>`` that the claim is now ``status``; a claim workflow that is not
    running (closed, or the claim was started elsewhere) is not an error."""
    if not workflow.patched(NOTICE_PATCH):
        return
    handle = workflow.get_external_workflow_handle(claim_workflow_id(claim_id))
    try:
        await handle.signal(RESOLVED_SIGNAL, status.value)
    except ApplicationError as err:
        workflow.logger.info("claim %s: no running claim workflow to tell (%s)", claim_id, err)
