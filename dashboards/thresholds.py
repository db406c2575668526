"""Panel colour steps taken from the pack configuration's thresholds.

A panel that shows what an alert watches turns red at the number that alert fires on (and orange
at its warning, where it has one), so a dashboard and a page never disagree. Steps that no alert
backs (an early orange, say) are the dashboards' own.
"""

from __future__ import annotations

from core import config
from dashboards.model import Step

# The dashboards' own early warning on a backlog, well before the alert's limit.
BACKLOG_ORANGE = 100


def backlog(cfg: config.PackConfig | None = None) -> tuple[Step, ...]:
    """Backlog panels: red at the TemporalTaskQueueBacklogHigh limit."""
    t = (cfg or config.current()).thresholds
    return (Step("green"), Step("orange", BACKLOG_ORANGE), Step("red", t.backlog_tasks))


def schedule_to_start(cfg: config.PackConfig | None = None) -> tuple[Step, ...]:
    """Schedule-to-start latency: orange and red at the warning and the critical alert."""
    t = (cfg or config.current()).thresholds
    return (
        Step("green"),
        Step("orange", t.schedule_to_start_warning_seconds),
        Step("red", t.schedule_to_start_critical_seconds),
    )


def bridge_errors(cfg: config.PackConfig | None = None) -> tuple[Step, ...]:
    """Bridge error ratio: orange from 1%, red at the DictBridgeErrorRatioHigh ratio."""
    t = (cfg or config.current()).thresholds
    return (Step("green"), Step("orange", 0.01), Step("red", t.bridge_error_ratio))


def frontend_errors(cfg: config.PackConfig | None = None) -> tuple[Step, ...]:
    """Frontend error ratio: red at the TemporalFrontendErrorRatioHigh ratio (a page)."""
    t = (cfg or config.current()).thresholds
    return (Step("green"), Step("red", t.frontend_error_ratio))


def persistence_latency(cfg: config.PackConfig | None = None) -> tuple[Step, ...]:
    """Persistence p99: orange at the TemporalPersistenceLatencyHigh latency (a warning)."""
    t = (cfg or config.current()).thresholds
    return (Step("green"), Step("orange", t.persistence_p99_seconds))


def sync_match(cfg: config.PackConfig | None = None) -> tuple[Step, ...]:
    """Sync match rate: orange below the TemporalSyncMatchRateLow ratio (a warning)."""
    t = (cfg or config.current()).thresholds
    return (Step("orange"), Step("green", t.sync_match_ratio))


def activity_failures(cfg: config.PackConfig | None = None) -> tuple[Step, ...]:
    """Activity failure ratio: orange from 1%, red at the TemporalActivityRetryRateHigh ratio."""
    t = (cfg or config.current()).thresholds
    return (Step("green"), Step("orange", 0.01), Step("red", t.activity_retry_ratio))
