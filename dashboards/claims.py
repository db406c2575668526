"""Claims overview: how many claims are open, how old they are, how close to their deadline, and
how they end.

Open-claim figures come from the exporter (visibility counts, cached), flows and resolution
times from the worker's claim metrics. Ages and countdowns read in days (Grafana's own time
units turn 29 days into "4.14 week"), and the claim panels link to the claims themselves in the
Temporal UI (:mod:`dashboards.links`).
"""

from __future__ import annotations

from core.catalog import exporter, worker
from core.domain import CLAIM_PERIOD, EXPIRED, NEAR_DEADLINE_HOURS
from dashboards import claim_ends, exporter_health, links
from dashboards.model import Dashboard, Format, Kind, Panel, Query, Row, Step
from dashboards.queries import (
    NS,
    RANGE,
    TQ,
    buckets,
    increase,
    or_zero,
    rate,
    ratio,
    series,
    variables,
)

UID = "dict-claims-overview"
DAY = 86400
PERIOD_DAYS = CLAIM_PERIOD.days
DAYS = "suffix: days"
WORKER = (NS, TQ)
PAST = "ClaimWorkflowPastDeadline"
EXPORTER_ALERTS = ("DictExporterDown", "DictExporterStale")

# Age thresholds in days: a claim is late from 28 days on and must be gone at 30.
AGE_STEPS = (Step("green"), Step("orange", PERIOD_DAYS - 2), Step("red", PERIOD_DAYS))
NEAR_DAYS = NEAR_DEADLINE_HOURS / 24
# Orange inside the near-deadline window (no alert: undecided claims reach it by design), red
# once overdue, where the claim alert fires.
COUNTDOWN_STEPS = (Step("red"), Step("orange", 0), Step("green", NEAR_DAYS))
ANY_IS_BAD = (Step("green"), Step("red", 1))


def _oldest_days() -> str:
    return f"max({series(exporter.CLAIM_OLDEST_OPEN_AGE, NS)}) / {DAY}"


def _countdown_days() -> str:
    return f"(min({series(exporter.CLAIM_EARLIEST_DEADLINE, NS)}) - time()) / {DAY}"


def _now() -> Row:
    return Row(
        "Open claims now",
        (
            Panel(
                Kind.STAT,
                "Open claims",
                "Claims whose workflow is running, counted by the exporter from Temporal "
                "visibility. A sudden drop to zero with claims still being started means the "
                "exporter cannot count: check 'Exporter up'.",
                "short",
                (Query(f"sum({series(exporter.CLAIMS_OPEN, NS)})"),),
                width=4,
                height=5,
                links=(links.open_claims(),),
            ),
            Panel(
                Kind.STAT,
                "Next deadline countdown",
                "Days left before the earliest deadline of an open claim (negative: overdue), "
                "as the exporter finds it from the claims' deadline attribute. Orange inside "
                f"the {NEAR_DEADLINE_HOURS} h window, red once overdue ({PAST}): "
                "make sure the owner's decision or the auto-cancel happens and check the "
                "worker; the links list those claims.",
                DAYS,
                (Query(_countdown_days()),),
                width=4,
                height=5,
                decimals=2,
                thresholds=COUNTDOWN_STEPS,
                no_value="no open claim has a deadline",
                links=(links.near_deadline(), links.past_deadline()),
                runbooks=(PAST,),
            ),
            Panel(
                Kind.STAT,
                "Oldest open claim",
                f"Age of the oldest open claim in days. Orange from {PERIOD_DAYS - 2} days, red "
                f"at {PERIOD_DAYS}: the claim should have been auto-cancelled by now. When red, "
                "open the claim in the Temporal UI (link) and follow the runbook's section.",
                DAYS,
                (Query(_oldest_days()),),
                width=4,
                height=5,
                decimals=1,
                thresholds=AGE_STEPS,
                links=(links.open_claims(),),
                runbooks=(PAST,),
            ),
            Panel(
                Kind.STAT,
                "Near deadline",
                "Open claims whose deadline falls within the near-deadline window. A rising "
                "count is normal when many owners never answer, and raises no alert; orange when "
                "the window holds claims: watch the countdown and the overdue count.",
                "short",
                (
                    Query(
                        f"sum by (window) ({series(exporter.CLAIMS_NEAR_DEADLINE, NS)})",
                        "within {{window}}",
                    ),
                ),
                width=4,
                height=5,
                thresholds=(Step("green"), Step("orange", 1)),
                links=(links.near_deadline(),),
            ),
            Panel(
                Kind.STAT,
                "Past deadline",
                "Open claims already past their deadline: the auto-cancel did not happen. "
                "Any value above zero is an incident: check worker health and the claim "
                "workflows' pending activities.",
                "short",
                (Query(f"sum({series(exporter.CLAIMS_OVERDUE, NS)})"),),
                width=4,
                height=5,
                thresholds=ANY_IS_BAD,
                links=(links.past_deadline(),),
                runbooks=(PAST,),
            ),
            Panel(
                Kind.STAT,
                "Exporter up",
                "1 when the exporter's last refresh from Temporal worked. When 0 the claim "
                "counts above are stale: check the exporter's logs and its access to Temporal.",
                "bool",
                (Query(f"min({series(exporter.EXPORTER_UP)})"),),
                width=4,
                height=5,
                thresholds=(Step("red"), Step("green", 1)),
                runbooks=EXPORTER_ALERTS,
            ),
        ),
    )


