"""promtool tests for every SLO, generated from the spec: thresholds, factors and windows come
from the SLO; the input series come from a *feeder* that knows which raw series the SLI reads.

Each SLO gets these cases (series sampled every 5m, rules evaluated hourly; three days of good
traffic come first, because ``rate()`` over 1d or 3d only sees the samples that exist and a
short history would make a slow burn look fast):

- each burn tier just below its threshold (quiet) and above it (fires, with labels and
  annotations); the page resetting once its short window has recovered;
- no traffic at all (the SLI is NaN: nothing fires, the SLI is not "absent");
- with ``min_events`` on the page, low traffic of nothing but errors: the ticket alone fires;
- no series at all (only ``SLOMetricsAbsent`` fires, after its ``for``);
- the budget arithmetic of the recording rules against values worked out here: a traffic-weighted
  period with an idle hour in the middle.

Latency SLIs are fed from the catalog histogram; events SLIs need a feeder registered below,
because only a person knows which counters make up a query.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alerts import render
from alerts.slo import naming
from alerts.slo import rules as slo_rules
from alerts.slo.model import SLO
from alerts.slo.rules import WINDOWS, BurnWindow, go_number
from alerts.slo.sli import EventsSLI, LatencySLI, RawSLI, go_float
from core import domain
from core.catalog import get, lookup_series, server, worker
from core.config import current
from toolkit import durations
from toolkit.selectors import dialect, selector

STEP = 300  # seconds between samples
# Seconds between rule evaluations. Hourly keeps four simulated days cheap: the cost is
# evaluations times samples per window. Every check below falls on a whole hour.
EVALUATION = 3600
# Events per step while traffic flows. Every increment is a whole number: promtool expands a
# series by repeated addition, and a fraction that sums differently than it multiplies would
# make a counter step back (a reset, to rate()).
PER_STEP = 1_000_000
BASELINE = 3 * 86400  # good traffic before any burn


@dataclass(frozen=True)
class Phase:
    seconds: int
    events: int  # events per step
    errors: int  # of which errors

    @property
    def steps(self) -> int:
        return self.seconds // STEP


Series = dict[str, str]
Feeder = Callable[[SLO, list[Phase]], list[Series]]


def counter_values(increments: list[tuple[int, int]]) -> str:
    """promtool's expanding notation for a counter that starts at 0 and then grows by ``inc``
    per step for ``steps`` steps, phase after phase: ``[(3, 2.0)]`` → ``0 2+2x2``."""
    parts, value = ["0"], 0
    for steps, inc in increments:
        if steps <= 0:
            continue
        start = value + inc
        parts.append(f"{start}+{inc}x{steps - 1}")
        value = start + inc * (steps - 1)
    return " ".join(parts)


def _series(name: str, labels: dict[str, str], increments: list[tuple[int, int]]) -> Series:
    """An input series of a catalog metric, its labels checked against the catalog entry."""
    metric = lookup_series(name)
    if metric is None:
        raise ValueError(f"{name} is not a series of the metric catalog")
    matchers = [f'{k}="{v}"' for k, v in sorted(labels.items())]
    return {
        "series": selector(metric, *matchers, series=name),
        "values": counter_values(increments),
    }


def _good(phases: list[Phase]) -> list[tuple[int, int]]:
    return [(p.steps, p.events - p.errors) for p in phases]


def _bad(phases: list[Phase]) -> list[tuple[int, int]]:
    return [(p.steps, p.errors) for p in phases]


def _all(phases: list[Phase]) -> list[tuple[int, int]]:
    return [(p.steps, p.events) for p in phases]


# --- feeders ----------------------------------------------------------------------------------

# Input series carry the labels of the pack configuration the rules were generated with: its
# job names, namespace (under its label), task queue and claim workflow type.


def _closed() -> dict[str, str]:
    cfg = current()
    return {
        **cfg.namespace_labels(cfg.server_job),
        "namespace_state": "active",
        "operation": "CompletionStats",
        "service_name": "history",
        "taskqueue": cfg.server_task_queue,
        "workflowType": cfg.claim_workflow_type,
    }


def feed_claim_workflows(slo: SLO, phases: list[Phase]) -> list[Series]:
    """Closed executions as history counts them: errors split between failures and timeouts
    (terminations would count the same way), cancellations on the side, counted neither way.
    On top, claims the Bridge refused (a twentieth of the events): history counts them as
    failed, the worker as refused, and the SLI counts them neither way."""
    refused = [(p.steps, p.events // 20) for p in phases]
    failed = [(p.steps, p.errors - p.errors // 2 + p.events // 20) for p in phases]
    timed_out = [(p.steps, p.errors // 2) for p in phases]
    closed = _closed()
    cfg = current()
    refusals = {
        **cfg.namespace_labels(cfg.worker_job),
        "reason": "KeyAlreadyExistsError",
        "service_name": "temporal-core-sdk",
        "task_queue": cfg.task_queue,
        "workflow_type": cfg.claim_workflow_type,
    }
    return [
        _series(server.WORKFLOW_SUCCESS.name, closed, _good(phases)),
        _series(server.WORKFLOW_FAILED.name, closed, failed),
        _series(server.WORKFLOW_TIMEOUT.name, closed, timed_out),
        _series(server.WORKFLOW_CANCEL.name, closed, _all(phases)),
        _series(worker.CLAIMS_REFUSED.name, refusals, refused),
    ]


def feed_bridge_calls(slo: SLO, phases: list[Phase]) -> list[Series]:
    cfg = current()
    base = {
        **cfg.namespace_labels(cfg.worker_job),
        "service_name": "temporal-core-sdk",
        "task_queue": cfg.task_queue,
        "activity_type": domain.CREATE_CLAIM,
        "method": domain.CREATE_CLAIM,
    }
    count = worker.BRIDGE_REQUEST_DURATION.count
    # A twentieth of the good calls are business answers (the claim's key already has one):
    # were they counted as failures, every quiet case would page.
    business = [(p.steps, (p.events - p.errors) // 20) for p in phases]
    ok = [(p.steps, p.events - p.errors - (p.events - p.errors) // 20) for p in phases]
    return [
        _series(count, {**base, "status": "OK"}, ok),
        _series(count, {**base, "status": "ALREADY_EXISTS"}, business),
        _series(count, {**base, "status": "UNAVAILABLE"}, _bad(phases)),
    ]


def feed_frontend_requests(slo: SLO, phases: list[Phase]) -> list[Series]:
    cfg = current()
    base = {
        **cfg.namespace_labels(cfg.server_job),
        "operation": "StartWorkflowExecution",
        "service_name": "frontend",
    }
    # Client-caused errors at 5% of all requests: were they counted, every quiet case would
    # page (the budget is 0.1%).
    client = [(p.steps, p.events // 20) for p in phases]
    return [
        _series(server.SERVICE_REQUESTS.name, base, _all(phases)),
        _series(
            server.SERVICE_ERROR_WITH_TYPE.name,
            {**base, "error_type": "serviceerror_Unavailable"},
            _bad(phases),
        ),
        _series(
            server.SERVICE_ERROR_WITH_TYPE.name,
            {**base, "error_type": "serviceerror_NotFound"},
            client,
        ),
    ]


def feed_histogram(slo: SLO, phases: list[Phase]) -> list[Series]:
    """Good observations land in the threshold's bucket, errors in the next one up."""
    sli = slo.sli
    assert isinstance(sli, LatencySLI)
    metric = get(sli.metric)
    spelling = dialect()
    labels = {label: "x" for label in spelling.labels(metric)}
    for matcher in sli.selector.split(","):
        if "=" in matcher and "!" not in matcher and "~" not in matcher:
            key, value = matcher.split("=", 1)
            labels[key.strip()] = value.strip().strip('"')
    labels["job"] = current().worker_job
    out = []
    for bound in (*metric.buckets, float("inf")):
        if bound < sli.threshold:
            incs = [(p.steps, 0) for p in phases]
        elif bound == sli.threshold:
            incs = _good(phases)
        else:
            incs = _all(phases)
        # Spell the bound as Prometheus 2 stores a Go client's: the rules must match it anyway.
        le = "+Inf" if bound == float("inf") else go_float(spelling.bound(metric, bound))
        out.append(_series(metric.bucket, {**labels, "le": le}, incs))
    out.append(_series(metric.count, labels, _all(phases)))
    return out


