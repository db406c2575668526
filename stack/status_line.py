"""The demo's live status: what the running pack does, on one line.

In a terminal the line is rewritten in place every second; to a pipe or a file it is written as
a plain line every so often, so that a log keeps a readable record::

    >>> print(format_status(Status(rate=0.5, open_claims=12, oldest_open=95.4, firing=[],
    ...                            confirmed=61, rejected=16, expired=8)))
    0.50 claims/s | 12 open, oldest 1m35s | 61 confirmed, 16 rejected, 8 expired | no alert firing

What Prometheus cannot tell (it is not up yet, or the exporter has not refreshed) shows as ``-``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from core.catalog import exporter
from stack.claim_flow import Counts
from toolkit import durations
from toolkit.prometheus_api import PrometheusAPIError, query

SHOWN_ALERTS = 2  # alert names on the line; more are counted


@dataclass(frozen=True)
class Status:
    rate: float | None = None  # claims started per second
    open_claims: float | None = None  # open claims as the exporter counts them
    oldest_open: float | None = None  # seconds: age of the oldest open claim
    firing: list[str] | None = None  # names of the alerts firing
    confirmed: int = 0
    rejected: int = 0
    expired: int = 0
    failed: int = 0


def _or_dash(value: float | None, text: Callable[[float], str]) -> str:
    return "-" if value is None else text(value)


def format_status(status: Status) -> str:
    """The line, without a line end.

    >>> format_status(Status(firing=["Bridge", "Slo", "NoPollers"], failed=1)).split(" | ")
    ['- claims/s', '- open, oldest -', '0 confirmed, 0 rejected, 0 expired, 1 failed', \
'firing: Bridge, NoPollers +1']
    """
    rate = _or_dash(status.rate, lambda r: f"{r:.2f}")
    open_ = _or_dash(status.open_claims, lambda n: f"{n:.0f}")
    oldest = _or_dash(status.oldest_open, lambda s: durations.format(round(s)))
    done = f"{status.confirmed} confirmed, {status.rejected} rejected, {status.expired} expired"
    if status.failed:
        done += f", {status.failed} failed"
    if status.firing is None:
        alerts = "alerts -"
    elif not status.firing:
        alerts = "no alert firing"
    else:
        names = sorted(set(status.firing))
        more = len(names) - SHOWN_ALERTS
        alerts = "firing: " + ", ".join(names[:SHOWN_ALERTS]) + (f" +{more}" if more > 0 else "")
    return f"{rate} claims/s | {open_} open, oldest {oldest} | {done} | {alerts}"


def read_status(prometheus_url: str, counts: Counts) -> Status:
    """The status from the stream's counters and what Prometheus holds right now."""

    def value(expr: str) -> float | None:
        try:
            samples = query(prometheus_url, expr)
        except PrometheusAPIError:
            return None
        return samples[0][1] if samples else None

    try:
        alerts = query(prometheus_url, 'ALERTS{alertstate="firing"}')
        firing: list[str] | None = [labels["alertname"] for labels, _ in alerts]
    except PrometheusAPIError:
        firing = None
    # The exporter searches claim ages to its resolution (an hour by default, 0 below it); the
    # stream knows its own claims to the second.
    ages = [a for a in (value(f"max({exporter.CLAIM_OLDEST_OPEN_AGE.name})"), counts.oldest_open)
            if a is not None]  # fmt: skip
    return Status(
        rate=counts.rate,
        open_claims=value(f"sum({exporter.CLAIMS_OPEN.name})"),
        oldest_open=max(ages, default=None),
        firing=firing,
        confirmed=counts.completed,
        rejected=counts.cancelled,
        expired=counts.expired,
        failed=counts.failed,
    )


@dataclass
class StatusLine:
    """Shows each status it is given: in place on a terminal, else a line every ``every`` s."""

    out: TextIO
    every: float = 10.0
    tty: bool | None = None  # None: ask ``out``
    _last_plain: float = field(default=-1e9, init=False)
    _width: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.tty is None:
            self.tty = self.out.isatty()

    def show(self, status: Status, now: float | None = None) -> None:
        line = format_status(status)
        if self.tty:
            # Spaces over what a longer previous line left behind.
            self.out.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            now = time.monotonic() if now is None else now
            if now - self._last_plain < self.every:
                return
            self._last_plain = now
            self.out.write(line + "\n")
        self.out.flush()

    def end(self) -> None:
        """Leave the terminal's cursor on a line of its own."""
        if self.tty and self._width:
            self.out.write("\n")
            self.out.flush()
            self._width = 0
