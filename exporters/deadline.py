"""The earliest deadline of an open claim, found the same bounded way as the oldest claim.

Visibility cannot sort, so the deadline is searched with counts, as :mod:`exporters.age` searches
the oldest start time. A claim's *lateness* (how far *now* is past its deadline) grows with time
exactly as its age does, and "claims later than L" is one count::

    count(DictClaimDeadline < now + horizon - L)

where the *horizon* is the furthest a deadline can be ahead of *now* (the claim period, plus a day
for clocks that disagree). With that count as ``count_older`` the age search finds the latest
lateness, that is the earliest deadline, in a number of counts fixed by the configuration; the
overdue count the refresh makes anyway is its one ladder rung (lateness ``horizon`` is deadline
``now``), and the previous refresh's bracket is rechecked the same way.

The deadline reported is the early end of the bracket: never later than the real one, at most the
resolution earlier, so a countdown built on it errs on the side of acting sooner. A claim overdue
by more than ``max_overdue`` is reported as overdue by that much.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from core.domain import CLAIM_PERIOD
from exporters import age

CountBefore = Callable[[datetime], Awaitable[int]]
HORIZON = CLAIM_PERIOD + timedelta(days=1)


def span(max_overdue: timedelta) -> timedelta:
    """The lateness range searched: from ``HORIZON`` ahead of *now* to ``max_overdue`` behind."""
    return HORIZON + max_overdue


def max_search_calls(resolution: timedelta, max_overdue: timedelta) -> int:
    """The most counts :func:`earliest` makes, whatever the data (the overdue rung is given)."""
    return age.RECHECK_CALLS + age.max_search_calls([HORIZON], resolution, span(max_overdue))


async def earliest(
    count_before: CountBefore,
    now: datetime,
    overdue: int,
    resolution: timedelta,
    max_overdue: timedelta,
    previous: age.Bracket | None = None,
) -> age.Bracket | None:
    """The lateness bracket of the claim with the earliest deadline; None when no open claim has
    a deadline. ``overdue`` is the count of open claims past their deadline at ``now``;
    ``previous`` is the last refresh's bracket, already moved to ``now``."""

    async def later_than(lateness: timedelta) -> int:
        return await count_before(now + HORIZON - lateness)

    if previous is not None:
        found = await age.recheck(later_than, previous, resolution)
        if found is not None:
            return found
    return await age.oldest_bracket(later_than, [HORIZON], [overdue], resolution, span(max_overdue))


def deadline_of(bracket: age.Bracket, now: datetime) -> datetime:
    """The earliest deadline a bracket stands for: its early end (see the module's docstring)."""
    return now + HORIZON - bracket.high
