"""CreateClaimWorkflow: one claim from its creation at the Bridge to its resolution (TSP-001 §4.1).

Create the claim, then wait up to 30 days for the owner's decision (signal ``claim-decision`` or
update ``claim-decide``). Confirmed: complete the claim and transfer the entry. Rejected or no
decision in time: cancel it (reason REJECTED or EXPIRED). Then notify both parties; a failed
notification is logged, never fails the claim. The status search attribute follows every step.

A claim outlives the run that holds it. When a run fails (a Bridge outage longer than an
activity's attempts), the workflow retry policy starts a new run with the original input; the
failing run hands the claim's first start and the owner's decision to it in the failure's
details (:class:`~worker.model.ResumeState`), and the new run asks the Bridge where the claim is
(CreateClaim is idempotent, GetClaim tells the status). So the deadline never moves, a decision
is never lost, and each Bridge side effect happens once. A claim resolved elsewhere (an
operator's complete or cancel, the expiry workflow, or what the monitor sees at the Bridge) is
taken as the Bridge has it. docs/worker.md, "A claim survives a failed run", gives the reasoning.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    ChildWorkflowError,
    FailureError,
)
from temporalio.workflow import ChildWorkflowHandle, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from core.domain import (
        BUSINESS_REFUSALS,
        CANCEL_CLAIM,
        CANCELLED,
        COMPLETE_CLAIM,
        CONFIRMED,
        CREATE_CLAIM,
        CREATE_CLAIM_WORKFLOW,
        EXPIRED,
        GET_CLAIM,
        NOTIFY_USERS,
        TERMINAL_STATUSES,
        TRANSFER_ENTRY,
        ClaimStatus,
    )
    from worker import metrics, search_attributes
    from worker.activities import CancelRequest, NotifyRequest
    from worker.bridge.api import CancelReason, ClaimRecord
    from worker.model import (
        DECISION_SIGNAL,
        DECISION_UPDATE,
        MONITOR_STOP_SIGNAL,
        RESOLVED_SIGNAL,
        STATUS_QUERY,
        ClaimInput,
        ClaimState,
        MonitorInput,
        MonitorResult,
        ResumeState,
        monitor_workflow_id,
    )
    from worker.workflows.calls import call, error_type, final_error
    from worker.workflows.monitor_status import MonitorStatusWorkflow

# Claims started before this change have no status monitor; workflow.patched() keeps their
# histories replaying (docs/worker.md, Versioning). Step 2 of 3: once no claim started before
# the change is open (31 days after the deploy), switch to workflow.deprecate_patch().
MONITOR_PATCH = "monitor-status-child"
# Claims started before this change do not set DictClaimStatusSince; their histories replay.
STATUS_SINCE_PATCH = "claim-status-since"
# Claims started before this change cancel their monitor instead of telling it to stop.
STOP_MONITOR_PATCH = "stop-monitor-by-signal"

# How each terminal status at the Bridge reads as the claim's outcome.
OUTCOMES = {
    ClaimStatus.COMPLETED: CONFIRMED,
    ClaimStatus.CANCELLED: CANCELLED,
    ClaimStatus.EXPIRED: EXPIRED,
}
# The run's failure type when a retry may help: the next run resumes the claim.
RUN_FAILED = "ClaimRunFailed"


@workflow.defn(name=CREATE_CLAIM_WORKFLOW)
class CreateClaimWorkflow:
    def __init__(self) -> None:
        self._status = ClaimStatus.OPEN
        self._first_start = datetime.min
        self._deadline = datetime.min
        self._outcome: str | None = None
        self._decision: bool | None = None
        self._deciding = True  # False once the wait for a decision is over
        self._resolved_elsewhere = False  # a notice that the claim may be resolved already
        self._following: asyncio.Task[None] | None = None  # reads the monitor's result
        self._monitor: ChildWorkflowHandle[Any, MonitorResult] | None = None

    @workflow.run
    async def run(self, claim: ClaimInput) -> ClaimState:
        info = workflow.info()
        carried = _carried_state()
        self._first_start = carried.first_start if carried else info.workflow_start_time
        if carried and self._decision is None:
            self._decision = carried.decision
        self._deadline = self._first_start + claim.period()
        if info.attempt == 1:  # a retried run is the same claim
            metrics.claim_started()
        workflow.upsert_search_attributes(
            search_attributes.initial_updates(claim, self._deadline, self._since())
        )
        try:
            await self._settle(claim)
        except ActivityError as err:
            # The next run starts its own monitor: this one must not outlive the run.
            if self._monitor is not None:
                await self._stop_monitor(self._monitor)
            failure = self._run_failure(err)
            if _will_retry(failure):
                # Not where the claim ends: kept out of the claims closed unresolved.
                workflow.upsert_search_attributes(search_attributes.handed_over())
            raise failure from err

        try:
            await call(NOTIFY_USERS, NotifyRequest(claim.claim_id, self._confirmed()), type(None))
        except ActivityError as err:
            workflow.logger.warning("claim %s: notification failed: %s", claim.claim_id, err)
        return self.state()

    async def _settle(self, claim: ClaimInput) -> None:
        """Bring the claim from wherever it is at the Bridge to a terminal status."""
        record = await call(CREATE_CLAIM, claim, ClaimRecord)
        if workflow.info().attempt > 1:
            # A retried run: the claim may have moved while the failed run held it.
            record = await call(GET_CLAIM, claim.claim_id, ClaimRecord)
        if record.status in TERMINAL_STATUSES:
            self._deciding = False
            self._resolve(record.status)
            return
        if record.status is ClaimStatus.CONFIRMED:  # completed, the transfer still owed
            self._deciding = False
            self._move(ClaimStatus.CONFIRMED)
            await self._transfer(claim.claim_id)
            return

        self._move(ClaimStatus.WAITING_RESOLUTION)
        monitor = None
        # A retried run that already holds the decision has nothing to watch for.
        watch = workflow.info().attempt == 1 or self._decision is None
        if watch and workflow.patched(MONITOR_PATCH):
            monitor = await self._start_monitor(claim.claim_id)
        status = await self._wait_for_decision(claim.claim_id)
        if status is None:
            status = await self._act_on_decision(claim.claim_id)
        if status is not None:
            self._resolve(status)
        if monitor is not None:
            await self._stop_monitor(monitor)

    async def _wait_for_decision(self, claim_id: str) -> ClaimStatus | None:
        """Wait for the decision or the deadline; the Bridge's terminal status instead when the
        claim turns out to be resolved elsewhere meanwhile."""
        while True:
            remaining = max(self._deadline - workflow.now(), timedelta(0))
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._decision is not None or self._resolved_elsewhere,
                    timeout=remaining,
                )
            if self._decision is not None or not self._resolved_elsewhere:
                self._deciding = False
                return None
            # A notice, not a fact: the Bridge says whether the claim really ended.
            self._resolved_elsewhere = False
            record = await call(GET_CLAIM, claim_id, ClaimRecord)
            if record.status in TERMINAL_STATUSES:
                self._deciding = False
                return record.status

    async def _act_on_decision(self, claim_id: str) -> ClaimStatus | None:
        """Confirm, reject or expire at the Bridge; the status the claim ends in, or None when
        the transfer already set it."""
        if self._decision:
            self._move(ClaimStatus.CONFIRMED)
            ended = await self._resolving(COMPLETE_CLAIM, claim_id, claim_id)
            if ended is not None:
                return ended
            await self._transfer(claim_id)
            return None
        reason = CancelReason.REJECTED if self._decision is False else CancelReason.EXPIRED
        ended = await self._resolving(CANCEL_CLAIM, CancelRequest(claim_id, reason), claim_id)
        if ended is not None:
            return ended
        return ClaimStatus.CANCELLED if self._decision is False else ClaimStatus.EXPIRED

    async def _transfer(self, claim_id: str) -> None:
        ended = await self._resolving(TRANSFER_ENTRY, claim_id, claim_id)
        self._resolve(ended or ClaimStatus.COMPLETED)

    async def _resolving(self, name: str, arg: Any, claim_id: str) -> ClaimStatus | None:
        """Run a resolving activity; when the Bridge says the claim was resolved already (by an
        operator, or by a run whose reply was lost), the status it was resolved to."""
        try:
            await call(name, arg, ClaimRecord if name != TRANSFER_ENTRY else type(None))
        except ActivityError as err:
            if error_type(err) != "AlreadyResolvedError":
                raise
            record = await call(GET_CLAIM, claim_id, ClaimRecord)
            if record.status not in TERMINAL_STATUSES:
                raise
            workflow.logger.info("claim %s: already %s at the Bridge", claim_id, record.status)
            return record.status
        return None

    def _run_failure(self, err: ActivityError) -> BaseException:
        """What the run fails with: for good when no retry can help, else carrying the claim's
        state to the next run."""
        final = final_error(err.activity_type, err)
        if isinstance(final, ApplicationError) and final.non_retryable:
            if final.type in BUSINESS_REFUSALS:
                metrics.claim_refused(final.type)
            return final
        cause = err.cause or err
        return ApplicationError(
            f"{err.activity_type}: {cause}; the next run resumes the claim",
            ResumeState(self._first_start, self._decision),
            type=RUN_FAILED,
        )

    async def _start_monitor(self, claim_id: str) -> ChildWorkflowHandle[Any, MonitorResult]:
        """Watch the claim at the Bridge every 6 hours while it is open; a terminal status it
        sees resolves the claim here too."""
        monitor = await workflow.start_child_workflow(
            MonitorStatusWorkflow.run,
            MonitorInput(claim_id),
            id=monitor_workflow_id(claim_id, workflow.info().attempt),
            # Should this run fail, the server ends the monitor with it.
            parent_close_policy=ParentClosePolicy.TERMINATE,
        )

        async def follow() -> None:
            with contextlib.suppress(ChildWorkflowError):
                seen = await monitor
                if seen.last_status in TERMINAL_STATUSES:
                    self._resolved_elsewhere = True

        self._following = asyncio.create_task(follow())
        self._monitor = monitor
        return monitor

    async def _stop_monitor(self, monitor: ChildWorkflowHandle[Any, MonitorResult]) -> None:
        """The claim is resolved, or this run fails: tell the monitor to stop and wait for it,
        so that no workflow outlives its claim or its run.

        A signal rather than a cancel: the monitor finishes the check in flight and returns, and
        the server holds the signal in order with the monitor's timers (the time-skipping test
        server lets its clock jump while a cancel is on its way, but not a signal)."""
        if workflow.patched(STOP_MONITOR_PATCH):
            if self._following is not None and not self._following.done():
                try:
                    await monitor.signal(MONITOR_STOP_SIGNAL)
                except FailureError as err:  # it ended meanwhile: nothing left to stop
                    workflow.logger.info("monitor already ended: %s", err)
        else:
            monitor.cancel()
        # It ends as told (or finished on its own, having seen the terminal status).
        with contextlib.suppress(ChildWorkflowError):
            await monitor
        self._monitor = None

    def _confirmed(self) -> bool:
        return self._outcome == CONFIRMED

    def _move(self, status: ClaimStatus) -> None:
        self._status = status
        workflow.upsert_search_attributes(search_attributes.status_update(status, self._since()))

    def _since(self) -> datetime | None:
        """Now, for the status-since attribute; None for a claim started before it existed."""
        return workflow.now() if workflow.patched(STATUS_SINCE_PATCH) else None

    def _resolve(self, status: ClaimStatus) -> None:
        self._move(status)
        self._outcome = OUTCOMES[status]
        metrics.claim_resolved(self._outcome, workflow.now() - self._first_start)

    @workflow.signal(name=DECISION_SIGNAL)
    def decision_signal(self, confirm: Any) -> None:
        # A signal cannot be refused; anything but a bool is logged and ignored so that garbage
        # never resolves a claim. The first decision wins; one that comes too late is logged.
        if not isinstance(confirm, bool):
            workflow.logger.warning("ignored %s: expected true or false", DECISION_SIGNAL)
            return
        if self._decision is not None:
            return
        if not self._deciding:
            workflow.logger.warning("ignored %s: %s", DECISION_SIGNAL, self._too_late())
            return
        self._decision = confirm

    @workflow.signal(name=RESOLVED_SIGNAL)
    def resolved_signal(self, status: Any) -> None:
        workflow.logger.info("told the claim was resolved elsewhere (%s)", status)
        if self._deciding:
            self._resolved_elsewhere = True

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
        if not self._deciding:
            raise ValueError(f"decision: {self._too_late()}")

    def _too_late(self) -> str:
        if workflow.now() >= self._deadline:
            deadline = self._deadline.isoformat(timespec="seconds")
            return f"the claim's deadline passed at {deadline}; it expires (status {self._status})"
        return f"the claim is already resolved at the Bridge (status {self._status})"

    @workflow.query(name=STATUS_QUERY)
    def state(self) -> ClaimState:
        return ClaimState(self._status, self._deadline, self._outcome)


def _will_retry(failure: BaseException) -> bool:
    """Whether the workflow retry policy starts another run after this failure."""
    if not isinstance(failure, ApplicationError) or failure.non_retryable:
        return False
    info = workflow.info()
    policy = info.retry_policy
    if policy is None:
        return False
    return policy.maximum_attempts == 0 or info.attempt < policy.maximum_attempts


def _carried_state() -> ResumeState | None:
    """The state a failed earlier run handed over, if this run is its retry."""
    failure = workflow.get_last_failure() if workflow.info().attempt > 1 else None
    if not isinstance(failure, ApplicationError) or failure.type != RUN_FAILED:
        return None
    if not failure.details or not isinstance(failure.details[0], dict):
        return None
    carried = failure.details[0]
    decision = carried.get("decision")
    return ResumeState(
        first_start=datetime.fromisoformat(carried["first_start"]),
        decision=decision if isinstance(decision, bool) else None,
    )
