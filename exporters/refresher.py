"""The background refresh: on an interval, under a deadline, never stacked, never zeroing.

Scrapes read :attr:`Refresher.state`, an immutable value replaced in one assignment, so
``/metrics`` never waits on Temporal and never sees a half-done refresh. A refresh that fails
keeps the previous snapshot and sets ``up`` to 0; one that overruns its deadline is cancelled
(abandoned), and the next starts on the next tick, so slow visibility cannot pile refreshes up.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from exporters.snapshot import Snapshot

log = logging.getLogger(__name__)

Take = Callable[[datetime], Awaitable[Snapshot]]


class Result(enum.StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class State:
    snapshot: Snapshot | None = None  # the last complete one; None until the first success
    up: bool = False
    last_success: float | None = None  # unix time
    last_duration: float | None = None  # seconds, of the last refresh whatever its result
    results: dict[Result, int] = field(default_factory=lambda: dict.fromkeys(Result, 0))


class Refresher:
    def __init__(
        self,
        take: Take,
        interval: timedelta,
        deadline: timedelta,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
    ) -> None:
        self.take, self.interval, self.deadline = take, interval, deadline
        self.wall_clock = wall_clock
        self.rng = rng or random.Random()
        self.state = State()
        self.running = 0  # refreshes in flight; never above 1

    async def refresh_once(self) -> Result:
        started = time.monotonic()
        self.running += 1
        try:
            snapshot = await asyncio.wait_for(
                self.take(self.wall_clock()), self.deadline.total_seconds()
            )
        except TimeoutError:
            log.warning(
                "refresh abandoned: still running after the %.0fs deadline; keeping the last "
                "values",
                self.deadline.total_seconds(),
            )
            return self._finish(Result.ABANDONED, started)
        except Exception as err:  # any failure keeps the last snapshot; the next tick retries
            log.warning("refresh failed, keeping the last values: %s", _one_line(err))
            return self._finish(Result.FAILED, started)
        finally:
            self.running -= 1
        return self._finish(Result.SUCCESS, started, snapshot)

    def _finish(self, result: Result, started: float, snapshot: Snapshot | None = None) -> Result:
        old = self.state
        results = {**old.results, result: old.results[result] + 1}
        duration = time.monotonic() - started
        if snapshot is None:
            self.state = replace(old, up=False, last_duration=duration, results=results)
        else:
            self.state = State(snapshot, True, time.time(), duration, results)
        return result

    async def run_forever(self) -> None:
        """Refresh now, then once per interval (a little early, never late, so that several
        exporters drift apart instead of hitting visibility in step)."""
        period = self.interval.total_seconds()
        while True:
            tick = time.monotonic()
            await self.refresh_once()
            next_tick = tick + period * self.rng.uniform(0.9, 1.0)
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__