FEEDERS: dict[str, Feeder] = {
    "dict-claims-workflow-success": feed_claim_workflows,
    "dict-bridge-call-availability": feed_bridge_calls,
    "temporal-frontend-availability": feed_frontend_requests,
}


def feeder(slo: SLO) -> Feeder | None:
    if isinstance(slo.sli, LatencySLI):
        return feed_histogram
    if isinstance(slo.sli, EventsSLI | RawSLI):
        return FEEDERS.get(slo.id)
    return None  # pragma: no cover


# --- expectations -----------------------------------------------------------------------------


def humanize_percentage(value: float) -> str:
    """Prometheus' ``humanizePercentage``: ``%.4g`` of the value times 100, and ``%``."""
    return f"{value * 100:.4g}%"


def _render(template: str, labels: dict[str, str], value: float) -> str:
    text = template.replace("{{ $value | humanizePercentage }}", humanize_percentage(value))
    for key, val in labels.items():
        text = text.replace(f"{{{{ $labels.{key} }}}}", val).replace(f"{{{{$labels.{key}}}}}", val)
    return text


def expected_alert(slo: SLO, severity: str, long_ratio: float) -> dict[str, Any]:
    rule = slo_rules.burn_alert(slo, severity)
    assert rule is not None
    series_labels = {**slo.labels, **slo.identity}
    labels = dict(sorted({**series_labels, **rule["labels"]}.items()))
    annotations = {k: _render(v, series_labels, long_ratio) for k, v in rule["annotations"].items()}
    return {"exp_labels": labels, "exp_annotations": annotations}


