"""Selectors built from catalog entries: the one way rules, SLIs and dashboards name a series.

``sel(sdk.WORKFLOW_FAILED, namespace="dict")`` gives
``temporal_workflow_failed_total{namespace="dict"}`` and refuses a label the catalog entry does
not carry, so a typo fails when the rules are generated, not silently in Prometheus. The tests
read every generated expression back with :mod:`toolkit.promql_check`, which follows labels
through aggregations and vector matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core import config
from core.catalog import TARGET_LABELS, Metric, MetricType, dialects

_MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)"')


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


def scraped_namespace(labels: set[str] | frozenset[str]) -> set[str]:
    """The label a scrape puts the Temporal namespace under, when ``labels`` has ``namespace``
    and the pack configuration names another (``exported_namespace`` under the Prometheus
    Operator); nothing otherwise."""
    label = config.current().namespace_label
    return {label} if "namespace" in labels and label != "namespace" else set()


def cluster_label() -> set[str]:
    """The label that tells clusters apart, when the pack configuration names one: a scrape
    (or Prometheus' external labels) puts it on every scraped series."""
    label = config.current().cluster_label
    return {label} if label else set()


def dialect() -> dialects.Dialect:
    """How the workers' SDK spells its metrics: the pack configuration's ``sdk_dialect``."""
    return dialects.get(config.current().sdk_dialect)


def in_seconds(metric: Metric, expr: str) -> str:
    """``expr``, a quantile or a sum of ``metric``'s values, in seconds whatever the dialect's
    unit (``... / 1000`` for milliseconds)."""
    return dialect().in_seconds(metric, expr)


def selector(metric: Metric, *matchers: str, series: str | None = None) -> str:
    """``series{m1, m2}`` from matchers already written (``'namespace="$namespace"'``), each
    checked: its label must be one the metric carries. ``series`` picks ``_bucket``, ``_count``
    or ``_sum`` of a histogram (as the catalog names it); the name written is the SDK dialect's.

    >>> from core.catalog import sdk
    >>> selector(sdk.WORKFLOW_FAILED, 'namespace="$namespace"')
    'temporal_workflow_failed_total{namespace="$namespace"}'
    >>> selector(sdk.WORKFLOW_FAILED, 'taskqueue="x"')
    Traceback (most recent call last):
    ...
    ValueError: temporal_workflow_failed_total has no label 'taskqueue' (it has ...)
    """
    spelling = dialect()
    if not spelling.emits(metric):
        raise ValueError(f"{metric.name} is not emitted by workers of SDK dialect {spelling.name}")
    name = series or metric.name
    if name not in metric.series:
        raise ValueError(f"{name} is not a series of {metric.name}")
    suffix = name[len(metric.name) + 1 :]
    labels = spelling.labels(metric)
    allowed = set(labels) | set(TARGET_LABELS)
    allowed |= scraped_namespace(allowed) | cluster_label()
    if name.endswith("_bucket") and metric.type is MetricType.HISTOGRAM:
        allowed.add("le")
    for matcher in matchers:
        match = _MATCHER.match(matcher)
        if match is None:
            raise ValueError(f'{matcher!r} is not a label matcher like namespace="dict"')
        if match.group(1) not in allowed:
            raise ValueError(f"{metric.name} has no label {match.group(1)!r} (it has {labels})")
    name = spelling.series(metric, suffix)
    return f"{name}{{{', '.join(matchers)}}}" if matchers else name


def sel(metric: Metric, series: str | None = None, **labels: str | Match) -> str:
    """``metric{label="value", ...}``, values quoted; ``series`` picks ``_bucket``/``_count``
    of a histogram. A label the metric does not carry is refused, as by :func:`selector`."""
    matchers = [
        f"{label}{value.op}{_quote(value.value)}"
        if isinstance(value, Match)
        else f"{label}={_quote(value)}"
        for label, value in labels.items()
    ]
    return selector(metric, *matchers, series=series)