def _status_and_age() -> Row:
    return Row(
        "Status and age",
        (
            Panel(
                Kind.TIMESERIES,
                "Open claims by status",
                "Open claims by their claim status search attribute. A status that only grows "
                "(for example waiting for the owner) shows where claims pile up.",
                "short",
                (
                    Query(
                        f"sum by (status) ({series(exporter.CLAIMS_OPEN, NS)})",
                        "{{status}}",
                    ),
                ),
                width=8,
                stacked=True,
                links=(links.with_status(),),
            ),
            Panel(
                Kind.TIMESERIES,
                "Claims stuck in a status",
                "Open claims held in OPEN or CONFIRMED for longer than the exporter's "
                "stuck_after (1 h by default), statuses a healthy claim leaves within minutes. "
                "OPEN waits for the claim's creation at the Bridge, CONFIRMED for its "
                "completion: above zero for 15 minutes warns. Open those claims (link) and look "
                "at their pending activity, the Bridge and the worker.",
                "short",
                (
                    Query(
                        f"sum by (status) ({series(exporter.CLAIMS_STUCK, NS)})",
                        "{{status}}",
                    ),
                ),
                width=8,
                thresholds=ANY_IS_BAD,
                links=(links.with_status(),),
                runbooks=("ClaimStuckInStatus",),
            ),
            Panel(
                Kind.BARGAUGE,
                "Age ladder",
                "Open claims older than each age step. Claims in the 28-day steps and above are "
                "about to expire; when they grow, expect expirations and check the countdown.",
                "short",
                (
                    Query(
                        f"sum by (age) ({series(exporter.CLAIMS_OPEN_OLDER_THAN, NS)})",
                        "older than {{age}}",
                        instant=True,
                    ),
                ),
                width=8,
                thresholds=(Step("blue"),),
            ),
            Panel(
                Kind.TIMESERIES,
                "Near and past deadline",
                "Claims near their deadline and past it over time. Past deadline must stay at "
                "zero; when it rises, the auto-cancel is failing: check the worker dashboard.",
                "short",
                (
                    Query(
                        f"sum by (window) ({series(exporter.CLAIMS_NEAR_DEADLINE, NS)})",
                        "near deadline ({{window}})",
                    ),
                    Query(f"sum({series(exporter.CLAIMS_OVERDUE, NS)})", "past deadline"),
                ),
                thresholds=ANY_IS_BAD,
                links=(links.near_deadline(), links.past_deadline()),
                runbooks=(PAST,),
            ),
            Panel(
                Kind.TIMESERIES,
                "Oldest open claim age",
                "Age of the oldest open claim over time in days, with lines at "
                f"{PERIOD_DAYS - 2} and {PERIOD_DAYS} days. It should saw-tooth below "
                f"{PERIOD_DAYS} days; a line that keeps climbing past it means a claim escaped "
                "its deadline.",
                DAYS,
                (Query(_oldest_days(), "oldest open claim"),),
                decimals=1,
                thresholds=AGE_STEPS,
                links=(links.open_claims(),),
                runbooks=(PAST,),
            ),
        ),
    )


