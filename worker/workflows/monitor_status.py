"""MonitorStatusWorkflow: check a claim at the Bridge every 6 hours (TSP-001 §4.2).

Stops at the first terminal status (COMPLETED, CANCELLED, EXPIRED) or after 120 checks (30 days);
a failed check is logged and the next one happens on schedule. Told to stop (signal
``monitor-stop``: its claim resolved, or the claim's run failing), it finishes the check in flight,
if any, and returns. Cancelled (by an operator, or by a claim workflow of an earlier version), it
stops too, even when the cancel arrives while a check is in flight.
"""

from __future__ import annotations

import asyncio
import contextlib

from temporalio import workflow
from temporalio.exceptions import ActivityError, CancelledError

with workflow.unsafe.imports_passed_through():
    from core.domain import GET_CLAIM, MONITOR_STATUS_WORKFLOW
    from worker.bridge.api import TERMINAL_STATUSES, ClaimRecord
    from worker.model import MONITOR_STOP_SIGNAL, MonitorInput, MonitorResult
    from worker.workflows.calls import call


# A cancel that arrives while a check is in flight waits for the check to settle (no activity
# outlives its workflow), and the check's own ending (a result, a failure, a timeout once the
# worker that ran it died) then says nothing of the cancel: before this change the monitor slept
# six hours to its next check while its claim waited for it.
STOP_WHEN_CANCELLED_MID_CHECK = "monitor-stops-when-cancelled-mid-check"


def _cancelled_mid_check() -> bool:
    """Whether this workflow was cancelled while the check just settled was in flight: the call
    took the cancel, so only the workflow's cancellation reason still says so."""
    return workflow.cancellation_reason() is not None


@workflow.defn(name=MONITOR_STATUS_WORKFLOW)
class MonitorStatusWorkflow:
    def __init__(self) -> None:
        self._stop = False

    @workflow.run
    async def run(self, request: MonitorInput) -> MonitorResult:
        last, check = None, 0
        for check in range(1, request.max_checks + 1):
            try:
                record = await call(GET_CLAIM, request.claim_id, ClaimRecord, settle_on_cancel=True)
            except ActivityError as err:
                if isinstance(err.cause, CancelledError):
                    raise  # the monitor itself was cancelled: stop now
                workflow.logger.warning(
                    "claim %s: check %d failed: %s", request.claim_id, check, err
                )
            else:
                last = record.status
                if last in TERMINAL_STATUSES:
                    break
            if self._stop:
                break
            if _cancelled_mid_check() and workflow.patched(STOP_WHEN_CANCELLED_MID_CHECK):
                raise asyncio.CancelledError  # ends the monitor cancelled, as asked
            if check < request.max_checks:
                # The timer a sleep would start, cut short by the stop signal.
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: self._stop, timeout=request.interval_seconds
                    )
                if self._stop:
                    break
        return MonitorResult(check, last)

    @workflow.signal(name=MONITOR_STOP_SIGNAL)
    def stop(self) -> None:
        self._stop = True
