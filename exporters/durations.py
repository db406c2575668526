"""Durations as written in Prometheus configs: ``30s``, ``5m``, ``48h``, ``28d``, ``1h30m``.

Labels such as ``age="28d"`` or ``window="48h"`` keep the spelling the configuration used.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w)")


def parse(text: str) -> timedelta:
    """``"1h30m"`` → 5400 s. Raises ValueError with an example when the text is not a duration."""
    value = text.strip()
    pos, seconds = 0, 0.0
    for match in _PART.finditer(value):
        if match.start() != pos:
            break
        seconds += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not value or pos != len(value):
        raise ValueError(f"{text!r} is not a duration; write it like 30s, 5m, 48h or 28d")
    return timedelta(seconds=seconds)


def label(text: object) -> str:
    """A duration as a label value: the user's spelling, trimmed (``" 48h "`` → ``48h``)."""
    value = str(text).strip()
    parse(value)
    return value


def format(value: timedelta) -> str:
    """The shortest exact spelling in the largest units: 28 days → ``28d``, 90 s → ``1m30s``."""
    millis = round(value.total_seconds() * 1000)
    if millis == 0:
        return "0s"
    out = []
    # No weeks: "14d" reads better than "2w" in a claim-age ladder counted in days.
    for unit in ("d", "h", "m", "s", "ms"):
        size = round(_UNITS[unit] * 1000)
        if millis >= size:
            out.append(f"{millis // size}{unit}")
            millis %= size
    return "".join(out)
