"""Keeping the exporter's calls under the frontend's visibility rate limit.

Self-hosted visibility allows about 10 requests/s per frontend, shared with every other client
(the UI, ``temporal workflow list``, other exporters). The exporter spends at most ``rate`` calls
per second (a token bucket) and, when the server still answers RESOURCE_EXHAUSTED, waits a
jittered, growing delay before trying again so that several exporters do not retry in step.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up; ``acquire`` waits for one."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = asyncio.Lock()

    def _fill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self) -> None:
        # One waiter at a time, so tokens go out in order and a burst is never exceeded.
        async with self._lock:
            self._fill()
            if self._tokens < 1:
                await self._sleep((1 - self._tokens) / self.rate)
                self._fill()
            self._tokens -= 1


def backoff_delays(
    base: float = 0.2, cap: float = 5.0, rng: random.Random | None = None
) -> Iterator[float]:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**n)]."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        yield rng.uniform(0, min(cap, base * 2**attempt))
        attempt += 1


@dataclass
class CallStats:
    """Calls made and failed by call type, kept for the life of the process (counters).

    Written by the refresh thread and read by scrapes; the lock keeps a scrape from seeing a
    call counted in one dict and not yet in the other.
    """

    calls: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    limited: dict[str, int] = field(default_factory=dict)  # failures that were RESOURCE_EXHAUSTED
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, call: str, failed: bool = False, limited: bool = False) -> None:
        with self._lock:
            self.calls[call] = self.calls.get(call, 0) + 1
            self.failures.setdefault(call, 0)
            self.limited.setdefault(call, 0)
            if failed or limited:
                self.failures[call] += 1
            if limited:
                self.limited[call] += 1

    def rate_limited(self) -> dict[str, int]:
        with self._lock:
            return dict(self.limited)

    def copy(self) -> tuple[dict[str, int], dict[str, int]]:
        with self._lock:
            return dict(self.calls), dict(self.failures)

    def total(self) -> int:
        with self._lock:
            return sum(self.calls.values())
