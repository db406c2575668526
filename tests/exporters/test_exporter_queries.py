"""The visibility queries, durations and the call plan: pure functions, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from core import visibility as queries
from exporters import config, deadline, snapshot
from exporters.age import max_search_calls
from toolkit import durations

NOW = datetime(2026, 11, 28, 18, 0, 0, tzinfo=UTC)


def test_claim_queries_filter_open_claims_of_the_claim_types():
    q = queries.ClaimQueries(("CreateClaimWorkflow",))
    assert q.open_claims() == "WorkflowType = 'CreateClaimWorkflow' AND ExecutionStatus = 'Running'"
    assert q.with_status("OPEN") == (
        "DictClaimStatus = 'OPEN' AND WorkflowType = 'CreateClaimWorkflow' AND CloseTime IS NULL"
    )
    two = queries.ClaimQueries(("A", "B"))
    assert two.open_claims().startswith("WorkflowType IN ('A', 'B') AND ")


def test_time_cutoffs_are_rfc3339_utc():
    q = queries.ClaimQueries(("C",))
    local = NOW.astimezone(timezone(timedelta(hours=-3)))
    assert q.started_before(local).endswith("StartTime < '2026-11-28T18:00:00.000000Z'")
    assert q.deadline_before(NOW).endswith("DictClaimDeadline < '2026-11-28T18:00:00.000000Z'")
    between = q.deadline_between(NOW, NOW + timedelta(hours=48))
    assert between.endswith(
        "BETWEEN '2026-11-28T18:00:00.000000Z' AND '2026-11-30T18:00:00.000000Z'"
    )
    with pytest.raises(ValueError, match="timezone"):
        q.started_before(datetime(2026, 1, 1))


def test_deadline_counts_leave_out_claims_already_resolved_and_notifying():
    q = queries.ClaimQueries(("C",))
    final = "DictClaimStatus NOT IN ('CANCELLED', 'COMPLETED', 'EXPIRED')"
    assert f" AND {final} AND " in q.deadline_before(NOW)
    assert f" AND {final} AND " in q.deadline_between(NOW, NOW + timedelta(hours=48))


def test_stuck_claims_are_counted_by_how_long_they_held_their_status():
    stuck = queries.ClaimQueries(("C",)).stuck_in("CONFIRMED", NOW)
    assert stuck == (
        "DictClaimStatus = 'CONFIRMED' AND WorkflowType = 'C' AND CloseTime IS NULL "
        "AND DictClaimStatusSince < '2026-11-28T18:00:00.000000Z'"
    )


def test_closed_claims_are_grouped_by_execution_status_only():
    closed = queries.ClaimQueries(("C",)).closed_since(NOW)
    assert closed.endswith("GROUP BY ExecutionStatus")
    assert "ExecutionStatus != 'Running'" in closed
    assert "GROUP BY WorkflowType" not in closed


def test_open_of_type_counts_one_type_and_never_groups_by_type():
    assert queries.open_of_type("MonitorStatusWorkflow") == (
        "WorkflowType BETWEEN 'MonitorStatusWorkflow' AND 'MonitorStatusWorkflow' "
        "AND ExecutionStatus = 'Running'"
    )


def test_a_quote_cannot_reach_a_query():
    with pytest.raises(ValueError):
        queries.open_of_type("x' OR '1'='1")
    with pytest.raises(config.ConfigError, match="--workflow-types"):
        config.load({"workflow_types": ["x' OR 1=1"]}, {})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("48h", 172800), ("28d", 2419200), ("1h30m", 5400), ("1w", 604800),
     ("250ms", 0.25)],
)  # fmt: skip
def test_durations_parse(text, seconds):
    assert durations.parse(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "10", "10x", "5m3", "-1s", "1.5h"])
def test_bad_durations_are_refused_with_an_example(text):
    with pytest.raises(ValueError, match="30s, 5m, 48h or 28d"):
        durations.parse(text)


def test_durations_format_in_the_largest_exact_units():
    assert durations.format(timedelta(days=28), weeks=False) == "28d"
    assert durations.format(timedelta(seconds=90), weeks=False) == "1m30s"
    assert durations.format(timedelta(0), weeks=False) == "0s"


def test_calls_per_refresh_follow_from_the_configuration_alone():
    default = config.load({}, {})
    plan = snapshot.planned_calls(default)
    # 6 statuses + 5 types + 7 rungs + the previous oldest rechecked (2) + the oldest-age
    # search + the earliest deadline (rechecked, then searched) + near, overdue, closed
    # recently, closed unresolved + stuck in OPEN and CONFIRMED.
    search = max_search_calls(
        default.age_thresholds, default.oldest_resolution, default.oldest_max_age
    )
    earliest = deadline.max_search_calls(default.oldest_resolution, default.oldest_max_age)
    assert earliest == 2 + 18  # 90 days behind now to 31 ahead, to the minute
    assert plan == {
        "count_workflows": 6 + 5 + 7 + 2 + search + earliest + 4 + 2,
        "describe_task_queue": 2,
    }
    # The default budget stays well inside a 30 s interval at 5 calls/s.
    assert sum(plan.values()) / default.visibility_rate < default.interval.total_seconds()
    wider = config.load({"task_queues": ["a", "b"], "age_thresholds": ["1d", "30d"]}, {})
    assert snapshot.planned_calls(wider)["describe_task_queue"] == 4
