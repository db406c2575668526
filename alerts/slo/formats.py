"""Sloth's Kubernetes resource and OpenSLO, turned into Sloth's ``prometheus/v1`` as Sloth does.

- ``apiVersion: sloth.slok.dev/v1``, ``kind: PrometheusServiceLevel``: the same fields under
  ``spec``, spelled in camelCase (``errorQuery``, ``pageAlert``...).
- ``apiVersion: openslo/v1alpha``, ``kind: SLO``: each of ``spec.objectives`` (ratio metrics,
  ``target`` a ratio) becomes an SLO named ``<metadata.name>-<index>`` with a raw SLI
  ``1 - good/total`` and no alerts; ``timeWindows`` gives the period in days.

The result is read by :mod:`alerts.slo.spec` like any ``prometheus/v1`` document, so a mistake is
reported with the prometheus/v1 field name where the two differ only in spelling.
"""

from __future__ import annotations

import re
from typing import Any

from alerts.slo.model import K8S_VERSION, OPENSLO_VERSION, SLOTH_VERSION
from alerts.slo.sli import SLOSpecError

K8S_KIND = "PrometheusServiceLevel"
OPENSLO_KIND = "SLO"
# Maps whose keys are the user's (label names, plugin options): never renamed.
_USER_KEYS = frozenset({"labels", "annotations", "options", "config"})


def kind_of(doc: dict[str, Any]) -> str | None:
    """``K8S_VERSION`` or ``OPENSLO_VERSION`` for those resources, else None."""
    api, kind = doc.get("apiVersion"), doc.get("kind")
    if api == K8S_VERSION and kind == K8S_KIND:
        return K8S_VERSION
    if api == OPENSLO_VERSION and kind == OPENSLO_KIND:
        return OPENSLO_VERSION
    if api is not None:
        raise SLOSpecError(
            f"field apiVersion/kind: {api!r}/{kind!r} is not a spec; use {K8S_VERSION!r} with "
            f"kind {K8S_KIND} or {OPENSLO_VERSION!r} with kind {OPENSLO_KIND}"
        )
    return None


def _snake(key: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), key)


def _renamed(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_renamed(o) for o in obj]
    if not isinstance(obj, dict):
        return obj
    return {_snake(k): v if k in _USER_KEYS else _renamed(v) for k, v in obj.items()}


def from_k8s(source: str, doc: dict[str, Any]) -> dict[str, Any]:
    spec = doc.get("spec")
    if not isinstance(spec, dict):
        raise SLOSpecError(f"{source}: field spec: expected the PrometheusServiceLevel's spec")
    return {"version": SLOTH_VERSION, **_renamed(spec)}


_OPENSLO_RATIO = """
  1 - (
    (
      {good}
    )
    /
    (
      {total}
    )
  )
"""


def _ratio_query(where: str, objective: Any, part: str) -> str:
    metric = objective.get("ratioMetrics") if isinstance(objective, dict) else None
    if not isinstance(metric, dict):
        raise SLOSpecError(
            f"{where}: field ratioMetrics: missing; only OpenSLO's ratio-metric objectives "
            "can be read"
        )
    q = metric.get(part)
    if not isinstance(q, dict) or not isinstance(q.get("query"), str):
        raise SLOSpecError(f"{where}: field ratioMetrics.{part}.query: expected a PromQL query")
    if q.get("source") not in ("prometheus", "sloth") or q.get("queryType") != "promql":
        raise SLOSpecError(
            f"{where}: field ratioMetrics.{part}: expected source prometheus and queryType promql"
        )
    return str(q["query"])


def from_openslo(source: str, doc: dict[str, Any]) -> tuple[dict[str, Any], float | None]:
    """The prometheus/v1 document and the period in days (None when the resource sets none)."""
    meta, spec = doc.get("metadata"), doc.get("spec")
    if not isinstance(meta, dict) or not isinstance(spec, dict):
        raise SLOSpecError(f"{source}: fields metadata and spec: expected mappings")
    windows = spec.get("timeWindows") or []
    days: float | None = None
    if windows:
        w = windows[0] if isinstance(windows, list) and len(windows) == 1 else None
        if not isinstance(w, dict) or str(w.get("unit", "")).lower() != "day":
            raise SLOSpecError(
                f"{source}: field spec.timeWindows: expected one window in days, e.g. "
                "[{count: 30, unit: Day}]"
            )
        count = w.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise SLOSpecError(
                f"{source}: field spec.timeWindows[0].count: expected a number of days, e.g. 30"
            )
        days = float(w["count"])
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise SLOSpecError(f"{source}: field spec.objectives: declares no SLOs")
    slos = []
    for i, objective in enumerate(objectives):
        where = f"{source}: spec.objectives[{i}]"
        target = objective.get("target") if isinstance(objective, dict) else None
        if isinstance(target, bool) or not isinstance(target, int | float):
            raise SLOSpecError(f"{where}: field target: expected a ratio like 0.999")
        query = _OPENSLO_RATIO.format(
            good=_ratio_query(where, objective, "good"),
            total=_ratio_query(where, objective, "total"),
        )
        slo: dict[str, Any] = {
            "name": f"{meta.get('name')}-{i}",
            "objective": target * 100,  # OpenSLO's target is a ratio, Sloth's a percentage
            "sli": {"raw": {"error_ratio_query": query}},
            "alerting": {"page_alert": {"disable": True}, "ticket_alert": {"disable": True}},
        }
        if spec.get("description"):
            slo["description"] = spec["description"]
        slos.append(slo)
    return {"version": SLOTH_VERSION, "service": spec.get("service"), "slos": slos}, days
