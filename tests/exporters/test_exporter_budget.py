"""The call budget: a token bucket on a fake clock, and jittered backoff bounds."""

from __future__ import annotations

import random

from exporters.budget import CallStats, TokenBucket, backoff_delays


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_a_burst_goes_at_once_then_calls_are_spaced_at_the_rate():
    t = FakeTime()
    bucket = TokenBucket(rate=5, burst=5, clock=t.clock, sleep=t.sleep)
    for _ in range(5):
        await bucket.acquire()
    assert t.slept == []
    for _ in range(10):
        await bucket.acquire()
    assert abs(t.now - 100.0 - 10 / 5) < 1e-9  # ten more calls took two seconds at 5/s
    assert all(abs(s - 0.2) < 1e-9 for s in t.slept)


async def test_idle_time_refills_only_up_to_the_burst():
    t = FakeTime()
    bucket = TokenBucket(rate=5, burst=2, clock=t.clock, sleep=t.sleep)
    t.now += 3600  # an hour idle saves two tokens, not 18,000
    for _ in range(3):
        await bucket.acquire()
    assert len(t.slept) == 1


def test_backoff_grows_with_full_jitter_and_is_capped():
    delays = backoff_delays(base=0.2, cap=5.0, rng=random.Random(7))
    first = [next(delays) for _ in range(12)]
    for attempt, delay in enumerate(first):
        assert 0 <= delay <= min(5.0, 0.2 * 2**attempt)
    assert len(set(first)) == len(first)  # jittered: no two exporters retry in step


def test_call_stats_count_calls_and_failures_by_type():
    stats = CallStats()
    stats.record("count_workflows")
    stats.record("count_workflows", failed=True)
    stats.record("describe_task_queue")
    calls, failures = stats.copy()
    assert calls == {"count_workflows": 2, "describe_task_queue": 1}
    assert failures == {"count_workflows": 1, "describe_task_queue": 0}
    assert stats.total() == 3
