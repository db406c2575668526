"""With claims flowing, every panel query of every dashboard, its template variables set as
Grafana sets them, returns data from the live Prometheus; and every recording rule the pack
ships produces series.

The dashboards tests prove the same queries against backfilled series shaped like the catalog;
here the series come from the real worker, exporter and Temporal server. No panel needs an
incident: the stream's rejections, expiries and Bridge hiccups give the failure ratios data, and
a ratio of nothing (NaN) counts as no data. The recording rules over 30 days read the minutes
there are.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from e2e_support import Live, wait_until

from dashboards import build, lint
from toolkit.prometheus_api import PrometheusAPIError

pytestmark = pytest.mark.e2e


def _empty(live: Live, expr: str) -> str | None:
    """Why ``expr``, as Grafana sends it, returns nothing; None when it returns data."""
    query = lint.substitute(expr)
    try:
        samples = live.prometheus.query(query)
    except PrometheusAPIError as err:
        return f"{err}: {query}"
    if not samples:
        return f"no data: {query}"
    if all(math.isnan(value) for _, value in samples):  # 0/0: a ratio of nothing
        return f"only NaN: {query}"
    return None


def _selector(rule: dict[str, Any]) -> str:
    """A recording rule's series: its name and the labels it sets (one name is recorded once
    per SLO)."""
    labels = sorted((rule.get("labels") or {}).items())
    return rule["name"] + "{" + ",".join(f'{k}="{v}"' for k, v in labels) + "}"


def _busy(live: Live) -> None:
    """Until every kind of claim has settled and the Bridge has hiccuped."""
    wait_until(
        lambda: (c := live.flow.counts()).completed and c.cancelled and c.expired and c.hiccups,
        "claims confirmed, rejected and expired, and a Bridge hiccup",
        timeout=90,
    )


def test_with_claims_flowing_every_panel_and_variable_returns_data(live):
    _busy(live)
    queries = [(where, expr) for model in build.models() for where, expr in lint.queries(model)]
    empty: list[str] = []

    def all_have_data() -> bool:
        empty[:] = [f"{where}: {why}" for where, expr in queries if (why := _empty(live, expr))]
        return not empty

    try:
        wait_until(all_have_data, "data in every panel", timeout=60)
    except AssertionError:
        pytest.fail("queries that show No data on the running pack:\n" + "\n".join(empty))


def test_every_recording_rule_produces_series(live):
    _busy(live)
    rules = sorted(
        {
            _selector(rule)
            for group in live.prometheus.rule_groups()
            for rule in group["rules"]
            if rule["type"] == "recording"
        }
    )
    assert rules, "no recording rules loaded"
    missing: list[str] = []

    def all_recorded() -> bool:
        missing[:] = [rule for rule in rules if _empty(live, rule)]
        return not missing

    try:
        wait_until(all_recorded, "series for every recording rule", timeout=60)
    except AssertionError:
        pytest.fail("recording rules without series:\n" + "\n".join(missing))
