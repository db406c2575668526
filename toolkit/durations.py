"""Prometheus durations: parsing ``30d``/``4w``/``1h30m`` and printing them the way Prometheus does.

Prometheus prints a duration in days, hours, minutes and seconds, using years or weeks only when
they divide it exactly (``model.Duration``): 28 days is ``4w``, 30 days is ``30d``, 90 minutes is
``1h30m``. Rule names carry the window
(``slo:sli_error:ratio_rate30d``), so the printing must match what Prometheus would print.
"""

from __future__ import annotations

import re

_UNITS: tuple[tuple[str, int], ...] = (
    ("y", 365 * 86400),
    ("w", 7 * 86400),
    ("d", 86400),
    ("h", 3600),
    ("m", 60),
    ("s", 1),
)
_SECONDS = dict(_UNITS)
_PART = re.compile(r"(\d+)(y|w|d|h|m|s)")


def parse(text: str) -> int:
    """Seconds in ``text`` (``"30d"`` → 2592000); ValueError when it is not a duration.

    Only whole seconds: SLO windows and ``for:`` clauses never need less.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty duration")
    pos, total, last_rank = 0, 0, -1
    ranks = [u for u, _ in _UNITS]
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            raise ValueError(f"{text!r} is not a duration like 30d, 4w or 1h30m")
        rank = ranks.index(match.group(2))
        if rank <= last_rank:
            raise ValueError(f"{text!r}: units must go from largest to smallest, once each")
        last_rank = rank
        total += int(match.group(1)) * _SECONDS[match.group(2)]
        pos = match.end()
    if total <= 0:
        raise ValueError(f"{text!r} is not a positive duration")
    return total


def render(seconds: int) -> str:
    """``2419200`` → ``"4w"``, ``2592000`` → ``"30d"``, ``5400`` → ``"1h30m"``."""
    if seconds <= 0:
        return "0s"
    out = []
    rest = seconds
    for unit, size in _UNITS:
        # Years and weeks only when exact, as Prometheus does: 90d reads better than 12w6d.
        if unit in ("y", "w") and rest % size:
            continue
        if rest >= size:
            count, rest = divmod(rest, size)
            out.append(f"{count}{unit}")
    return "".join(out)


def normalize(text: str) -> str:
    """``"28d"`` → ``"4w"``: the spelling Prometheus uses for the same duration."""
    return render(parse(text))
