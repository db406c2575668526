"""CreateClaimWorkflow: one claim from its creation at the Bridge to its resolution (TSP-001 §4.1).

Create the claim, then wait up to 30 days for the owner's decision (signal ``claim-decision`` or
update ``claim-decide``). Confirmed: complete the claim and transfer the entry. Rejected or no
decision in time: cancel it (reason REJECTED or EXPIRED). Then notify both parties; a failed
notification is logged, never fails the claim. The status search attribute follows every step.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ChildWorkflowError
from temporalio.workflow import ChildWorkflowHandle, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from core.domain import (
        CANCEL_CLAIM,
        CANCELLED,
        CLAIM_PERIOD,
        COMPLETE_CLAIM,
        CONFIRMED,
        CREATE_CLAIM,
        CREATE_CLAIM_WORKFLOW,
        EXPIRED,
        NOTIFY_USERS,
        TRANSFER_ENTRY,
    )
    from worker import metrics, search_attributes
    from worker.activities import CancelRequest, NotifyRequest
    from worker.bridge.api import CancelReason, ClaimRecord, ClaimStatus
    from worker.model import (
        DECISION_SIGNAL,
        DECISION_UPDATE,
        STATUS_QUERY,
        ClaimInput,
        ClaimState,
        MonitorInput,
        MonitorResult,
        claim_workflow_id,
    )
    from worker.workflows.calls import call, final_error
    from worker.workflows.monitor_status import MonitorStatusWorkflow

# Claims started before this change have no status monitor; workflow.patched() keeps their
# histories replaying (docs/worker.md, Versioning). Step 2 of 3: once no claim started before
# the change is open (31 days after the deploy), switch to workflow.deprecate_patch().
MONITOR_PATCH = "monitor-status-child"


@workflow.defn(name=CREATE_CLAIM_WORKFLOW)
class CreateClaimWorkflow:
    def __init__(self) -> None:
        self._status = ClaimStatus.OPEN
        self._deadline = datetime.min
        self._outcome: str | None = None
        self._decision: bool | None = None

    @workflow.run
    async def run(self, claim: ClaimInput) -> ClaimState:
        started = workflow.info().workflow_start_time
        self._deadline = started + CLAIM_PERIOD
        if workflow.info().attempt == 1:  # a retried run is the same claim
            metrics.claim_started()
        workflow.upsert_search_attributes(search_attributes.initial_updates(claim, self._deadline))

        try:
            await call(CREATE_CLAIM, claim, ClaimRecord)
        except ActivityError as err:
            raise final_error(CREATE_CLAIM, err) from err
        self._move(ClaimStatus.WAITING_RESOLUTION)
        monitor = None
        if workflow.patched(MONITOR_PATCH):
            monitor = await self._start_monitor(claim.claim_id)

        confirmed = await self._wait_for_decision()
        if confirmed:
            self._move(ClaimStatus.CONFIRMED)
            await self._run(COMPLETE_CLAIM, claim.claim_id)
            await self._run(TRANSFER_ENTRY, claim.claim_id)
            self._resolve(ClaimStatus.COMPLETED, CONFIRMED, started)
        elif confirmed is False:
            await self._run(CANCEL_CLAIM, CancelRequest(claim.claim_id, CancelReason.REJECTED))
            self._resolve(ClaimStatus.CANCELLED, CANCELLED, started)
        else:
            await self._run(CANCEL_CLAIM, CancelRequest(claim.claim_id, CancelReason.EXPIRED))
            self._resolve(ClaimStatus.EXPIRED, EXPIRED, started)
        if monitor is not None:
            await self._stop_monitor(monitor)

        try:
            await call(NOTIFY_USERS, NotifyRequest(claim.claim_id, bool(confirmed)), type(None))
        except ActivityError as err:
            workflow.logger.warning("claim %s: notification failed: %s", claim.claim_id, err)
        return self.state()

    async def _start_monitor(self, claim_id: str) -> ChildWorkflowHandle[Any, MonitorResult]:
        """Watch the claim at the Bridge every 6 hours while it is open."""
        return await workflow.start_child_workflow(
            MonitorStatusWorkflow.run,
            MonitorInput(claim_id),
            id=f"{claim_workflow_id(claim_id)}-monitor",
            # Should this run fail, the server ends the monitor with it.
            parent_close_policy=ParentClosePolicy.TERMINATE,
        )

    async def _stop_monitor(self, monitor: ChildWorkflowHandle[Any, MonitorResult]) -> None:
        """The claim is resolved: cancel the monitor and wait for it, so that no workflow
        outlives its claim."""
        monitor.cancel()
        # It ends cancelled, as asked (or finished on its own, having seen the terminal status).
        with contextlib.suppress(ChildWorkflowError):
            await monitor

    async def _wait_for_decision(self) -> bool | None:
        """The decision, or None when the deadline passes first."""
        remaining = max(self._deadline - workflow.now(), timedelta(0))
        try:
            await workflow.wait_condition(lambda: self._decision is not None, timeout=remaining)
        except TimeoutError:
            return None
        return self._decision

    async def _run(self, name: str, arg: Any) -> None:
        try:
            await call(name, arg, ClaimRecord if name != TRANSFER_ENTRY else type(None))
        except ActivityError as err:
            raise final_error(name, err) from err

    def _move(self, status: ClaimStatus) -> None:
        self._status = status
        workflow.upsert_search_attributes(search_attributes.status_update(status))

    def _resolve(self, status: ClaimStatus, outcome: str, started: datetime) -> None:
        self._move(status)
        self._outcome = outcome
        metrics.claim_resolved(outcome, workflow.now() - started)

    @workflow.signal(name=DECISION_SIGNAL)
    def decision_signal(self, confirm: Any) -> None:
        # A signal cannot be refused; anything but a bool is logged and ignored so that garbage
        # never resolves a claim. The first decision wins.
        if not isinstance(confirm, bool):
            workflow.logger.warning("ignored %s: expected true or false", DECISION_SIGNAL)
            return
        if self._decision is None:
            self._decision = confirm

    @workflow.update(name=DECISION_UPDATE)
    def decide(self, confirm: Any) -> ClaimState:
        self._decision = confirm
        return self.state()

    @decide.validator
    def _validate_decision(self, confirm: Any) -> None:
        if not isinstance(confirm, bool):
            got = type(confirm).__name__
            raise ValueError(f"decision: expected true (confirm) or false (reject), got a {got}")
        if self._decision is not None or self._outcome is not None:
            raise ValueError(f"decision: this claim is already decided (status {self._status})")

    @workflow.query(name=STATUS_QUERY)
    def state(self) -> ClaimState:
        return ClaimState(self._status, self._deadline, self._outcome)
