"""Drill rules: the shipped rules, evaluated more often and with shorter ``for:`` durations.

A drill (``dictobs demo --incident``, the end-to-end tests) wants an alert to fire within
seconds of its fault, not after the ten minutes an on-call engineer wants before being woken.
Everything else stays as shipped (expressions, thresholds, labels, annotations), so what fires
in a drill is what fires in production, only sooner. The rate windows (``[5m]``, ``[1h]``) are
part of the expressions and stay too: an alert on a ratio resolves once traffic after the fault
has diluted its window, not sooner.

>>> Drill(interval="2s", for_scale=0.01).scaled("10m")
'6s'
>>> Drill(interval="2s", for_scale=0.01).scaled("2m")  # whole seconds, rounded up
'2s'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from toolkit import durations

Group = dict[str, Any]

DEFAULT_INTERVAL = "2s"
DEFAULT_FOR_SCALE = 0.01


@dataclass(frozen=True)
class Drill:
    interval: str = DEFAULT_INTERVAL  # every group's evaluation interval
    for_scale: float = DEFAULT_FOR_SCALE  # each alert's ``for:`` is multiplied by this

    def __post_init__(self) -> None:
        durations.seconds(self.interval)  # ValueError with an example
        if not 0 < self.for_scale <= 1:
            raise ValueError(f"for scale {self.for_scale:g} must be in (0, 1], e.g. 0.01")

    def scaled(self, for_: str) -> str:
        """``for_`` times the scale, in whole seconds rounded up (at least one)."""
        return durations.format(max(1, math.ceil(durations.seconds(for_) * self.for_scale)))

    def groups(self, groups: list[Group]) -> list[Group]:
        """``groups`` with this drill's interval and each ``for:`` scaled; nothing else changed."""
        out = []
        for group in groups:
            rules = [
                {**rule, "for": self.scaled(rule["for"])} if "for" in rule else rule
                for rule in group["rules"]
            ]
            # The interval goes right after the name, where Prometheus' own files put it.
            rest = {k: v for k, v in group.items() if k not in ("name", "interval", "rules")}
            out.append({"name": group["name"], "interval": self.interval, **rest, "rules": rules})
        return out

    def describe(self) -> str:
        return f"every group evaluated every {self.interval}, each for: x{self.for_scale:g}"
