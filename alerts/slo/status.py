"""Where each SLO stands now, read from a running Prometheus that has its rules loaded.

One query per SLO (every series labelled with its ``sloth_id``: the recordings, the info series
and ``ALERTS``) gives, for ``dictobs slo status``::

    dict-claims-workflow-success  objective 99.9% over 30d
      SLI over the period     99.95%
      error budget left       50% (spent in 15d at the current burn rate 1)
      page   1h/5m    burn 0.2 / 0.4   threshold 14.4   ok
      ...
      alerts                  none

Burn rates are error ratios divided by the error budget, as ``slo:current_burn_rate:ratio``;
a window without traffic has no ratio (NaN) and shows ``-``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from alerts.slo import naming
from alerts.slo.model import SLO
from alerts.slo.rules import WINDOWS, go_number
from toolkit import durations, prometheus_api
from toolkit.prometheus_api import PrometheusAPIError


class StatusError(RuntimeError):
    """Prometheus cannot say where an SLO stands (unreachable, or the SLO's rules not loaded)."""


@dataclass(frozen=True)
class WindowPair:
    severity: str
    long: str
    short: str
    threshold: float  # the burn-rate factor the alert compares with
    long_burn_rate: float | None
    short_burn_rate: float | None

    @property
    def over(self) -> bool:
        """Both windows above the threshold: the alert's condition holds."""
        return all(
            b is not None and b > self.threshold
            for b in (self.long_burn_rate, self.short_burn_rate)
        )


@dataclass(frozen=True)
class Status:
    id: str
    service: str
    slo: str
    objective_percent: float
    period: str
    sli_percent: float | None
    budget_remaining_percent: float | None
    current_burn_rate: float | None
    budget_spent_in_seconds: float | None  # None: not burning (or no traffic); 0: already spent
    windows: tuple[WindowPair, ...]
    alerts: tuple[dict[str, str], ...]  # alertname, severity, state (pending or firing)

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        for pair, window in zip(doc["windows"], self.windows, strict=True):
            pair["over"] = window.over
        return doc


def _number(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) or math.isinf(value) else value


def status(base_url: str, slo: SLO) -> Status:
    """``slo`` as Prometheus at ``base_url`` sees it now."""
    try:
        samples = prometheus_api.query(base_url, f'{{{naming.LABEL_ID}="{slo.id}"}}')
    except PrometheusAPIError as err:
        raise StatusError(str(err)) from None
    series: dict[tuple[str, str], float] = {}
    alerts = []
    for labels, value in samples:
        name = labels.get("__name__", "")
        if name == "ALERTS":
            alerts.append(
                {
                    "alertname": labels.get("alertname", ""),
                    "severity": labels.get(naming.LABEL_SEVERITY, labels.get("severity", "")),
                    "state": labels.get("alertstate", ""),
                }
            )
        else:
            series[name, labels.get(naming.LABEL_WINDOW, "")] = value
    by_name = {name: value for (name, _), value in series.items()}
    if naming.OBJECTIVE_RATIO not in by_name:
        raise StatusError(
            f"SLO {slo.id}: Prometheus at {base_url} has no {naming.OBJECTIVE_RATIO} for it: its "
            "rules are not loaded (generate them with `dictobs rules generate` and add the rule "
            "file to Prometheus' rule_files), or not evaluated yet"
        )
    budget = by_name.get(naming.ERROR_BUDGET_RATIO, slo.error_budget)

    def burn(window: str) -> float | None:
        ratio = series.get((naming.sli_error_ratio(window), durations.normalize(window)))
        return _number(ratio / budget if ratio is not None and budget else None)

    period_ratio = _number(
        series.get((naming.sli_error_ratio(slo.period_window), slo.period_window))
    )
    # These keep the window label of the ratio they divide (the period, 5m).
    remaining = _number(by_name.get(naming.PERIOD_ERROR_BUDGET_REMAINING))
    current = _number(by_name.get(naming.CURRENT_BURN_RATE))
    spent_in: float | None = None
    if remaining is not None and remaining <= 0:
        spent_in = 0.0
    elif remaining is not None and current:
        spent_in = remaining * slo.period_seconds / current
    return Status(
        id=slo.id,
        service=slo.service,
        slo=slo.name,
        objective_percent=slo.objective,
        period=slo.period_window,
        sli_percent=None if period_ratio is None else 100 * (1 - period_ratio),
        budget_remaining_percent=None if remaining is None else 100 * remaining,
        current_burn_rate=current,
        budget_spent_in_seconds=spent_in,
        windows=tuple(
            WindowPair(
                w.severity,
                w.long,
                w.short,
                w.factor(slo.period_seconds),
                burn(w.long),
                burn(w.short),
            )
            for w in WINDOWS
        ),
        alerts=tuple(sorted(alerts, key=lambda a: (a["alertname"], a["severity"]))),
    )


# --- the table --------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}%"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _left(seconds: float | None) -> str:
    if seconds is None:
        return "not burning"
    if seconds <= 0:
        return "spent"
    return f"spent in {durations.format(max(60, round(seconds / 60) * 60))}"


def table(statuses: list[Status]) -> str:
    """What ``dictobs slo status`` prints on a terminal."""
    lines = []
    for st in statuses:
        lines.append(f"{st.id}  objective {go_number(st.objective_percent)}% over {st.period}")
        lines.append(f"  SLI over the period    {_pct(st.sli_percent)}")
        lines.append(
            f"  error budget left      {_pct(st.budget_remaining_percent)} "
            f"({_left(st.budget_spent_in_seconds)} at the current burn rate "
            f"{_rate(st.current_burn_rate)})"
        )
        for w in st.windows:
            pair = f"{w.long}/{w.short}"
            lines.append(
                f"  {w.severity:<6} {pair:<7} burn {_rate(w.long_burn_rate):>6} / "
                f"{_rate(w.short_burn_rate):<6} threshold {go_number(round(w.threshold, 4)):<6} "
                f"{'OVER' if w.over else 'ok'}"
            )
        shown = ", ".join(f"{a['alertname']} ({a['severity']}) {a['state']}" for a in st.alerts)
        lines.append(f"  alerts                 {shown or 'none'}")
    return "\n".join(lines) + "\n"
