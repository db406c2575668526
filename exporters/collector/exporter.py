"""The exporter about itself: is it up, how fresh, how costly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version

from core import __version__
from core.catalog import exporter as cat
from exporters.budget import CallStats
from exporters.collector import Metric, StateSource, family
from exporters.refresher import Result
from exporters.temporal_api import COUNT, DESCRIBE


def _temporalio_version() -> str:
    try:
        return version("temporalio")
    except PackageNotFoundError:  # pragma: no cover - the exporter cannot run without it
        return "unknown"


class ExporterCollector:
    """Yields, always (also before the first successful refresh)::

        dict_exporter_up 1
        dict_exporter_last_success_timestamp_seconds 1.7643e+09
        dict_exporter_refresh_duration_seconds 7.2
        dict_exporter_visibility_calls_total{call="count_workflows"} 4218
        dict_exporter_visibility_call_failures_total{call="count_workflows"} 3
        dict_exporter_rate_limited_calls_total{call="count_workflows"} 2
        dict_exporter_refreshes_total{result="abandoned"} 1
        dict_exporter_build_info{temporalio_version="1.35.0",version="0.1.0"} 1
        dict_exporter_serving_certificate_expiry_timestamp_seconds 1.7722e+09   (with TLS)

    ``time() - dict_exporter_last_success_timestamp_seconds`` is how stale the other values are.
    ``serving_cert_expiry`` is asked at every scrape, so a renewed certificate shows at once.
    """

    def __init__(
        self,
        state: StateSource,
        calls: CallStats,
        serving_cert_expiry: Callable[[], float | None] = lambda: None,
    ) -> None:
        self.state, self.calls = state, calls
        self.serving_cert_expiry = serving_cert_expiry
        self.build = (__version__, _temporalio_version())

    def collect(self) -> Iterator[Metric]:
        state = self.state()
        up = family(cat.EXPORTER_UP)
        up.add_metric([], 1.0 if state.up else 0.0)
        yield up
        if state.last_success is not None:
            last = family(cat.EXPORTER_LAST_SUCCESS)
            last.add_metric([], state.last_success)
            yield last
        if state.last_duration is not None:
            duration = family(cat.EXPORTER_REFRESH_DURATION)
            duration.add_metric([], state.last_duration)
            yield duration
        made, failed = self.calls.copy()
        calls = family(cat.EXPORTER_VISIBILITY_CALLS)
        failures = family(cat.EXPORTER_VISIBILITY_CALL_FAILURES)
        limited = family(cat.EXPORTER_RATE_LIMITED)
        refused = self.calls.rate_limited()
        for call in (COUNT, DESCRIBE):  # a fixed set: the series exist from the start
            calls.add_metric([call], made.get(call, 0))
            failures.add_metric([call], failed.get(call, 0))
            limited.add_metric([call], refused.get(call, 0))
        yield calls
        yield failures
        yield limited
        refreshes = family(cat.EXPORTER_REFRESHES)
        for result in Result:
            refreshes.add_metric([result.value], state.results[result])
        yield refreshes
        info = family(cat.EXPORTER_BUILD_INFO)
        info.add_metric(list(self.build), 1.0)
        yield info
        not_after = self.serving_cert_expiry()
        if not_after is not None:
            expiry = family(cat.EXPORTER_SERVING_CERT_EXPIRY)
            expiry.add_metric([], not_after)
            yield expiry