def _tier(severity: str, index: int) -> BurnWindow:
    return [w for w in WINDOWS if w.severity == severity][index]


@dataclass(frozen=True)
class BurnCase:
    name: str
    tier: BurnWindow
    speed: float  # multiple of the tier's factor
    fires: bool


def burn_cases() -> list[BurnCase]:
    out = []
    for severity, index, label in (
        ("page", 0, "page, fast tier"),
        ("page", 1, "page, slow tier"),
        ("ticket", 0, "ticket, fast tier"),
        ("ticket", 1, "ticket, slow tier"),
    ):
        tier = _tier(severity, index)
        out.append(BurnCase(f"{label}: just below {tier.long} threshold", tier, 0.9, False))
        out.append(BurnCase(f"{label}: above {tier.long} threshold", tier, 1.1, True))
    return out


def _burn_test(slo: SLO, feed: Feeder, case: BurnCase) -> dict[str, Any]:
    """Baseline, then a burn at ``speed`` times the tier's factor, checked when the long window
    is all burn. A page is checked again an hour later: the burn stopped one short window
    before, so the short window is clean while the long one is still above the threshold
    (burning for ``long - short`` of it at 1.1 times the factor); the page must be gone.
    """
    factor = case.tier.factor(slo.period_seconds)
    errors = round(PER_STEP * case.speed * factor * slo.error_budget)
    ratio = errors / PER_STEP
    long_s = durations.seconds(case.tier.long)
    short_s = durations.seconds(case.tier.short)
    burn_s = long_s + EVALUATION - short_s if case.tier.severity == "page" else long_s + 3600
    # The 3d tier needs the whole window burning; its baseline would only dilute it.
    baseline = 3600 if long_s >= BASELINE else BASELINE
    phases = [
        Phase(baseline, PER_STEP, 0),
        Phase(burn_s, PER_STEP, errors),
        Phase(2 * 3600, PER_STEP, 0),
    ]
    during = baseline + long_s
    exp = [expected_alert(slo, case.tier.severity, ratio)] if case.fires else []
    tests = [{"eval_time": _dur(during), "alertname": slo.alerting.name, "exp_alerts": exp}]
    if case.tier.severity == "page":
        tests.append({"eval_time": _dur(during + EVALUATION), "alertname": slo.alerting.name})
    return {
        "name": f"{slo.id}: {case.name} ({go_number(case.speed)} x {go_number(factor)})",
        "interval": _dur(STEP),
        "input_series": feed(slo, phases),
        "alert_rule_test": tests,
    }


