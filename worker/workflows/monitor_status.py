"""MonitorStatusWorkflow: check a claim at the Bridge every 6 hours (TSP-001 §4.2).

Stops at the first terminal status (COMPLETED, CANCELLED, EXPIRED) or after 120 checks (30 days);
a failed check is logged and the next one happens on schedule.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, CancelledError

with workflow.unsafe.imports_passed_through():
    from core.domain import GET_CLAIM, MONITOR_STATUS_WORKFLOW
    from worker.bridge.api import TERMINAL_STATUSES, ClaimRecord
    from worker.model import MonitorInput, MonitorResult
    from worker.workflows.calls import call


@workflow.defn(name=MONITOR_STATUS_WORKFLOW)
class MonitorStatusWorkflow:
    @workflow.run
    async def run(self, request: MonitorInput) -> MonitorResult:
        last = None
        for check in range(1, request.max_checks + 1):
            try:
                record = await call(GET_CLAIM, request.claim_id, ClaimRecord, settle_on_cancel=True)
            except ActivityError as err:
                if isinstance(err.cause, CancelledError):
                    raise  # the monitor itself was cancelled (its claim resolved): stop now
                workflow.logger.warning(
                    "claim %s: check %d failed: %s", request.claim_id, check, err
                )
            else:
                last = record.status
                if last in TERMINAL_STATUSES:
                    return MonitorResult(check, last)
            if check < request.max_checks:
                await workflow.sleep(request.interval_seconds)
        return MonitorResult(request.max_checks, last)