def _flow() -> Row:
    resolved_range = increase(worker.CLAIMS_RESOLVED, *WORKER, by="outcome")
    expired = series(worker.CLAIMS_RESOLVED, *WORKER, f'outcome="{EXPIRED}"')
    resolved = f"sum(increase({series(worker.CLAIMS_RESOLVED, *WORKER)}[{RANGE}]))"
    return Row(
        "Claims started and resolved",
        (
            Panel(
                Kind.TIMESERIES,
                "Claims started and resolved per minute",
                "Claims started, and resolved by outcome, per minute. Resolutions should "
                "follow starts with a lag of up to 30 days; starts with no resolutions for "
                "weeks mean claims are stuck.",
                "opm",
                (
                    Query(f"{rate(worker.CLAIMS_STARTED, *WORKER)} * 60", "started"),
                    Query(
                        f"{rate(worker.CLAIMS_RESOLVED, *WORKER, by='outcome')} * 60",
                        "resolved: {{outcome}}",
                    ),
                ),
            ),
            Panel(
                Kind.BARGAUGE,
                "Resolved by outcome (time range)",
                "How claims ended over the selected time range. Many 'expired' means owners do "
                "not answer or the Bridge decision path is failing.",
                "short",
                (Query(resolved_range, "{{outcome}}", instant=True),),
                width=6,
                thresholds=(Step("blue"),),
            ),
            claim_ends.server_closes(),
            Panel(
                Kind.STAT,
                "Expired share (time range)",
                "Share of resolved claims that expired over the selected range. Red above 20%: "
                "check whether decisions reach the worker (Bridge errors, signals).",
                "percentunit",
                (
                    Query(
                        ratio(or_zero(f"sum(increase({expired}[{RANGE}]))", resolved), resolved),
                        instant=True,
                    ),
                ),
                width=6,
                thresholds=(Step("green"), Step("orange", 0.1), Step("red", 0.2)),
                no_value="no claims resolved",
            ),
            Panel(
                Kind.TIMESERIES,
                "Closed recently (exporter)",
                "Claims the exporter saw close within its lookback window, by outcome. It "
                "cross-checks the worker's counters: a gap between the two means the worker "
                "lost metrics (restarts) or the exporter lags.",
                "short",
                (
                    Query(
                        f"sum by (outcome, window) ({series(exporter.CLAIMS_CLOSED_RECENT, NS)})",
                        "{{outcome}} ({{window}})",
                    ),
                ),
            ),
        ),
    )


def _resolution() -> Row:
    return Row(
        "Resolution time",
        (
            Panel(
                Kind.HEATMAP,
                "Resolution time distribution",
                "How long claims took from start to resolution, per histogram bucket over "
                "time. Mass near 30 days is expirations; mass beyond 30 days means claims "
                "overran their deadline and needs investigation.",
                "s",
                (
                    Query(
                        buckets(worker.CLAIM_RESOLUTION, *WORKER),
                        "{{le}}",
                        format=Format.HEATMAP,
                    ),
                ),
            ),
            Panel(
                Kind.BARGAUGE,
                "Resolution time buckets (time range)",
                "Claims resolved in the selected range per resolution-time bucket (upper bound "
                "in seconds). A bar beyond 2592000 (30 days) is an overrun: investigate.",
                "short",
                (
                    Query(
                        buckets(worker.CLAIM_RESOLUTION, *WORKER, window=RANGE),
                        "{{le}}",
                        instant=True,
                        format=Format.HEATMAP,
                    ),
                ),
                thresholds=(Step("blue"),),
            ),
        ),
    )


def dashboard() -> Dashboard:
    return Dashboard(
        uid=UID,
        title="DICT / Claims overview",
        description="Open DICT claims, their age against the 30-day deadline, and how they end.",
        rows=(_now(), _status_and_age(), _flow(), _resolution(), exporter_health.row()),
        variables=(*variables(), links.NEAR_UNTIL),
        tags=("claims",),
        time_from="now-7d",
    )
