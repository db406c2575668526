"""Fault injection for the simulator: errors, latency and outages per Bridge method.

A fault applies to one method, or to every method when ``method`` is None; when both exist, the
method's own fault is checked first. The error rate draws from a generator seeded at start, so a
test that sends the same calls sees the same failures.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, replace

import grpc

from worker.bridge import wire


@dataclass(frozen=True)
class Fault:
    method: str | None = None
    error_rate: float = 0.0
    latency: float = 0.0  # seconds added before answering
    unavailable: bool = False  # every call fails with UNAVAILABLE
    fail_next: int = 0  # the next N calls fail with ``code``
    code: str = "UNAVAILABLE"  # gRPC status code name of injected failures
    lose_reply_next: int = 0  # the next N calls do their work, then fail with ``code``

    def __post_init__(self) -> None:
        if self.method is not None and self.method not in wire.METHODS:
            methods = ", ".join(wire.METHODS)
            raise ValueError(f"method {self.method!r} is not a Bridge method; use one of {methods}")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(
                f"error rate {self.error_rate:g} is outside [0, 1]; e.g. 0.2 fails 1 call in 5"
            )
        if not math.isfinite(self.latency) or self.latency < 0:
            raise ValueError(f"latency {self.latency} must be a number of seconds >= 0")
        if self.fail_next < 0:
            raise ValueError(f"fail_next {self.fail_next} must be >= 0")
        if self.lose_reply_next < 0:
            raise ValueError(f"lose_reply_next {self.lose_reply_next} must be >= 0")
        # Validates (ValueError naming the valid codes) and stores the canonical name.
        object.__setattr__(self, "code", wire.status_code(self.code).name)

    @property
    def status_code(self) -> grpc.StatusCode:
        return wire.status_code(self.code)


@dataclass(frozen=True)
class Verdict:
    """What a call suffers: a delay, then maybe a failure, before or after the call's work."""

    delay: float = 0.0
    failure: grpc.StatusCode | None = None
    reason: str = ""
    after_work: bool = False  # the work is done and only the reply is lost


class FaultBook:
    """The faults in force, one per method plus one for all methods."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str | None, Fault] = {}
        self._rng = random.Random(seed)

    def set(self, fault: Fault) -> None:
        """Replace the fault of ``fault.method`` (None: every method)."""
        with self._lock:
            self._faults[fault.method] = fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def faults(self) -> list[Fault]:
        with self._lock:
            return sorted(self._faults.values(), key=lambda f: f.method or "")

    def decide(self, method: str) -> Verdict:
        """The fate of one call to ``method``; consumes one ``fail_next`` or
        ``lose_reply_next`` when it fires."""
        with self._lock:
            chain = [self._faults[m] for m in (method, None) if m in self._faults]
            delay = max((f.latency for f in chain), default=0.0)
            for fault in chain:
                if fault.unavailable:
                    return Verdict(delay, grpc.StatusCode.UNAVAILABLE, "unavailable")
                if fault.fail_next > 0:
                    self._faults[fault.method] = replace(fault, fail_next=fault.fail_next - 1)
                    return Verdict(delay, fault.status_code, "fail_next")
                if fault.lose_reply_next > 0:
                    left = fault.lose_reply_next - 1
                    self._faults[fault.method] = replace(fault, lose_reply_next=left)
                    return Verdict(delay, fault.status_code, "lose_reply_next", after_work=True)
                if fault.error_rate > 0 and self._rng.random() < fault.error_rate:
                    return Verdict(delay, fault.status_code, "error_rate")
            return Verdict(delay)
