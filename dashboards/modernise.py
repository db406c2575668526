"""grafanalib's output brought to the current dashboard model, in one place.

grafanalib (0.7.1, January 2024) writes a few pre-Grafana-8 shapes and keys Grafana's dashboard
schema no longer has: ``editable`` and ``error`` on every panel, the Angular table's ``columns``,
``fontSize`` and ``styles``, the Angular heatmap options, ``timepicker.time_options``, string
variable ``current`` values, and ``null`` wherever an optional value was not given. This module
rewrites all of them, so that Grafana loads the dashboard as written instead of migrating it, and
:mod:`dashboards.schema` finds nothing left over. It also applies what every panel shares: the
minimum interval, units, thresholds and their colours, data links and runbook links.
"""

from __future__ import annotations

from typing import Any

from core import config
from dashboards.model import Dashboard, Kind, Panel, Step

# A ``$__rate_interval`` is at least four scrape intervals; with a one-minute floor it never
# spans fewer than two samples, however far a panel is zoomed in.
MIN_INTERVAL = "1m"
# Keys of the old panel models (and of grafanalib's defaults) that the current one does not have.
PANEL_LEGACY = ("editable", "error", "maxDataPoints", "transparent", "hideTimeOverride")
TABLE_LEGACY = ("columns", "fontSize", "styles", "transform", "mappings", "color", "sort")
TARGET_LEGACY = ("metric", "target", "query", "step")
DASHBOARD_LEGACY = ("rows", "hideControls", "sharedCrosshair", "style", "__inputs", "gnetId", "id")
VARIABLE_LEGACY = ("useTags", "tagsQuery", "tagValuesQuery", "auto", "auto_min", "auto_count")
HEATMAP_LEGACY = (
    "cards", "color", "dataFormat", "heatmap", "hideZeroBuckets", "highlightCards", "legend",
    "reverseYBuckets", "tooltip", "xAxis", "xBucketNumber", "xBucketSize", "yAxis",
    "yBucketBound", "yBucketNumber", "yBucketSize",
)  # fmt: skip


def steps(thresholds: tuple[Step, ...]) -> list[dict[str, Any]]:
    return [{"color": s.color, "value": s.value} for s in thresholds]


def modernise(data: dict[str, Any], dashboard: Dashboard) -> dict[str, Any]:
    # ``version`` belongs to Grafana's copy; the push sets it for optimistic locking.
    for key in (*DASHBOARD_LEGACY, "version"):
        data.pop(key, None)
    data["timepicker"].pop("time_options", None)
    specs = iter(dashboard.panels())  # the layout emitted them in this order, rows between
    for panel in data["panels"]:
        for key in PANEL_LEGACY:
            panel.pop(key, None)
        if panel["type"] == "row":
            for key in ("fieldConfig", "targets", "transformations", "links", "interval"):
                panel.pop(key, None)
            continue
        spec = next(specs)
        panel["interval"] = MIN_INTERVAL
        _field_config(panel, spec)
        panel["links"] = [_link(f"Runbook: {alert}", runbook_url(alert)) for alert in spec.runbooks]
        if panel["type"] == "bargauge":
            _bargauge(panel, spec)
        elif panel["type"] == "heatmap":
            _heatmap(panel, spec)
        elif panel["type"] == "table":
            _table(panel)
        for target in panel["targets"]:
            for key in TARGET_LEGACY:
                target.pop(key, None)
    for var in data["templating"]["list"]:
        _variable(var)
    _drop_nulls(data)
    return data


def runbook_url(alert: str) -> str:
    """The runbook section of ``alert``, from the pack configuration's pattern."""
    return config.current().runbook_url(alert)


def _link(title: str, url: str) -> dict[str, Any]:
    return {"title": title, "url": url, "targetBlank": True}


def _drop_nulls(node: Any) -> None:
    """grafanalib writes every optional key, null or not; Grafana's defaults are the same."""
    if isinstance(node, dict):
        # The one place a null means something: a threshold's base step has no lower bound.
        step = set(node) == {"color", "value"}
        for key in [k for k, v in node.items() if v is None and not (step and k == "value")]:
            del node[key]
        for value in node.values():
            _drop_nulls(value)
    elif isinstance(node, list):
        for item in node:
            _drop_nulls(item)


def _field_config(panel: dict[str, Any], spec: Panel) -> None:
    defaults = panel["fieldConfig"]["defaults"]
    defaults.pop("noValue", None)
    defaults["unit"] = spec.unit
    defaults["thresholds"] = {"mode": "absolute", "steps": steps(spec.thresholds)}
    if spec.min is not None:
        defaults["min"] = spec.min
    if spec.max is not None:
        defaults["max"] = spec.max
    if spec.decimals is not None:
        defaults["decimals"] = spec.decimals
    if spec.no_value:
        defaults["noValue"] = spec.no_value
    if spec.kind in (Kind.STAT, Kind.BARGAUGE, Kind.TABLE) and len(spec.thresholds) > 1:
        defaults["color"] = {"mode": "thresholds"}
    if spec.links:
        defaults["links"] = [_link(link.title, link.url) for link in spec.links]


def _table(panel: dict[str, Any]) -> None:
    for key in TABLE_LEGACY:
        panel.pop(key, None)
    defaults = panel["fieldConfig"]["defaults"]
    # Cells coloured by the thresholds, as the stats are (``displayMode`` is the old spelling).
    defaults["custom"] = {
        "align": "auto",
        "cellOptions": {"type": "color-background", "mode": "basic"},
        "filterable": True,
    }
    panel["options"] = {"showHeader": True, "cellHeight": "sm", "footer": {"show": False}}
    panel["transformations"] = [{"id": "organize", "options": {"excludeByName": {"Time": True}}}]


def _bargauge(panel: dict[str, Any], spec: Panel) -> None:
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


def _heatmap(panel: dict[str, Any], spec: Panel) -> None:
    for key in HEATMAP_LEGACY:
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


def _variable(var: dict[str, Any]) -> None:
    for key in VARIABLE_LEGACY:
        var.pop(key, None)
    value = var["current"].get("value")
    if value == "$__all":
        var["current"] = {"selected": True, "text": ["All"], "value": ["$__all"]}
    elif var.get("multi") and isinstance(value, str):
        var["current"] = {"selected": True, "text": [value], "value": [value]}
    else:
        var["current"].pop("tags", None)