def _low_traffic_test(slo: SLO, feed: Feeder) -> dict[str, Any] | None:
    """With ``min_events`` on the page: one event per step, every one an error, for a day and
    an hour after a quiet baseline. Each page window holds fewer events than the minimum, so
    only the ticket fires. None when the minimum is too low for one event per step to stay
    under it in the page's longest window."""
    minimum = slo.alerting.page.min_events
    if minimum is None or slo.alerting.page.disable or slo.alerting.ticket.disable:
        return None
    longest = max(durations.seconds(w.long) for w in WINDOWS if w.severity == "page")
    if longest // STEP >= minimum:
        return None
    burn = 86400 + 3600
    phases = [Phase(BASELINE, 1, 0), Phase(burn, 1, 1)]
    at = BASELINE + burn
    return {
        "name": f"{slo.id}: low traffic (1 event per {_dur(STEP)}, all errors) opens a ticket only",
        "interval": _dur(STEP),
        "input_series": feed(slo, phases),
        "alert_rule_test": [
            {
                "eval_time": _dur(at),
                "alertname": slo.alerting.name,
                "exp_alerts": [expected_alert(slo, "ticket", 1.0)],
            }
        ],
    }


def _dur(seconds: int) -> str:
    return durations.format(seconds)


def _absent_alerts(slos: list[SLO]) -> list[dict[str, Any]]:
    """The SLOMetricsAbsent alerts of ``slos``, as promtool should report them."""
    return [
        {
            "exp_labels": dict(sorted({**o.labels, **o.identity, "severity": "warning"}.items())),
            "exp_annotations": {
                k: _render(v, {**o.identity}, 0.0)
                for k, v in slo_rules.absent_alert(o)["annotations"].items()
            },
        }
        for o in slos
        if o.alerting.enabled
    ]


def _no_traffic_test(slo: SLO, feed: Feeder, all_slos: list[SLO]) -> dict[str, Any]:
    """Series exist but never move: every ratio is 0/0 = NaN, which pages no one and is not
    "absent" either (the other SLOs, fed nothing here, are)."""
    phases = [Phase(3 * 3600, 0, 0)]
    others = _absent_alerts([o for o in all_slos if o.id != slo.id])
    tests: list[dict[str, Any]] = []
    for t in (3600, 3 * 3600):
        tests.append({"eval_time": _dur(t), "alertname": slo.alerting.name})
        tests.append(
            {"eval_time": _dur(t), "alertname": slo_rules.ABSENT_ALERT, "exp_alerts": others}
        )
    return {
        "name": f"{slo.id}: no traffic pages no one",
        "interval": _dur(STEP),
        "input_series": feed(slo, phases),
        "alert_rule_test": tests,
    }


def _absent_test(slo: SLO, all_slos: list[SLO]) -> dict[str, Any]:
    """No series: SLOMetricsAbsent is pending at first, then fires for every SLO."""
    return {
        "name": f"{slo.id}: no series at all says the SLO cannot be computed",
        "interval": _dur(STEP),
        "input_series": [],
        "alert_rule_test": [
            {"eval_time": "0m", "alertname": slo_rules.ABSENT_ALERT},
            {
                "eval_time": _dur(EVALUATION),
                "alertname": slo_rules.ABSENT_ALERT,
                "exp_alerts": _absent_alerts(all_slos),
            },
            {"eval_time": _dur(EVALUATION), "alertname": slo.alerting.name},
        ],
    }


def _close_to(expr: str, value: float, labels: dict[str, str], eval_time: int) -> dict[str, Any]:
    """``expr`` equals ``value`` to nine significant digits (floats summed over a period
    differ in the last bits)."""
    tolerance = abs(value) * 1e-9 or 1e-12
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return {
        "expr": f"abs({expr} - {value!r}) < bool {tolerance!r}",
        "eval_time": _dur(eval_time),
        "exp_samples": [{"labels": "{" + inner + "}", "value": 1}],
    }


