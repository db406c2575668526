"""The seam: our dashboard definitions (:mod:`dashboards.model`) → Grafana dashboard JSON.

This is the only module that imports grafanalib. grafanalib (0.7.1, January 2024) still writes a
few pre-Grafana-8 shapes and keys; :mod:`dashboards.modernise` rewrites those into the current
model so that Grafana does not have to migrate them on load. Replacing grafanalib with another
builder (for example grafana-foundation-sdk) means rewriting this file; the dashboards keep their
meaning.
"""

from __future__ import annotations

import json
from typing import Any

from grafanalib import core as g
from grafanalib._gen import DashboardEncoder

from dashboards.model import Dashboard, Kind, Panel, Query, Variable
from dashboards.modernise import modernise, steps
from dashboards.queries import VAR_DATASOURCE

# The current dashboard schema (Grafana 11.6 and 12); dashboards.schema checks against it.
SCHEMA_VERSION = 41
GRID_WIDTH = 24
TAG = "dict-observability"  # every dashboard carries it; the dashboard links select on it
DATASOURCE = {"type": "prometheus", "uid": f"${{{VAR_DATASOURCE}}}"}
REFRESH_ON_TIME_RANGE_CHANGE = 2


def render(dashboard: Dashboard) -> dict[str, Any]:
    """The Grafana JSON model of ``dashboard``: a plain dict, ids and positions stable."""
    built = g.Dashboard(
        title=dashboard.title,
        uid=dashboard.uid,
        description=dashboard.description,
        tags=sorted({TAG, *dashboard.tags}),
        timezone="utc",
        refresh=dashboard.refresh,
        time=g.Time(dashboard.time_from, "now"),
        schemaVersion=SCHEMA_VERSION,
        graphTooltip=g.GRAPH_TOOLTIP_MODE_SHARED_CROSSHAIR,
        panels=_layout(dashboard),
        templating=g.Templating([_datasource_variable(), *map(_variable, dashboard.variables)]),
        links=[
            g.DashboardLink(
                title="DICT dashboards",
                tags=[TAG],
                asDropdown=True,
                includeVars=True,
                keepTime=True,
                type="dashboards",
            ),
            *(
                g.DashboardLink(title=title, uri=url, type="link", keepTime=True, includeVars=True)
                for title, url in dashboard.extra_links
            ),
        ],
    )
    data: dict[str, Any] = json.loads(json.dumps(built.to_json_data(), cls=DashboardEncoder))
    return modernise(data, dashboard)


def dumps(data: dict[str, Any]) -> str:
    """Byte-stable JSON text: sorted keys, two-space indent, final newline."""
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


# --- layout -----------------------------------------------------------------------------------


def _layout(dashboard: Dashboard) -> list[Any]:
    """Rows and panels left to right, wrapping at 24 columns; ids numbered in reading order."""
    out: list[Any] = []
    next_id = 1
    y = 0
    for row in dashboard.rows:
        out.append(
            g.RowPanel(title=row.title, id=next_id, gridPos=g.GridPos(h=1, w=GRID_WIDTH, x=0, y=y))
        )
        next_id += 1
        y += 1
        x, line_height = 0, 0
        for panel in row.panels:
            if x + panel.width > GRID_WIDTH:
                x, y, line_height = 0, y + line_height, 0
            pos = g.GridPos(h=panel.height, w=panel.width, x=x, y=y)
            out.append(_panel(panel, next_id, pos))
            next_id += 1
            x += panel.width
            line_height = max(line_height, panel.height)
        y += line_height
    return out


def _targets(queries: tuple[Query, ...]) -> list[g.Target]:
    return [
        g.Target(
            expr=q.expr,
            legendFormat=q.legend,
            refId=chr(ord("A") + i),
            instant=q.instant,
            format=q.format.value,
            datasource=DATASOURCE,
            intervalFactor=1,
        )
        for i, q in enumerate(queries)
    ]


def _panel(p: Panel, panel_id: int, pos: g.GridPos) -> Any:
    common: dict[str, Any] = {
        "title": p.title,
        "description": p.description,
        "dataSource": DATASOURCE,
        "targets": _targets(p.queries),
        "gridPos": pos,
        "id": panel_id,
        "thresholds": steps(p.thresholds),
    }
    if p.kind is Kind.TIMESERIES:
        return g.TimeSeries(
            **common,
            unit=p.unit,
            drawStyle="bars" if p.bars else "line",
            fillOpacity=40 if (p.stacked or p.bars) else 10,
            stacking={"mode": "normal", "group": "A"} if p.stacked else {"mode": "none"},
            legendDisplayMode="table",
            legendCalcs=["lastNotNull", "max"],
            tooltipMode="multi",
            tooltipSort="desc",
            valueDecimals=p.decimals,
            thresholdsStyleMode="off" if len(p.thresholds) == 1 else "line",
        )
    if p.kind is Kind.STAT:
        return g.Stat(
            **common,
            format=p.unit,
            reduceCalc=p.reduce,
            decimals=p.decimals,
            graphMode="area",
            colorMode="background" if len(p.thresholds) > 1 else "value",
            noValue=p.no_value,
        )
    if p.kind is Kind.TABLE:
        return g.Table(**common, unit=p.unit, filterable=True)
    if p.kind is Kind.BARGAUGE:
        return g.BarGauge(
            **common,
            format=p.unit,
            calc=p.reduce,
            displayMode=g.GAUGE_DISPLAY_MODE_GRADIENT,
            orientation=g.ORIENTATION_HORIZONTAL,
        )
    if p.kind is Kind.HEATMAP:
        return g.Heatmap(**common, dataFormat="tsbuckets")
    raise ValueError(f"panel {p.title!r}: unknown kind {p.kind}")  # pragma: no cover


def _datasource_variable() -> g.Template:
    return g.Template(
        name=VAR_DATASOURCE,
        label="Data source",
        query="prometheus",
        type="datasource",
        default="default",
        refresh=1,
    )


def _variable(v: Variable) -> g.Template:
    if v.constant:
        return g.Template(
            name=v.name, label=v.label, query=v.default, type="constant", hide=g.HIDE_VARIABLE
        )
    return g.Template(
        name=v.name,
        label=v.label,
        query=f"query_result({v.query})",
        regex=v.regex,
        type="query",
        dataSource=DATASOURCE,
        default=v.default or None,
        multi=v.multi,
        includeAll=v.include_all,
        hide=g.HIDE_VARIABLE if v.hidden else g.SHOW,
        refresh=REFRESH_ON_TIME_RANGE_CHANGE,
        sort=1,
    )
