"""The earliest-deadline search, against a fake clock and a fake counter.

The counter answers exactly what visibility answers for ``DictClaimDeadline < moment``; the live
tests check visibility does answer it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exporters import deadline

DAY = timedelta(days=1)
RESOLUTION = timedelta(minutes=1)
MAX_OVERDUE = timedelta(days=90)
NOW = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


class FakeCounter:
    """Open claims as deadlines; counts the way a visibility count would."""

    def __init__(self, deadlines: list[datetime]) -> None:
        self.deadlines = deadlines
        self.calls = 0

    async def count_before(self, moment: datetime) -> int:
        self.calls += 1
        return sum(1 for d in self.deadlines if d < moment)


async def earliest(counter: FakeCounter, now: datetime = NOW, previous=None):
    overdue = await counter.count_before(now)
    counter.calls = 0
    found = await deadline.earliest(
        counter.count_before, now, overdue, RESOLUTION, MAX_OVERDUE, previous
    )
    return found, (deadline.deadline_of(found, now) if found is not None else None)


@pytest.mark.parametrize(
    "offset",
    [DAY * 29.9, DAY * 2, timedelta(hours=5), timedelta(seconds=40), -timedelta(hours=1),
     -DAY * 3.3],
)  # fmt: skip
async def test_the_earliest_deadline_is_found_never_late_and_within_the_resolution(offset):
    first = NOW + offset
    counter = FakeCounter([first, first + DAY, NOW + DAY * 30])
    _, found = await earliest(counter)
    assert found is not None
    assert found <= first < found + RESOLUTION
    assert counter.calls <= deadline.max_search_calls(RESOLUTION, MAX_OVERDUE)


async def test_no_open_claim_with_a_deadline_means_no_deadline():
    bracket, found = await earliest(FakeCounter([]))
    assert bracket is None and found is None


async def test_a_claim_overdue_beyond_the_search_reports_the_maximum():
    _, found = await earliest(FakeCounter([NOW - DAY * 400, NOW + DAY]))
    assert found == NOW - MAX_OVERDUE


async def test_calls_are_bounded_by_the_configuration_not_the_number_of_claims():
    calls = []
    for claims in (10, 10_000):
        counter = FakeCounter([NOW + DAY * 29 * (i + 1) / claims for i in range(claims)])
        _, found = await earliest(counter)
        assert found is not None and found <= NOW + DAY * 29 / claims < found + RESOLUTION
        calls.append(counter.calls)
    assert calls[0] == calls[1] <= deadline.max_search_calls(RESOLUTION, MAX_OVERDUE)


async def test_the_next_refresh_confirms_the_same_claim_in_two_counts():
    first = NOW + DAY * 12.3
    counter = FakeCounter([first, NOW + DAY * 20])
    previous, _ = await earliest(counter)
    assert previous is not None
    later = NOW + timedelta(seconds=30)
    _, found = await earliest(counter, later, previous.moved(NOW, later))
    assert counter.calls == 2
    assert found is not None and found <= first < found + RESOLUTION


async def test_the_previous_bracket_is_dropped_when_its_claim_closes():
    first = NOW + DAY * 2
    counter = FakeCounter([first, NOW + DAY * 9])
    previous, _ = await earliest(counter)
    counter.deadlines.remove(first)
    _, found = await earliest(counter, NOW, previous)
    assert found is not None and found <= NOW + DAY * 9 < found + RESOLUTION
