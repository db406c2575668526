"""One refresh: every number the exporter serves, taken from Temporal in one pass.

A snapshot is complete or it does not exist: if any call fails the whole refresh fails and the
previous snapshot stays published, so a scrape never sees a half-updated mix or a zero that only
means "could not ask". The calls a refresh makes are fixed by the configuration (see
:func:`planned_calls`), never by how many claims there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.domain import CLOSE_OUTCOMES, TRANSIENT_STATUSES
from core.visibility import ClaimQueries, open_of_type
from exporters import age, deadline
from exporters.config import ExporterConfig
from exporters.temporal_api import COUNT, DESCRIBE, QueueStats, TaskType, TemporalApi


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    claims_by_status: dict[str, int]
    workflows_by_type: dict[str, int]
    older_than: dict[str, int]  # age label ("28d") → count, in ladder order
    oldest_age_seconds: float
    near_deadline: int
    overdue: int
    closed_by_outcome: dict[str, int]
    closed_unresolved: dict[str, int]  # outcome → claims closed while open at the Bridge
    stuck: dict[str, int]  # transient status → open claims held in it past stuck_after
    queues: dict[tuple[str, TaskType], QueueStats]
    oldest: age.Bracket | None = None  # where the oldest open claim was found, for the next take
    # Unix time of the earliest deadline of an open claim (None: no open claim has one), and
    # where it was found, for the next take.
    earliest_deadline: float | None = None
    earliest: age.Bracket | None = None


async def take(
    api: TemporalApi, config: ExporterConfig, now: datetime, previous: Snapshot | None = None
) -> Snapshot:
    """Ask Temporal for everything; raises on the first failed call.

    With the ``previous`` snapshot the oldest claim is looked for where it was, and the ladder
    rungs older than it are not asked for (:mod:`exporters.age`): the usual refresh of a steady
    namespace makes a dozen fewer counts. The answers are the same.
    """
    queries = ClaimQueries(config.claim_workflow_types)
    by_status = {s: await api.count(queries.with_status(s)) for s in config.claim_statuses}
    by_type = {t: await api.count(open_of_type(t)) for t in config.workflow_types}

    async def count_older(threshold: timedelta) -> int:
        return await api.count(queries.started_before(now - threshold))

    bracket = None
    if previous is not None and previous.oldest is not None:
        moved = previous.oldest.moved(previous.taken_at, now)
        bracket = await age.recheck(count_older, moved, config.oldest_resolution)
    if bracket is not None:
        known_empty = bracket.high
        rungs = [0 if t >= known_empty else await count_older(t) for t in config.age_thresholds]
    else:
        rungs = await age.ladder(count_older, config.age_thresholds)
        bracket = await age.oldest_bracket(
            count_older,
            config.age_thresholds,
            rungs,
            config.oldest_resolution,
            config.oldest_max_age,
        )
    oldest = None
    if bracket is not None:
        oldest = bracket.oldest(config.oldest_resolution, config.oldest_max_age)
    near = await api.count(queries.deadline_between(now, now + config.near_deadline_window))
    overdue = await api.count(queries.deadline_before(now))

    async def count_before(moment: datetime) -> int:
        return await api.count(queries.deadline_before(moment))

    earliest = await deadline.earliest(
        count_before,
        now,
        overdue,
        config.oldest_resolution,
        config.oldest_max_age,
        previous.earliest.moved(previous.taken_at, now)
        if previous is not None and previous.earliest is not None
        else None,
    )
    groups = await api.count_groups(queries.closed_since(now - config.closed_window))
    unresolved = await api.count_groups(queries.closed_unresolved())
    stuck = {
        s.value: await api.count(queries.stuck_in(s.value, now - config.stuck_after))
        for s in TRANSIENT_STATUSES
    }
    queues = {
        (name, kind): await api.describe_task_queue(name, kind)
        for name in config.task_queues
        for kind in TaskType
    }
    return Snapshot(
        taken_at=now,
        claims_by_status=by_status,
        workflows_by_type=by_type,
        older_than=dict(zip(config.age_labels, rungs, strict=True)),
        oldest_age_seconds=oldest.total_seconds() if oldest is not None else 0.0,
        near_deadline=near,
        overdue=overdue,
        closed_by_outcome={
            label: groups.get(status, 0) for status, label in CLOSE_OUTCOMES.items()
        },
        closed_unresolved={
            label: unresolved.get(status, 0)
            for status, label in CLOSE_OUTCOMES.items()
            if status not in ("Completed", "ContinuedAsNew")
        },
        stuck=stuck,
        queues=queues,
        oldest=bracket,
        earliest_deadline=(
            deadline.deadline_of(earliest, now).timestamp() if earliest is not None else None
        ),
        earliest=earliest,
    )


def planned_calls(config: ExporterConfig) -> dict[str, int]:
    """The most calls one refresh makes, by call type: a function of the configuration only."""
    counts = (
        len(config.claim_statuses)
        + len(config.workflow_types)
        + len(config.age_thresholds)
        + age.RECHECK_CALLS
        + age.max_search_calls(
            config.age_thresholds, config.oldest_resolution, config.oldest_max_age
        )
        + deadline.max_search_calls(config.oldest_resolution, config.oldest_max_age)
        + 4  # near deadline, overdue, closed by outcome, closed unresolved
        + len(TRANSIENT_STATUSES)  # stuck claims
    )
    return {COUNT: counts, DESCRIBE: len(TaskType) * len(config.task_queues)}


def budget_seconds(config: ExporterConfig) -> float:
    """The longest the call budget alone can stretch a refresh (before any call's own time)."""
    calls = sum(planned_calls(config).values())
    return max(0, calls - config.visibility_burst) / config.visibility_rate
