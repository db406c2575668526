"""SLOs: per SLO of ``alerts/slos.yaml`` the SLI over the period, the objective, the error budget
left, burn rates over the alert windows and the state of its burn-rate alerts.

Everything is read from the SLO recording rules (Sloth's names) through the alerts package's
loader and constants, so a new SLO in the YAML file gets its row on the next build.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from alerts.slo import naming
from alerts.slo.model import SLO
from alerts.slo.rules import ABSENT_ALERT, SLI_WINDOWS, WINDOWS
from alerts.slo.spec import load_slos
from dashboards.model import Dashboard, Kind, Panel, Query, Row, Step
from dashboards.queries import IDLE, variables

UID = "dict-slos"
SEVERITY_COLOR = {"page": "red", "ticket": "orange"}
BUDGET_STEPS = (Step("red"), Step("orange", 0.0), Step("green", 0.25))
BURN_UNIT = "suffix:x"


def _alerts(name: str, *matchers: str) -> str:
    """How many alerts match: 0 (not ``No data``) while nothing fires."""
    inner = ", ".join((f'alertname="{name}"', 'alertstate="firing"', *matchers))
    return f"count(ALERTS{{{inner}}}) or vector(0)"


def _burn_steps(slo: SLO) -> tuple[Step, ...]:
    """Green below the slowest ticket burn, orange from it, red from the slowest page burn."""
    factors: dict[str, list[float]] = {}
    for w in WINDOWS:
        factors.setdefault(w.severity, []).append(w.factor(slo.period_seconds))
    return (
        Step("green"),
        Step("orange", min(factors["ticket"])),
        Step("red", min(factors["page"])),
    )


def _slo_row(slo: SLO) -> Row:
    sel = slo.selector()
    budget = f"{naming.ERROR_BUDGET_RATIO}{{{sel}}}"
    period = slo.period_window
    panels = [
        Panel(
            Kind.STAT,
            f"SLI over {period}",
            f"{slo.description} Measured over the last {period}. Red below the "
            f"{slo.objective:g}% objective: the SLO is broken; follow the alert's runbook.",
            "percentunit",
            (Query(f"1 - {naming.sli_error_ratio(period)}{{{sel}}}"),),
            width=4,
            height=5,
            decimals=3,
            thresholds=(Step("red"), Step("green", slo.objective_ratio)),
            no_value=IDLE,
        ),
        Panel(
            Kind.STAT,
            "Objective",
            f"The target share of good events over {period} ({slo.objective:g}%), as recorded "
            "by the rules. If it differs from the YAML file, the rules are out of date: run "
            "make rules and reload Prometheus.",
            "percentunit",
            (Query(f"{naming.OBJECTIVE_RATIO}{{{sel}}}"),),
            width=4,
            height=5,
            decimals=3,
        ),
        Panel(
            Kind.STAT,
            f"Error budget left ({period})",
            f"Share of the {period} error budget still unspent. Orange under 25%: slow down "
            "risky changes; red below 0: the objective is missed, freeze changes and fix the "
            "cause.",
            "percentunit",
            (Query(f"{naming.PERIOD_ERROR_BUDGET_REMAINING}{{{sel}}}"),),
            width=4,
            height=5,
            decimals=1,
            thresholds=BUDGET_STEPS,
        ),
        Panel(
            Kind.STAT,
            "Burn rate now (5m)",
            "How many times faster than allowed the budget burns over the last 5 minutes; "
            "1x spends exactly the budget over the period. Red at the page speed: someone "
            "should be looking already.",
            BURN_UNIT,
            (Query(f"{naming.CURRENT_BURN_RATE}{{{sel}}}"),),
            width=4,
            height=5,
            decimals=1,
            thresholds=_burn_steps(slo),
            no_value=IDLE,
        ),
    ]
    for severity, spec in (("page", slo.alerting.page), ("ticket", slo.alerting.ticket)):
        if spec.disable:
            continue
        panels.append(
            Panel(
                Kind.STAT,
                f"{severity.capitalize()} alert firing",
                f"1 while {slo.alerting.name} ({severity}) fires for this SLO, 0 otherwise. "
                f"When 1, follow the runbook section of {slo.alerting.name}.",
                "short",
                (
                    Query(
                        _alerts(
                            slo.alerting.name,
                            f'{naming.LABEL_ID}="{slo.id}"',
                            f'{naming.LABEL_SEVERITY}="{severity}"',
                        )
                    ),
                ),
                width=4,
                height=5,
                thresholds=(Step("green"), Step(SEVERITY_COLOR[severity], 1)),
            )
        )
    panels += [
        Panel(
            Kind.TIMESERIES,
            "Burn rate over the alert windows",
            "Error ratio divided by the error budget over each alert window. A page fires "
            "when a long window and its short window both exceed the page speed (red line), "
            "a ticket at the ticket speed (orange line). A short window alone spiking is a "
            "blip; long windows high mean sustained burn.",
            BURN_UNIT,
            tuple(
                Query(
                    f"{naming.sli_error_ratio(w)}{{{sel}}} "
                    f"/ on({naming.LABEL_ID}, {naming.LABEL_SERVICE}, {naming.LABEL_SLO}) "
                    f"{budget}",
                    w,
                )
                for w in SLI_WINDOWS
            ),
            width=16,
            thresholds=_burn_steps(slo),
        ),
        Panel(
            Kind.TIMESERIES,
            "Error budget left over time",
            f"The {period} error budget left, over time. A steady downward slope that "
            "reaches 0 before the period ends means the objective will be missed: act "
            "before it does.",
            "percentunit",
            (Query(f"{naming.PERIOD_ERROR_BUDGET_REMAINING}{{{sel}}}", "budget left"),),
            width=8,
            thresholds=BUDGET_STEPS,
        ),
    ]
    # Every panel of the row shows what the SLO's burn-rate alert watches.
    watched = tuple(replace(p, runbooks=(slo.alerting.name,)) for p in panels)
    return Row(f"{slo.service} / {slo.name} ({slo.objective:g}%)", watched)


def _overview(slos: list[SLO]) -> Row:
    names = "|".join(sorted({s.alerting.name for s in slos if s.alerting.enabled}))
    return Row(
        "All SLOs",
        (
            Panel(
                Kind.BARGAUGE,
                "Error budget left per SLO",
                "The unspent share of each SLO's error budget over its period. Orange under "
                "25%, red below 0: open that SLO's row below.",
                "percentunit",
                (
                    Query(
                        f"{naming.PERIOD_ERROR_BUDGET_REMAINING}",
                        "{{sloth_service}} / {{sloth_slo}}",
                        instant=True,
                    ),
                ),
                width=12,
                thresholds=BUDGET_STEPS,
                min=-1,
                max=1,
            ),
            Panel(
                Kind.STAT,
                "Burn-rate alerts firing",
                "How many SLO burn-rate alerts fire right now (pages and tickets). Above 0: "
                "find the SLO in the rows below and follow its runbook.",
                "short",
                (
                    Query(
                        f'count(ALERTS{{alertname=~"{names}", alertstate="firing"}}) or vector(0)'
                    ),
                ),
                width=6,
                thresholds=(Step("green"), Step("red", 1)),
            ),
            Panel(
                Kind.STAT,
                "SLIs without data",
                f"SLOs whose SLI cannot be computed ({ABSENT_ALERT} firing). Their burn-rate "
                "alerts cannot fire either: check that the source is scraped and the metric "
                "still exists.",
                "short",
                (Query(_alerts(ABSENT_ALERT)),),
                width=6,
                thresholds=(Step("green"), Step("orange", 1)),
                runbooks=(ABSENT_ALERT,),
            ),
        ),
    )


def dashboard(path: Path | None = None) -> Dashboard:
    slos = load_slos(path, check_queries=False)
    return Dashboard(
        uid=UID,
        title="DICT / SLOs",
        description="Service level objectives of DICT claim processing: SLI, objective, error "
        "budget, burn rates and alert state, generated from alerts/slos.yaml.",
        rows=(_overview(slos), *(_slo_row(slo) for slo in slos)),
        variables=variables(),
        tags=("slo",),
        time_from="now-7d",
    )