def _budget_test(slo: SLO, feed: Feeder) -> dict[str, Any]:
    """A day of heavy clean traffic, an idle hour, a day of light traffic with 10% errors, an
    idle hour. Traffic-weighted, the period error ratio is 2880 / 316800, not the 5% an average
    of 5m ratios would give, and the idle hours change nothing.
    """
    day = 86400
    phases = [
        Phase(day, 1000, 0),
        Phase(3600, 0, 0),
        Phase(day, 100, 10),
        Phase(3600, 0, 0),
    ]
    errors = sum(p.steps * p.errors for p in phases)
    events = sum(p.steps * p.events for p in phases)
    period_ratio = errors / events
    budget = 1 - slo.objective_ratio  # as slo:error_budget:ratio records it
    burn = period_ratio / budget
    end = sum(p.seconds for p in phases)
    in_light_day = day + 3600 + day // 2
    ident = {**slo.labels, **slo.identity}
    period = {**ident, naming.LABEL_WINDOW: slo.period_window}
    sel = "{" + slo.selector() + "}"
    period_record = naming.sli_error_ratio(slo.period_window)
    return {
        "name": f"{slo.id}: budget arithmetic over a traffic-weighted period",
        "interval": _dur(STEP),
        "input_series": feed(slo, phases),
        "promql_expr_test": [
            _close_to(f"{period_record}{sel}", period_ratio, period, end),
            _close_to(f"{naming.PERIOD_BURN_RATE}{sel}", burn, period, end),
            _close_to(f"{naming.PERIOD_ERROR_BUDGET_REMAINING}{sel}", 1 - burn, period, end),
            _close_to(f"{naming.OBJECTIVE_RATIO}{sel}", slo.objective / 100, ident, end),
            _close_to(f"{naming.ERROR_BUDGET_RATIO}{sel}", budget, ident, end),
            _close_to(f"{naming.TIME_PERIOD_DAYS}{sel}", slo.period_days, ident, end),
            _close_to(
                f"{naming.SLI_ERROR_RATIO_1H}{sel}",
                0.1,
                {**ident, naming.LABEL_WINDOW: "1h"},
                in_light_day,
            ),
            _close_to(
                f"{naming.CURRENT_BURN_RATE}{sel}",
                0.1 / budget,
                {**ident, naming.LABEL_WINDOW: "5m"},
                in_light_day,
            ),
        ],
    }


def test_doc(slo: SLO, all_slos: list[SLO], rules_path: str) -> dict[str, Any] | None:
    """The promtool test file of ``slo``; None when no feeder knows its series."""
    feed = feeder(slo)
    if feed is None:
        return None
    tests = []
    if slo.alerting.enabled:
        tests += [_burn_test(slo, feed, case) for case in burn_cases()]
        tests += [_no_traffic_test(slo, feed, all_slos), _absent_test(slo, all_slos)]
        low = _low_traffic_test(slo, feed)
        if low is not None:
            tests.append(low)
    tests.append(_budget_test(slo, feed))
    # Recordings before the alerts that read them: evaluated hourly, a recording from the
    # previous round is past the 5m lookback and the alert would see nothing.
    order = [g["name"] for g in slo_rules.groups(all_slos)]
    return {
        "rule_files": [rules_path],
        "evaluation_interval": _dur(EVALUATION),
        "group_eval_order": order,
        "tests": tests,
    }


def test_files(slos: list[SLO], rules_path: Path, tests_dir: Path) -> dict[str, str]:
    """File name → content of the generated SLO test files."""
    relative = os.path.relpath(rules_path, tests_dir)
    out = {}
    for slo in slos:
        doc = test_doc(slo, slos, Path(relative).as_posix())
        if doc is not None:
            text = render.dump(doc)
            out[f"slo-{slo.id}-test.yaml"] = f"{render.HEADER}# Source: SLO {slo.id}\n{text}"
    return out
