"""The metric catalog: every metric the pack defines or reads, in one place.

The worker and the exporter define their metrics from these entries; recording rules, alerts and
dashboards build their queries from them. A rule or panel that names a metric the catalog does not
know fails a test. Renaming a metric is one edit here.

Each entry records the name *as Prometheus stores it* (counters with ``_total``, histograms by
their base name: ``NAME_bucket``, ``NAME_sum`` and ``NAME_count`` are derived), its labels and the
source that emits it.
"""

from __future__ import annotations

from core.catalog.exporter import EXPORTER_METRICS
from core.catalog.model import TARGET_LABELS, Metric, MetricType, Source
from core.catalog.sdk import SDK_METRICS
from core.catalog.server import SERVER_METRICS
from core.catalog.worker import CLAIM_METRICS, PROCESS_METRICS

ALL: tuple[Metric, ...] = (
    SDK_METRICS + CLAIM_METRICS + PROCESS_METRICS + EXPORTER_METRICS + SERVER_METRICS
)
BY_NAME: dict[str, Metric] = {m.name: m for m in ALL}
if len(BY_NAME) != len(ALL):  # pragma: no cover - guarded by a test as well
    raise RuntimeError("the metric catalog names a metric twice")


def get(name: str) -> Metric:
    """The catalog entry for ``name``; raises KeyError naming the metric when unknown."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"metric {name!r} is not in the metric catalog") from None


def lookup_series(series_name: str) -> Metric | None:
    """The entry a stored series name belongs to (``x_bucket`` belongs to histogram ``x``).

    Also knows Prometheus' own ``up`` series, which the server catalog lists.
    """
    if series_name in BY_NAME:
        return BY_NAME[series_name]
    for suffix in ("_bucket", "_sum", "_count"):
        if series_name.endswith(suffix):
            base = BY_NAME.get(series_name[: -len(suffix)])
            if base is not None and base.type is MetricType.HISTOGRAM:
                return base
    return None


__all__ = [
    "ALL",
    "BY_NAME",
    "TARGET_LABELS",
    "Metric",
    "MetricType",
    "Source",
    "get",
    "lookup_series",
]
