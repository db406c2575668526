"""SLO model → Prometheus rule groups, with Sloth's rule names, labels, windows and factors.

Per SLO three groups, as Sloth writes them: SLI recordings (error ratio over every alert window
and the period), metadata recordings (objective, budget, burn rates, budget remaining, info) and
the multi-window multi-burn-rate alerts (SRE workbook): a page when 2% of the period's budget
burns within 1h or 5% within 6h, a ticket when 10% burns within 1d or within 3d, each long
window confirmed by a short one (1/12 of it) so that the alert resets once the burn stops.

Where this differs from Sloth, on purpose:

- The period SLI of an events SLI is traffic-weighted: errors summed over the period divided by
  events summed over the period (from two recorded 5m rates), not the average of 5m ratios. An
  interval without traffic adds nothing to either sum, instead of turning the period into NaN.
- An error counter that does not exist yet (clients create a series on its first event) counts
  as zero errors, not as a missing SLI.
- An ``SLOMetricsAbsent`` warning says when the SLI cannot be computed at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from alerts.slo import model, naming
from alerts.slo.model import SLO
from alerts.slo.sli import EventsSLI, LatencySLI, RawSLI
from core import __version__
from core.config import DEFAULT, PackConfig
from toolkit import durations

Rule = dict[str, Any]
Group = dict[str, Any]

ABSENT_ALERT = "SLOMetricsAbsent"
ABSENT_FOR = "15m"
# Sloth's summary, for a spec that sets none.
SUMMARY = (
    "{{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is over expected."
)


@dataclass(frozen=True)
class Options:
    """What Sloth's ``generate`` flags choose for every SLO: ``--disable-recordings``,
    ``--disable-alerts``; and the evaluation ``interval`` of each kind of group (``sli``,
    ``meta``, ``alerts``; it wins over the spec's rule-intervals plugin), none meaning
    Prometheus' global one. Extra labels are SLO labels
    (:func:`alerts.slo.spec.with_labels`), as in Sloth."""

    disable_recordings: bool = False
    disable_alerts: bool = False
    interval: Mapping[str, str] = field(default_factory=dict)


DEFAULT_OPTIONS = Options()
GROUP_KINDS = ("sli", "meta", "alerts")
_GROUP_NAMES = {"sli": "sli-recordings", "meta": "meta-recordings", "alerts": "alerts"}


@dataclass(frozen=True)
class BurnWindow:
    """A burn-rate tier: ``budget_percent`` of the period's budget spent within ``long``."""

    severity: str  # sloth_severity: page or ticket
    budget_percent: float
    long: str
    short: str

    def factor(self, period_seconds: int) -> float:
        """How many times faster than allowed the budget burns (14.4 for 2% in 1h of 30d)."""
        required = self.budget_percent * period_seconds / 100
        return required / durations.seconds(self.long)


# The SRE workbook's tiers for a 30-day period; other periods keep the budget shares.
WINDOWS: tuple[BurnWindow, ...] = (
    BurnWindow("page", 2, "1h", "5m"),
    BurnWindow("page", 5, "6h", "30m"),
    BurnWindow("ticket", 10, "1d", "2h"),
    BurnWindow("ticket", 10, "3d", "6h"),
)
SLI_WINDOWS: tuple[str, ...] = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def group_name(kind: str, slo_id: str) -> str:
    """The name Sloth gives an SLO's group of ``kind`` (one of GROUP_KINDS).

    >>> group_name("sli", "dict-bridge-call-availability")
    'sloth-slo-sli-recordings-dict-bridge-call-availability'
    """
    return f"sloth-slo-{_GROUP_NAMES[kind]}-{slo_id}"


def go_number(value: float) -> str:
    """A float as Go's ``%v`` prints it, so rule text matches Sloth's: 6.0 → ``6``."""
    if float(value).is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(float(value))


def _block(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def _labels(slo: SLO, **extra: str) -> dict[str, str]:
    return dict(sorted({**slo.labels, **slo.identity, **extra}.items()))


def _sli_ratio_expr(slo: SLO, window: str) -> str:
    sli = slo.sli
    if isinstance(sli, RawSLI):
        return _block(f"({sli.ratio(window)})")
    return _block(f"({_error(sli, window)})", "/", f"({sli.total(window)})")


def _error(sli: EventsSLI | LatencySLI, window: str) -> str:
    """Error events per second; a missing error (or good) series counts as none."""
    total = sli.total(window)
    if isinstance(sli, EventsSLI) and sli.error_query is not None:
        return f"({sli.error(window)}) or (({total}) * 0)"
    good = sli.good(window)
    return f"({total}) - (({good}) or (({total}) * 0))"


def sli_recordings(slo: SLO) -> Group:
    rules: list[Rule] = [
        {
            "record": naming.sli_error_ratio(w),
            "expr": _sli_ratio_expr(slo, w),
            "labels": _labels(slo, **{naming.LABEL_WINDOW: w}),
        }
        for w in SLI_WINDOWS
    ]
    period = slo.period_window
    sel = slo.selector()
    if isinstance(slo.sli, RawSLI):
        # No events to weigh: Sloth's average of the 5m ratios.
        ratio5m = f"{naming.SLI_ERROR_RATIO_5M}{{{sel}}}[{period}]"
        period_expr = _block(
            f"sum_over_time({ratio5m})", "/ ignoring (sloth_window)", f"count_over_time({ratio5m})"
        )
    else:
        rules += [
            {
                "record": naming.SLI_ERROR_RATE_5M,
                "expr": _block(_error(slo.sli, "5m")),
                "labels": _labels(slo, **{naming.LABEL_WINDOW: "5m"}),
            },
            {
                "record": naming.SLI_TOTAL_RATE_5M,
                "expr": _block(slo.sli.total("5m")),
                "labels": _labels(slo, **{naming.LABEL_WINDOW: "5m"}),
            },
        ]
        period_expr = _block(
            f"sum_over_time({naming.SLI_ERROR_RATE_5M}{{{sel}}}[{period}])",
            "/ ignoring (sloth_window)",
            f"sum_over_time({naming.SLI_TOTAL_RATE_5M}{{{sel}}}[{period}])",
        )
    rules.append(
        {
            "record": naming.sli_error_ratio(period),
            "expr": period_expr,
            # Sloth sets only the window here; the identity labels come with the input series.
            # We spell them out as well (same result) so that promtool's duplicate-rule lint
            # tells the period rules of different SLOs apart.
            "labels": _labels(slo, **{naming.LABEL_WINDOW: period}),
        }
    )
    return {"name": group_name("sli", slo.id), "rules": rules}


def meta_recordings(slo: SLO) -> Group:
    sel = slo.selector()
    on = "/ on(sloth_id, sloth_slo, sloth_service) group_left"
    budget = f"{naming.ERROR_BUDGET_RATIO}{{{sel}}}"
    objective = go_number(slo.objective_ratio)
    rules: list[Rule] = [
        {"record": naming.OBJECTIVE_RATIO, "expr": f"vector({objective})"},
        {"record": naming.ERROR_BUDGET_RATIO, "expr": f"vector(1-{objective})"},
        {"record": naming.TIME_PERIOD_DAYS, "expr": f"vector({go_number(slo.period_days)})"},
        {
            "record": naming.CURRENT_BURN_RATE,
            "expr": _block(f"{naming.SLI_ERROR_RATIO_5M}{{{sel}}}", on, budget),
        },
        {
            "record": naming.PERIOD_BURN_RATE,
            "expr": _block(f"{naming.sli_error_ratio(slo.period_window)}{{{sel}}}", on, budget),
        },
        {
            "record": naming.PERIOD_ERROR_BUDGET_REMAINING,
            "expr": f"1 - {naming.PERIOD_BURN_RATE}{{{sel}}}",
        },
    ]
    for rule in rules:
        rule["labels"] = _labels(slo)
    rules.append(
        {
            "record": naming.SLO_INFO,
            "expr": "vector(1)",
            "labels": _labels(
                slo,
                sloth_mode=slo.mode,
                sloth_objective=go_number(slo.objective),
                sloth_spec=slo.spec_version,
                sloth_version=f"dictobs-{__version__}",
            ),
        }
    )
    return {"name": group_name("meta", slo.id), "rules": rules}


def _burn_condition(slo: SLO, window: BurnWindow, min_events: int | None = None) -> str:
    """One tier, as Sloth writes it: the short window first, so that the alert's ``$value`` is
    the error ratio over the short window (``and`` keeps its left side's samples). ``max ...
    without (sloth_window)`` drops the window label, so the alert keeps one identity when the
    burn moves from one tier to the other.

    With ``min_events``, the tier also needs that many events in its long window (the mean of
    the recorded 5m event rate over the window, times its length): at low traffic one failure
    is a large ratio and says little (SRE workbook, "Low-traffic services")."""
    factor = go_number(window.factor(slo.period_seconds))
    budget = go_number(slo.error_budget)
    sel = slo.selector()
    short = f"{naming.sli_error_ratio(window.short)}{{{sel}}} > ({factor} * {budget})"
    long = f"{naming.sli_error_ratio(window.long)}{{{sel}}} > ({factor} * {budget})"
    lines = [
        "(",
        f"    max({short}) without (sloth_window)",
        "    and",
        f"    max({long}) without (sloth_window)",
    ]
    if min_events:
        seconds = durations.seconds(window.long)
        events = f"avg_over_time({naming.SLI_TOTAL_RATE_5M}{{{sel}}}[{window.long}]) * {seconds}"
        lines += [
            "    and on (sloth_id, sloth_service, sloth_slo)",
            f"    max({events} >= {min_events}) without (sloth_window)",
        ]
    return "\n".join([*lines, ")"])


def burn_alert(slo: SLO, severity: str, cfg: PackConfig = DEFAULT) -> Rule | None:
    spec = slo.alerting.page if severity == "page" else slo.alerting.ticket
    if spec.disable:
        return None
    tiers = [w for w in WINDOWS if w.severity == severity]
    expr = "\nor\n".join(_burn_condition(slo, w, spec.min_events) for w in tiers) + "\n"
    name = slo.alerting.name
    # Our SLOs route on ``severity`` like every other alert of the pack; a Sloth spec gets
    # exactly Sloth's labels (its teams route on ``sloth_severity`` or their own labels).
    defaults = {}
    if slo.spec_version == model.NATIVE_VERSION:
        defaults["severity"] = "critical" if severity == "page" else "warning"
    labels = {
        **defaults,
        **slo.alerting.labels,
        **spec.labels,
        naming.LABEL_SEVERITY: severity,
    }
    speeds = " or ".join(
        f"{go_number(w.factor(slo.period_seconds))}x over {w.long} and {w.short}" for w in tiers
    )
    annotations = {
        "summary": SUMMARY,
        "title": (
            f"({severity}) {{{{$labels.sloth_service}}}} {{{{$labels.sloth_slo}}}} SLO error "
            "budget burn rate is too fast."
        ),
        "description": (
            f"{{{{ $labels.sloth_service }}}} {{{{ $labels.sloth_slo }}}} burns its error budget "
            f"({slo.objective:g}% over {slo.period_window}) at {speeds}: the error ratio over "
            "the short window is {{ $value | humanizePercentage }}."
        ),
        "runbook_url": cfg.runbook_url(name),
        **slo.alerting.annotations,
        **spec.annotations,
    }
    rule: Rule = {"alert": name, "expr": expr}
    if spec.for_:
        rule["for"] = spec.for_
    rule["labels"] = dict(sorted(labels.items()))
    rule["annotations"] = dict(sorted(annotations.items()))
    return rule


def absent_alert(slo: SLO, cfg: PackConfig = DEFAULT) -> Rule:
    ratio = f"{naming.SLI_ERROR_RATIO_5M}{{{slo.selector()}}}"
    window = slo.alerting.absent_window
    # A sparse SLI is missing after every restart until its first event: only missing for the
    # whole window is news.
    expr = f"absent_over_time({ratio}[{window}])" if window else f"absent({ratio})"
    missing = f"{window} and then {ABSENT_FOR}" if window else ABSENT_FOR
    return {
        "alert": ABSENT_ALERT,
        "expr": expr + "\n",
        "for": ABSENT_FOR,
        # absent() yields the identity labels already; spelled out so rules stay distinct.
        "labels": _labels(slo, severity="warning"),
        "annotations": {
            "summary": "An SLO cannot be computed: its SLI has no data.",
            "description": (
                "{{ $labels.sloth_service }} {{ $labels.sloth_slo }}: the SLI series are missing "
                f"for {missing} (is the source scraped? does the metric still exist?). "
                "Burn-rate alerts of this SLO cannot fire."
            ),
            "runbook_url": cfg.runbook_url(ABSENT_ALERT),
        },
    }


def alert_group(slo: SLO, cfg: PackConfig = DEFAULT) -> Group | None:
    """The SLO's alerts; None when both are disabled (as Sloth, no group then, not even
    ``SLOMetricsAbsent``: nothing would page on the SLO anyway)."""
    rules = [r for r in (burn_alert(slo, "page", cfg), burn_alert(slo, "ticket", cfg)) if r]
    if not rules:
        return None
    rules.append(absent_alert(slo, cfg))
    return {"name": group_name("alerts", slo.id), "rules": rules}


def groups(
    slos: list[SLO], cfg: PackConfig = DEFAULT, options: Options | None = None
) -> list[Group]:
    """Every rule group of ``slos``, in file order."""
    options = options or DEFAULT_OPTIONS
    out: list[Group] = []
    for slo in slos:
        made: dict[str, Group | None] = {
            "sli": None if options.disable_recordings else sli_recordings(slo),
            "meta": None if options.disable_recordings else meta_recordings(slo),
            "alerts": None if options.disable_alerts else alert_group(slo, cfg),
        }
        for kind, group in made.items():
            if group is None:
                continue
            every = options.interval.get(kind) or slo.intervals.get(kind)
            if every:
                group = {"name": group["name"], "interval": every, **group}
            out.append(group)
    return out
