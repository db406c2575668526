"""Selectors built from catalog entries.

``sel(sdk.WORKFLOW_FAILED, namespace="dict")`` gives
``temporal_workflow_failed_total{namespace="dict"}`` and refuses a label the catalog entry does
not carry, so a typo fails when the rules are generated, not silently in Prometheus. The tests
read every generated expression back with :mod:`toolkit.promql_check`, which follows labels
through aggregations and vector matching.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.catalog import TARGET_LABELS, Metric, MetricType


@dataclass(frozen=True)
class Match:
    """A label matcher other than equality: ``Match("!~", "a|b")``."""

    op: str
    value: str


def ne(value: str) -> Match:
    return Match("!=", value)


def rx(value: str) -> Match:
    return Match("=~", value)


def nrx(value: str) -> Match:
    return Match("!~", value)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sel(metric: Metric, series: str | None = None, **labels: str | Match) -> str:
    """``metric{label="value", ...}``; ``series`` picks ``_bucket``/``_count`` of a histogram."""
    name = series or metric.name
    if name not in metric.series:
        raise ValueError(f"{name} is not a series of {metric.name}")
    allowed = set(metric.labels) | set(TARGET_LABELS)
    if name.endswith("_bucket") and metric.type is MetricType.HISTOGRAM:
        allowed.add("le")
    parts = []
    for label, value in labels.items():
        if label not in allowed:
            raise ValueError(f"{metric.name} has no label {label!r} (it has {metric.labels})")
        if isinstance(value, Match):
            parts.append(f"{label}{value.op}{_quote(value.value)}")
        else:
            parts.append(f"{label}={_quote(value)}")
    return f"{name}{{{', '.join(parts)}}}" if parts else name
