"""The claim exporter itself: scraped, and refreshing from Temporal."""

from __future__ import annotations

from alerts.operational.common import Group, alert
from alerts.operational.common import group as make_group
from core.catalog import exporter, server
from core.config import PackConfig
from toolkit.selectors import sel


def down(cfg: PackConfig) -> str:
    up = sel(server.UP, job=cfg.exporter_job)
    return f"{up} == 0\nor\nabsent({up})"


def stale(cfg: PackConfig) -> str:
    # An exporter that never completed a refresh serves no last-success time at all, only
    # dict_exporter_up 0: that is stale too.
    last = sel(exporter.EXPORTER_LAST_SUCCESS, job=cfg.exporter_job)
    up = sel(exporter.EXPORTER_UP, job=cfg.exporter_job)
    return (
        f"time() - max by (job) ({last}) > {cfg.thresholds.exporter_stale_seconds}\n"
        f"or\nmax by (job) ({up}) == 0 unless on (job) max by (job) ({last})"
    )


def rate_limited(cfg: PackConfig) -> str:
    limited = sel(exporter.EXPORTER_RATE_LIMITED, job=cfg.exporter_job)
    calls = sel(exporter.EXPORTER_VISIBILITY_CALLS, job=cfg.exporter_job)
    return (
        f"sum by (job) (rate({limited}[15m]))\n/\nsum by (job) (rate({calls}[15m]))\n"
        f"> {cfg.thresholds.exporter_rate_limited_ratio:g}"
    )


def group(cfg: PackConfig) -> Group:
    return make_group(
        "dict-exporter",
        [
            alert(
                cfg,
                "DictExporterDown",
                down(cfg),
                for_="5m",
                severity="warning",
                summary="Prometheus cannot scrape the claim exporter.",
                description=(
                    "{{ $labels.job }} has been down or missing from the scrape targets for 5m: "
                    "claim deadline and backlog alerts are blind."
                ),
            ),
            alert(
                cfg,
                "DictExporterStale",
                stale(cfg),
                for_="5m",
                severity="warning",
                summary="The claim exporter serves stale numbers.",
                description=(
                    "{{ $labels.job }} has not completed a refresh from Temporal for more than "
                    f"{cfg.thresholds.exporter_stale_seconds}s (or never since it started): "
                    "Temporal is unreachable, slow, or refuses the exporter's credentials."
                ),
            ),
            alert(
                cfg,
                "DictExporterRateLimited",
                rate_limited(cfg),
                for_="15m",
                severity="warning",
                summary="Temporal's visibility rate limit refuses the claim exporter's calls.",
                description=(
                    "{{ $value | humanizePercentage }} of {{ $labels.job }}'s calls to Temporal "
                    "were refused with RESOURCE_EXHAUSTED over 15m (threshold "
                    f"{cfg.thresholds.exporter_rate_limited_ratio:.0%}): each waits a backoff, "
                    "refreshes slow down and the claim numbers go stale."
                ),
            ),
        ],
    )
