"""The exporter's own health under the claim counts it produces: its calls to Temporal (with
those refused by a rate limit) and how fresh its counts are."""

from __future__ import annotations

from core.catalog import exporter
from dashboards.model import Kind, Panel, Query, Row
from dashboards.queries import rate, series


def row() -> Row:
    return Row(
        "Exporter",
        (
            Panel(
                Kind.TIMESERIES,
                "Exporter calls to Temporal",
                "Calls the exporter makes to Temporal's visibility and task-queue APIs per "
                "second, by call, with those that failed and those the server refused for its "
                "rate limit (each retried after a backoff). Refusals make refreshes slow and the "
                "counts above stale: lower the exporter's visibility.rate or raise the "
                "frontend's namespace limits.",
                "ops",
                (
                    Query(rate(exporter.EXPORTER_VISIBILITY_CALLS, by="call"), "{{call}}"),
                    Query(
                        rate(exporter.EXPORTER_VISIBILITY_CALL_FAILURES, by="call"),
                        "{{call}} failed",
                    ),
                    Query(
                        rate(exporter.EXPORTER_RATE_LIMITED, by="call"),
                        "{{call}} refused by a rate limit",
                    ),
                ),
                runbooks=("DictExporterRateLimited",),
            ),
            Panel(
                Kind.TIMESERIES,
                "Exporter refresh duration and staleness",
                "How long the exporter's last refresh took, and how old the counts above are. "
                "A refresh close to the exporter's refresh.deadline is abandoned and the "
                "counts grow stale; see the exporter's call plan (--check-config).",
                "s",
                (
                    Query(f"max({series(exporter.EXPORTER_REFRESH_DURATION)})", "refresh"),
                    Query(
                        f"time() - max({series(exporter.EXPORTER_LAST_SUCCESS)})",
                        "since the last success",
                    ),
                ),
                runbooks=("DictExporterStale",),
            ),
        ),
    )
