"""Running an activity from workflow code with its row of the retry matrix."""

from __future__ import annotations

from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from worker.retry import MATRIX

T = TypeVar("T")


async def call(name: str, arg: Any, result_type: type[T], *, settle_on_cancel: bool = False) -> T:
    """Run activity ``name`` with ``arg`` under its matrix row (timeout and retry policy).

    ``settle_on_cancel``: when the workflow is cancelled mid-call, wait for the call in flight to
    end before the workflow does, so that no activity outlives its workflow."""
    row = MATRIX[name]
    result: T = await workflow.execute_activity(
        name,
        arg,
        start_to_close_timeout=row.start_to_close,
        retry_policy=row.policy(),
        result_type=result_type,
        cancellation_type=(
            ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
            if settle_on_cancel
            else ActivityCancellationType.TRY_CANCEL
        ),
    )
    return result


def final_error(name: str, err: ActivityError) -> BaseException:
    """The error a workflow fails with after activity ``name`` gave up.

    A non-retryable cause (bad input, unknown claim) makes the workflow failure non-retryable
    too: re-running the whole workflow under its retry policy could not fix it.
    """
    cause = err.cause
    if isinstance(cause, ApplicationError) and (
        cause.non_retryable or cause.type in MATRIX[name].non_retryable
    ):
        return ApplicationError(f"{name}: {cause.message}", type=cause.type, non_retryable=True)
    return err


def error_type(err: ActivityError) -> str | None:
    """The domain error type behind an activity failure (``NotFoundError``...), if any."""
    cause = err.cause
    return cause.type if isinstance(cause, ApplicationError) else None
