"""Checks every generated dashboard must pass, shared by the tests and ``dictobs dashboards lint``.

- every query names only series the catalog (or the SLO recording rules) knows, with labels
  those series carry (:mod:`toolkit.promql_check`);
- every query, template variables substituted, parses as PromQL (``promtool check rules``);
- every panel has a unit and a description, and no panel is the Angular ``graph``;
- every selector of a scraped metric carries the pack's ``job`` (:func:`scope_problems`);
- the JSON holds only what Grafana's published dashboard schema has (:mod:`dashboards.schema`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from alerts.slo import model, naming
from alerts.slo.spec import load_slos
from core import config
from dashboards import schema
from dashboards.queries import server_spelling
from toolkit import promql_check, promtool

ALLOWED_TYPES = {"timeseries", "stat", "table", "bargauge", "heatmap", "row"}
# What Grafana substitutes for its own variables before the query reaches Prometheus.
BUILT_IN = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1d",
    "${datasource}": "prometheus",
}


def substitutions() -> dict[str, str]:
    """Every variable with its default: Grafana's own and the pack configuration's namespace
    and task queue (as the dashboards' variables default to them)."""
    cfg = config.current()
    return {
        **BUILT_IN,
        "$cluster": "cluster",
        "$namespace": cfg.namespace,
        "$task_queue": cfg.task_queue,
        "$taskqueue": server_spelling(cfg.task_queue),
    }


def known_series(slos: list[model.SLO] | None = None) -> dict[str, frozenset[str]]:
    """Series name → labels it carries: the metric catalog, SLO recording rules and ALERTS.

    The generated rules are read against the same table (the alerts tests).
    """
    slos = load_slos(check_queries=False) if slos is None else slos
    return naming.known_series(slos)


def substitute(expr: str) -> str:
    """``expr`` as Prometheus receives it from Grafana with the default variable values."""
    for var, value in sorted(substitutions().items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(var, value)
    if re.search(r"\$(?!\{?\d)[A-Za-z_]", expr):
        raise ValueError(f"unsubstituted template variable in {expr!r}")
    return expr


def queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every panel target and every query variable of a dashboard JSON."""
    uid = dashboard["uid"]
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield f"{uid}: panel {panel['title']!r} ({target['refId']})", target["expr"]
    for var in dashboard["templating"]["list"]:
        if var["type"] == "query":
            query = var["query"]
            match = re.fullmatch(r"query_result\((.*)\)", query, re.DOTALL)
            yield f"{uid}: variable {var['name']!r}", match.group(1) if match else query


def catalog_problems(
    dashboards: list[dict[str, Any]], known: dict[str, frozenset[str]] | None = None
) -> list[str]:
    known = known_series() if known is None else known
    out = []
    for dashboard in dashboards:
        for where, expr in queries(dashboard):
            out += [f"{where}: {p}" for p in promql_check.problems(substitute(expr), known)]
    return out


def panel_problems(dashboard: dict[str, Any]) -> list[str]:
    """Units, descriptions and panel types."""
    out = []
    uid = dashboard["uid"]
    for panel in dashboard["panels"]:
        where = f"{uid}: panel {panel['title']!r}"
        if panel["type"] not in ALLOWED_TYPES:
            out.append(f"{where}: type {panel['type']!r} is not allowed")
        if panel["type"] == "row":
            continue
        if not panel["fieldConfig"]["defaults"].get("unit"):
            out.append(f"{where}: no unit")
        if len((panel.get("description") or "").split()) < 8:
            out.append(f"{where}: no description of what it means and what to do")
        if not panel.get("targets"):
            out.append(f"{where}: no query")
    return out


def promtool_problems(exprs: list[tuple[str, str]]) -> list[str]:
    """Every query, template variables substituted, parsed by promtool in one run."""
    try:
        found = promtool.parse_problems([(where, substitute(expr)) for where, expr in exprs])
    except promtool.PromtoolError as err:
        return [str(err)]
    return [f"{where}: {why}" for where, why in found]


_NAME = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?")


def scope_problems(dashboard: dict[str, Any]) -> list[str]:
    """Selectors of scraped series without a ``job`` matcher: in a Prometheus shared by several
    environments they would sum every job's series together."""
    scraped = promql_check.catalog_series()
    out = []
    for where, expr in queries(dashboard):
        for match in _NAME.finditer(expr):
            name, braces = match.group(1), match.group(2) or ""
            after = expr[match.end() :].lstrip()[:1]
            if name in scraped and after != "(" and "job=" not in braces:
                out.append(f"{where}: {name} is selected without the pack's job")
    return out


def problems(dashboards: list[dict[str, Any]]) -> list[str]:
    """Everything ``dictobs dashboards lint`` checks, in one list."""
    out = catalog_problems(dashboards)
    for dashboard in dashboards:
        out += panel_problems(dashboard) + scope_problems(dashboard) + schema.problems(dashboard)
    out += promtool_problems([q for m in dashboards for q in queries(m)])
    return out
