"""How old the open claims are, from counts alone.

Visibility cannot sort (no ``ORDER BY`` on SQL visibility) and listing a million claims is out of
the question, so age is measured with ``count(StartTime < now - age)``:

* the **ladder**: one count per configured threshold (1d, 7d, ... 30d);
* the **oldest open claim**: the ladder brackets it (older than the last rung with claims,
  younger than the first rung without), and a binary search over StartTime cutoffs narrows the
  bracket to the resolution. The number of counts depends on the configuration (thresholds,
  resolution, maximum age), never on how many claims there are.

* **from the previous refresh**: start times never change and new claims are younger, so the
  oldest open claim stays the same one until it closes. Two counts confirm the previous bracket
  (moved to this refresh's *now*) still holds, one more halves it back to the resolution, and
  ladder rungs above the bracket are known to be empty without asking. When the check fails
  (the oldest claim closed, or visibility shows a late one), the full search runs.

``count_older(age)`` must answer "how many open claims started more than ``age`` before the
refresh's fixed *now*"; using one *now* for every count keeps the counts consistent.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

CountOlder = Callable[[timedelta], Awaitable[int]]
# Extra counts a failed :func:`recheck` adds before the full search.
RECHECK_CALLS = 2


@dataclass(frozen=True)
class Bracket:
    """Some open claim is older than ``low``; none is older than ``high`` (ages at one *now*)."""

    low: timedelta
    high: timedelta

    def oldest(self, resolution: timedelta, max_age: timedelta) -> timedelta:
        """The reported age: ``low`` rounded down to the resolution, at most ``max_age`` (a
        bracket carried over from earlier refreshes keeps ageing past it)."""
        return min(resolution * (self.low // resolution), max_age)

    def moved(self, then: datetime, now: datetime) -> Bracket:
        """The same claims' bracket, ages taken at ``now`` instead of ``then``."""
        return Bracket(self.low + (now - then), self.high + (now - then))


async def ladder(count_older: CountOlder, thresholds: Sequence[timedelta]) -> list[int]:
    """Open claims older than each threshold, in the thresholds' order."""
    return [await count_older(threshold) for threshold in thresholds]


def search_steps(gap: timedelta, resolution: timedelta) -> int:
    """Counts a binary search needs to narrow ``gap`` down to ``resolution``."""
    if gap <= resolution:
        return 0
    return math.ceil(math.log2(gap / resolution))


def max_search_calls(
    thresholds: Sequence[timedelta], resolution: timedelta, max_age: timedelta
) -> int:
    """The most counts :func:`oldest_age` makes after the ladder, whatever the data."""
    edges = [timedelta(0), *thresholds, max_age]
    widest = max(search_steps(b - a, resolution) for a, b in itertools.pairwise(edges))
    # At most one extra count ("any open claim?" or "any older than max_age?") plus the search.
    return 1 + widest


async def oldest_age(
    count_older: CountOlder,
    thresholds: Sequence[timedelta],
    rungs: Sequence[int],
    resolution: timedelta,
    max_age: timedelta,
) -> timedelta | None:
    """Age of the oldest open claim, rounded down to ``resolution``; None when none is open.

    ``rungs`` are the ladder's counts for ``thresholds``. A claim older than ``max_age`` is
    reported as ``max_age``: by then the answer "older than any deadline" is what matters.
    """
    found = await oldest_bracket(count_older, thresholds, rungs, resolution, max_age)
    return None if found is None else found.oldest(resolution, max_age)


async def oldest_bracket(
    count_older: CountOlder,
    thresholds: Sequence[timedelta],
    rungs: Sequence[int],
    resolution: timedelta,
    max_age: timedelta,
) -> Bracket | None:
    """:func:`oldest_age`'s search, returning the bracket it narrowed (for the next refresh)."""
    older = [t for t, n in zip(thresholds, rungs, strict=True) if n > 0]
    younger = [t for t, n in zip(thresholds, rungs, strict=True) if n == 0]
    if older:
        low = max(older)
    else:
        if await count_older(timedelta(0)) == 0:
            return None
        low = timedelta(0)
    above = [t for t in younger if t > low]  # counts taken a moment apart may disagree a little
    if above:
        high = min(above)
    elif await count_older(max_age) > 0:
        return Bracket(max_age, max_age)  # beyond the search: no bracket worth keeping
    else:
        high = max_age
    return await _narrow(count_older, Bracket(low, high), resolution)


async def recheck(
    count_older: CountOlder, previous: Bracket, resolution: timedelta
) -> Bracket | None:
    """``previous`` (already moved to this refresh's *now*) narrowed again, or None when it no
    longer holds: no claim is older than its ``low`` (the oldest closed) or one is older than
    its ``high`` (visibility showed a claim late)."""
    if previous.low >= previous.high:
        return None
    if await count_older(previous.low) == 0 or await count_older(previous.high) > 0:
        return None
    return await _narrow(count_older, previous, resolution)


async def _narrow(count_older: CountOlder, bracket: Bracket, resolution: timedelta) -> Bracket:
    low, high = bracket.low, bracket.high
    # Invariant: some claim is older than ``low``; none is older than ``high``.
    while high - low > resolution:
        middle = low + (high - low) / 2
        if await count_older(middle) > 0:
            low = middle
        else:
            high = middle
    return Bracket(low, high)
