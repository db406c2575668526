"""What a dashboard shows, independent of the library that writes Grafana's JSON.

The dashboard modules (``claims``, ``worker``, ...) describe their panels with these small
frozen dataclasses; :mod:`dashboards.render` turns them into Grafana JSON. Swapping the builder
(grafanalib today) means rewriting ``render`` only: nothing here names a builder type.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Kind(enum.Enum):
    """The visualisations we use: all React panels, never the Angular ``graph``."""

    TIMESERIES = "timeseries"
    STAT = "stat"
    TABLE = "table"
    BARGAUGE = "bargauge"
    HEATMAP = "heatmap"


class Format(enum.Enum):
    TIME_SERIES = "time_series"
    TABLE = "table"
    HEATMAP = "heatmap"  # histogram buckets, one field per ``le``


@dataclass(frozen=True)
class Query:
    """One PromQL target. ``legend`` is Grafana's legend format (``{{workflow_type}}``)."""

    expr: str
    legend: str = ""
    instant: bool = False
    format: Format = Format.TIME_SERIES


@dataclass(frozen=True)
class Step:
    """A threshold step: from ``value`` upwards the panel turns ``color`` (None = base)."""

    color: str
    value: float | None = None


GREEN_ONLY = (Step("green"),)


@dataclass(frozen=True)
class Link:
    """A data link on a panel's values: ``url`` may hold Grafana's variables (``${__to}``,
    ``${__field.labels.status}``, dashboard variables)."""

    title: str
    url: str


@dataclass(frozen=True)
class Panel:
    """A panel: what it shows (queries, unit), what it means and what to do (description)."""

    kind: Kind
    title: str
    description: str
    unit: str
    queries: tuple[Query, ...]
    width: int = 12
    height: int = 8
    thresholds: tuple[Step, ...] = GREEN_ONLY
    min: float | None = None
    max: float | None = None
    decimals: int | None = None
    stacked: bool = False
    bars: bool = False  # time series drawn as bars (counts per interval)
    reduce: str = "lastNotNull"  # stat / bar gauge reduction
    no_value: str = ""  # what a stat shows with no series (e.g. "0" for "no claims")
    links: tuple[Link, ...] = ()  # from a value to what is behind it (the claims, in the UI)
    runbooks: tuple[str, ...] = ()  # the alerts that watch what the panel shows


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class Variable:
    """A query template variable over the Prometheus datasource.

    ``query`` is PromQL given to Grafana's ``query_result()``; ``regex`` extracts the value from
    the printed series. ``hidden`` variables are derived ones the user never picks. A
    ``constant`` variable has ``default`` as its only value and no query.
    """

    name: str
    label: str
    query: str
    regex: str
    default: str = ""
    multi: bool = False
    include_all: bool = False
    hidden: bool = False
    constant: bool = False


@dataclass(frozen=True)
class Dashboard:
    uid: str
    title: str
    description: str
    rows: tuple[Row, ...]
    variables: tuple[Variable, ...]
    tags: tuple[str, ...] = ()
    refresh: str = "1m"
    time_from: str = "now-6h"
    extra_links: tuple[tuple[str, str], ...] = field(default=())  # (title, url)

    def panels(self) -> tuple[Panel, ...]:
        return tuple(p for row in self.rows for p in row.panels)
