"""The age ladder and the oldest-claim search, against a fake clock and a fake counter.

The counter answers exactly what visibility answers for ``StartTime < now - age``: that is the
only behaviour the search relies on, and the live tests check visibility does answer it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exporters import age

DAY = timedelta(days=1)
THRESHOLDS = [DAY * n for n in (1, 7, 14, 21, 28, 29, 30)]
RESOLUTION = timedelta(minutes=1)
MAX_AGE = timedelta(days=90)


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


class FakeCounter:
    """Open claims as start times; counts the way a visibility count would."""

    def __init__(self, clock: FakeClock, ages: list[timedelta]) -> None:
        self.clock = clock
        self.starts = [clock.now - a for a in ages]
        self.calls = 0

    async def count_older(self, threshold: timedelta) -> int:
        self.calls += 1
        cutoff = self.clock.now - threshold
        return sum(1 for start in self.starts if start < cutoff)


async def search(counter: FakeCounter) -> timedelta | None:
    rungs = await age.ladder(counter.count_older, THRESHOLDS)
    return await age.oldest_age(counter.count_older, THRESHOLDS, rungs, RESOLUTION, MAX_AGE)


async def test_ladder_counts_claims_older_than_each_threshold():
    clock = FakeClock()
    counter = FakeCounter(clock, [DAY * 2, DAY * 8, DAY * 28.5, DAY * 31, timedelta(hours=1)])
    assert await age.ladder(counter.count_older, THRESHOLDS) == [4, 3, 2, 2, 2, 1, 1]
    assert counter.calls == len(THRESHOLDS)


@pytest.mark.parametrize(
    "oldest",
    [timedelta(seconds=30), timedelta(hours=5), DAY * 3.3, DAY * 28 + timedelta(hours=7),
     DAY * 29.99, DAY * 45],
)  # fmt: skip
async def test_oldest_age_is_found_to_the_resolution(oldest):
    clock = FakeClock()
    counter = FakeCounter(clock, [oldest, oldest / 2, timedelta(seconds=1)])
    found = await search(counter)
    assert found is not None
    assert found <= oldest < found + 2 * RESOLUTION
    assert found % RESOLUTION == timedelta(0)  # rounded down to the resolution


async def test_no_open_claim_means_no_age_and_two_calls_at_most():
    counter = FakeCounter(FakeClock(), [])
    rungs = await age.ladder(counter.count_older, THRESHOLDS)
    found = await age.oldest_age(counter.count_older, THRESHOLDS, rungs, RESOLUTION, MAX_AGE)
    assert found is None
    assert counter.calls == len(THRESHOLDS) + 1


async def test_a_claim_older_than_the_search_range_reports_the_maximum():
    counter = FakeCounter(FakeClock(), [DAY * 400])
    assert await search(counter) == MAX_AGE


async def test_calls_are_bounded_by_the_configuration_not_the_number_of_claims():
    bound = len(THRESHOLDS) + age.max_search_calls(THRESHOLDS, RESOLUTION, MAX_AGE)
    calls = []
    for claims in (10, 10_000):
        clock = FakeClock()
        ages = [DAY * 29.5 * (i + 1) / claims for i in range(claims)]  # oldest 29.5 days
        counter = FakeCounter(clock, ages)
        found = await search(counter)
        assert found is not None and abs(found - DAY * 29.5) <= 2 * RESOLUTION
        calls.append(counter.calls)
    assert calls[0] == calls[1] <= bound
    # The widest gap (30d..90d at 1 minute) takes 17 halvings: the search is logarithmic.
    assert age.max_search_calls(THRESHOLDS, RESOLUTION, MAX_AGE) == 18


async def bracket_of(counter: FakeCounter) -> age.Bracket | None:
    rungs = await age.ladder(counter.count_older, THRESHOLDS)
    return await age.oldest_bracket(counter.count_older, THRESHOLDS, rungs, RESOLUTION, MAX_AGE)


async def test_the_next_refresh_finds_the_same_oldest_claim_in_two_counts():
    clock = FakeClock()
    counter = FakeCounter(clock, [DAY * 12.3, DAY * 2, timedelta(hours=3)])
    previous = await bracket_of(counter)
    assert previous is not None
    then = clock.now
    clock.now += timedelta(seconds=30)
    counter.calls = 0
    again = await age.recheck(counter.count_older, previous.moved(then, clock.now), RESOLUTION)
    assert again is not None and counter.calls == age.RECHECK_CALLS
    oldest = again.oldest(RESOLUTION, MAX_AGE)
    assert oldest <= DAY * 12.3 + timedelta(seconds=30) < oldest + 2 * RESOLUTION


async def test_the_previous_bracket_is_dropped_when_the_oldest_claim_closes_or_one_shows_late():
    clock = FakeClock()
    counter = FakeCounter(clock, [DAY * 12.3, DAY * 2])
    previous = await bracket_of(counter)
    assert previous is not None
    counter.starts.remove(clock.now - DAY * 12.3)  # the oldest claim closed
    assert await age.recheck(counter.count_older, previous, RESOLUTION) is None
    counter.starts.append(clock.now - DAY * 20)  # an older one, seen late by visibility
    assert await age.recheck(counter.count_older, previous, RESOLUTION) is None
