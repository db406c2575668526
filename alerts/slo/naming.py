"""Names the SLO rules record under: Sloth's, so that queries people already have keep working.

The rules write them, the dashboards and the runbook read them, and the expression checker
knows them (:func:`recorded_series`)::

    >>> sli_error_ratio("28d")
    'slo:sli_error:ratio_rate4w'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from toolkit import durations, promql_check

if TYPE_CHECKING:
    from alerts.slo.model import SLO

# Identity labels every SLO series carries (Sloth's).
LABEL_ID = "sloth_id"
LABEL_SERVICE = "sloth_service"
LABEL_SLO = "sloth_slo"
LABEL_WINDOW = "sloth_window"
LABEL_SEVERITY = "sloth_severity"

# Recording-rule names.
SLI_ERROR_RATIO_PREFIX = "slo:sli_error:ratio_rate"
SLI_ERROR_RATIO_5M = "slo:sli_error:ratio_rate5m"
SLI_ERROR_RATIO_30M = "slo:sli_error:ratio_rate30m"
SLI_ERROR_RATIO_1H = "slo:sli_error:ratio_rate1h"
SLI_ERROR_RATIO_2H = "slo:sli_error:ratio_rate2h"
SLI_ERROR_RATIO_6H = "slo:sli_error:ratio_rate6h"
SLI_ERROR_RATIO_1D = "slo:sli_error:ratio_rate1d"
SLI_ERROR_RATIO_3D = "slo:sli_error:ratio_rate3d"
# Error and total events per second over 5m: summed over the period they give a traffic-weighted
# period SLI (events SLIs only; a raw ratio SLI has no events to weigh).
SLI_ERROR_RATE_5M = "slo:sli_error:rate5m"
SLI_TOTAL_RATE_5M = "slo:sli_total:rate5m"
OBJECTIVE_RATIO = "slo:objective:ratio"
ERROR_BUDGET_RATIO = "slo:error_budget:ratio"
TIME_PERIOD_DAYS = "slo:time_period:days"
CURRENT_BURN_RATE = "slo:current_burn_rate:ratio"
PERIOD_BURN_RATE = "slo:period_burn_rate:ratio"
PERIOD_ERROR_BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio"
SLO_INFO = "sloth_slo_info"
# Labels Prometheus puts on its ``ALERTS`` series.
ALERT_STATE_LABELS = frozenset({"alertname", "alertstate"})


def sli_error_ratio(window: str) -> str:
    """Record name of the error ratio over ``window``: ``"6h"`` → ``slo:sli_error:ratio_rate6h``."""
    return f"{SLI_ERROR_RATIO_PREFIX}{durations.normalize(window)}"


def recorded_series(slos: Iterable[SLO]) -> dict[str, frozenset[str]]:
    """Series name → labels, for every series the SLO rules of ``slos`` record, and ``ALERTS``
    with the labels their burn-rate alerts carry."""
    slos = list(slos)
    known: dict[str, frozenset[str]] = {}
    spec_labels = frozenset(k for slo in slos for k in slo.labels)
    identity = frozenset({LABEL_ID, LABEL_SERVICE, LABEL_SLO})
    windowed = identity | {LABEL_WINDOW} | spec_labels
    for name in (
        SLI_ERROR_RATIO_5M,
        SLI_ERROR_RATIO_30M,
        SLI_ERROR_RATIO_1H,
        SLI_ERROR_RATIO_2H,
        SLI_ERROR_RATIO_6H,
        SLI_ERROR_RATIO_1D,
        SLI_ERROR_RATIO_3D,
        SLI_ERROR_RATE_5M,
        SLI_TOTAL_RATE_5M,
        *(sli_error_ratio(slo.period_window) for slo in slos),
    ):
        known[name] = windowed
    for name in (
        OBJECTIVE_RATIO,
        ERROR_BUDGET_RATIO,
        TIME_PERIOD_DAYS,
        CURRENT_BURN_RATE,
        PERIOD_BURN_RATE,
        PERIOD_ERROR_BUDGET_REMAINING,
    ):
        known[name] = identity | spec_labels
    alert_labels = {k for slo in slos for k in slo.alerting.labels}
    alert_labels |= {k for slo in slos for k in slo.alerting.page.labels}
    alert_labels |= {k for slo in slos for k in slo.alerting.ticket.labels}
    known["ALERTS"] = ALERT_STATE_LABELS | windowed | {LABEL_SEVERITY, "severity"} | alert_labels
    return known


def known_series(slos: Iterable[SLO]) -> dict[str, frozenset[str]]:
    """Every series a rule or a panel may name, with its labels: the metric catalog's and what
    the SLO rules of ``slos`` record. The expression checker reads queries against it."""
    return {**promql_check.catalog_series(), **recorded_series(slos)}
