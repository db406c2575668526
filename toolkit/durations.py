"""Durations as Prometheus writes them: ``30s``, ``5m``, ``48h``, ``28d``, ``4w``, ``1h30m``.

One parser and one formatter for the whole pack. Prometheus prints a duration in days, hours,
minutes and seconds, using years or weeks only when they divide it exactly (``model.Duration``):
28 days is ``4w``, 30 days is ``30d``, 90 minutes is ``1h30m``. Rule names carry the window
(``slo:sli_error:ratio_rate30d``), so the rules print as Prometheus would; the exporter prints
without weeks, because a claim-age ladder is counted in days.

>>> format(parse("28d")), format(parse("28d"), weeks=False), seconds("1h30m")
('4w', '28d', 5400)
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS: tuple[tuple[str, float], ...] = (
    ("y", 365 * 86400),
    ("w", 7 * 86400),
    ("d", 86400),
    ("h", 3600),
    ("m", 60),
    ("s", 1),
    ("ms", 0.001),
)
_SIZE = dict(_UNITS)
_RANK = {unit: rank for rank, (unit, _) in enumerate(_UNITS)}
_PART = re.compile(r"(\d+)(ms|y|w|d|h|m|s)")
_EXAMPLE = "write it like 30s, 5m, 48h or 28d"


def parse(text: str) -> timedelta:
    """``"1h30m"`` → 5400 s. ValueError with an example when ``text`` is not a duration.

    Units go from the largest to the smallest, once each, as Prometheus requires.
    """
    value = text.strip()
    pos, total, last = 0, 0.0, -1
    while pos < len(value):
        match = _PART.match(value, pos)
        if match is None:
            raise ValueError(f"{text!r} is not a duration; {_EXAMPLE}")
        rank = _RANK[match.group(2)]
        if rank <= last:
            raise ValueError(
                f"{text!r}: units must go from the largest to the smallest, once each; {_EXAMPLE}"
            )
        last = rank
        total += int(match.group(1)) * _SIZE[match.group(2)]
        pos = match.end()
    if not value:
        raise ValueError(f"{text!r} is not a duration; {_EXAMPLE}")
    return timedelta(seconds=total)


def seconds(text: str) -> int:
    """Whole, positive seconds in ``text`` (``"30d"`` → 2592000): rule windows and ``for:``
    clauses never need less."""
    value = parse(text).total_seconds()
    if value <= 0 or not value.is_integer():
        raise ValueError(f"{text!r} is not a positive whole number of seconds")
    return int(value)


def format(value: timedelta | int | float, *, weeks: bool = True) -> str:
    """The shortest exact spelling in the largest units, as Prometheus prints it.

    ``weeks=False`` never uses years or weeks: ``28d`` rather than ``4w``.
    """
    total = value.total_seconds() if isinstance(value, timedelta) else float(value)
    millis = round(total * 1000)
    if millis <= 0:
        return "0s"
    out = []
    for unit, size in _UNITS:
        size_ms = round(size * 1000)
        if unit in ("y", "w") and (not weeks or millis % size_ms):
            # Years and weeks only when exact, as Prometheus does: 90d reads better than 12w6d.
            continue
        if millis >= size_ms:
            count, millis = divmod(millis, size_ms)
            out.append(f"{count}{unit}")
    return "".join(out)


def normalize(text: str) -> str:
    """``"28d"`` → ``"4w"``: the spelling Prometheus uses for the same duration."""
    return format(seconds(text))


def label(text: object) -> str:
    """A duration as a label value: the user's spelling, trimmed (``" 48h "`` → ``48h``)."""
    value = str(text).strip()
    parse(value)
    return value
