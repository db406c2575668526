"""The seam: our dashboard definitions (:mod:`dashboards.model`) → Grafana dashboard JSON.

This is the only module that imports grafanalib. grafanalib (0.7.1, January 2024) still writes a
few pre-Grafana-8 shapes (``fieldOptions`` on bar gauges, the Angular heatmap options, string
variable ``current`` values); :func:`_modernise` rewrites those into the current model so that
Grafana does not have to migrate them on load. Replacing grafanalib with another builder (for
example grafana-foundation-sdk) means rewriting this file; the dashboards keep their meaning.
"""

from __future__ import annotations

import json
from typing import Any

from grafanalib import core as g
from grafanalib._gen import DashboardEncoder

from dashboards.model import Dashboard, Kind, Panel, Query, Step, Variable
from dashboards.queries import VAR_DATASOURCE

SCHEMA_VERSION = 39
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
    return _modernise(data, dashboard)


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


def _steps(steps: tuple[Step, ...]) -> list[dict[str, Any]]:
    return [{"color": s.color, "value": s.value} for s in steps]


def _panel(p: Panel, panel_id: int, pos: g.GridPos) -> Any:
    common: dict[str, Any] = {
        "title": p.title,
        "description": p.description,
        "dataSource": DATASOURCE,
        "targets": _targets(p.queries),
        "gridPos": pos,
        "id": panel_id,
        "thresholds": _steps(p.thresholds),
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


# --- modernising grafanalib's output ----------------------------------------------------------

_HEATMAP_LEGACY = [
    "cards",
    "color",
    "dataFormat",
    "heatmap",
    "hideZeroBuckets",
    "highlightCards",
    "legend",
    "reverseYBuckets",
    "tooltip",
    "xAxis",
    "xBucketNumber",
    "xBucketSize",
    "yAxis",
    "yBucketBound",
    "yBucketNumber",
    "yBucketSize",
]


def _modernise(data: dict[str, Any], dashboard: Dashboard) -> dict[str, Any]:
    # Legacy top-level keys Grafana has not read since schema 16/27.
    # ``version`` belongs to Grafana's copy; the push sets it for optimistic locking.
    legacy = ("rows", "hideControls", "sharedCrosshair", "style", "__inputs", "gnetId", "id")
    for key in (*legacy, "version"):
        data.pop(key, None)
    specs = iter(dashboard.panels())  # _layout emitted them in this order, rows between
    for panel in data["panels"]:
        # grafanalib writes every optional key, null or not; Grafana's defaults are the same.
        for key in [k for k, v in panel.items() if v is None]:
            del panel[key]
        panel.pop("maxDataPoints", None)
        if panel["type"] == "row":
            for key in ("fieldConfig", "targets", "transformations", "links"):
                panel.pop(key, None)
            continue
        spec = next(specs)
        defaults = panel["fieldConfig"]["defaults"]
        for key in [k for k, v in defaults.items() if v is None]:
            del defaults[key]
        defaults.pop("noValue", None)
        _common_field_config(panel, spec)
        if panel["type"] == "bargauge":
            _modern_bargauge(panel, spec)
        elif panel["type"] == "heatmap":
            _modern_heatmap(panel, spec)
        elif panel["type"] == "table":
            panel["transformations"] = [
                {"id": "organize", "options": {"excludeByName": {"Time": True}}}
            ]
        for target in panel["targets"]:
            for key in ("metric", "target", "query", "step"):
                target.pop(key, None)
    for var in data["templating"]["list"]:
        _modern_variable(var, dashboard)
    return data


def _common_field_config(panel: dict[str, Any], spec: Panel) -> None:
    defaults = panel["fieldConfig"]["defaults"]
    defaults["unit"] = spec.unit
    defaults["thresholds"] = {"mode": "absolute", "steps": _steps(spec.thresholds)}
    if spec.min is not None:
        defaults["min"] = spec.min
    if spec.max is not None:
        defaults["max"] = spec.max
    if spec.decimals is not None:
        defaults["decimals"] = spec.decimals
    if spec.no_value:
        defaults["noValue"] = spec.no_value
    if spec.kind in (Kind.STAT, Kind.BARGAUGE) and len(spec.thresholds) > 1:
        defaults["color"] = {"mode": "thresholds"}


def _modern_bargauge(panel: dict[str, Any], spec: Panel) -> None:
    panel["options"] = {
        "displayMode": "gradient",
        "orientation": "horizontal",
        "showUnfilled": True,
        "valueMode": "color",
        "namePlacement": "auto",
        "sizing": "auto",
        "minVizHeight": 16,
        "minVizWidth": 8,
        "maxVizHeight": 300,
        "reduceOptions": {"calcs": [spec.reduce], "fields": "", "values": False},
    }
    panel["fieldConfig"]["defaults"].setdefault("min", 0)
    panel["fieldConfig"]["defaults"].setdefault("color", {"mode": "thresholds"})


def _modern_heatmap(panel: dict[str, Any], spec: Panel) -> None:
    for key in _HEATMAP_LEGACY:
        panel.pop(key, None)
    # Buckets come from Prometheus already counted: no client-side bucketing ("calculate").
    panel["options"] = {
        "calculate": False,
        "cellGap": 1,
        "color": {"mode": "scheme", "scheme": "Oranges", "steps": 64, "exponent": 0.5},
        "exemplars": {"color": "rgba(255,0,255,0.7)"},
        "filterValues": {"le": 1e-9},
        "legend": {"show": True},
        "rowsFrame": {"layout": "le"},
        "tooltip": {"mode": "single", "yHistogram": True},
        "yAxis": {"axisPlacement": "left", "unit": spec.unit, "reverse": False},
        "cellValues": {"unit": "short"},
    }
    panel["fieldConfig"]["defaults"]["custom"] = {
        "hideFrom": {"legend": False, "tooltip": False, "viz": False},
        "scaleDistribution": {"type": "linear"},
    }


def _modern_variable(var: dict[str, Any], dashboard: Dashboard) -> None:
    for key in ("useTags", "tagsQuery", "tagValuesQuery", "auto", "auto_min", "auto_count"):
        var.pop(key, None)
    if var["type"] == "query":
        var["definition"] = var["query"]
    value = var["current"].get("value")
    if value == "$__all":
        var["current"] = {"selected": True, "text": ["All"], "value": ["$__all"]}
    elif var.get("multi") and isinstance(value, str):
        var["current"] = {"selected": True, "text": [value], "value": [value]}
    else:
        var["current"].pop("tags", None)
