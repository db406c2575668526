"""Every rendered object against the API it is sent to: core objects against the Kubernetes
OpenAPI schemas in strict mode (an unknown field is an error), the Prometheus Operator's objects
against the Operator's own models.

The Operator models let unknown fields through, so an object is also dumped back from its model
and compared with the input: a field the model dropped is a field the Operator does not know.
Each problem names the object (``Kind/name``), the field's path and what is wrong.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pydantic
from cloudcoil.models.prometheus_operator import v1 as operator

KUBERNETES_VERSION = "1.33.0"
OPERATOR_GROUP = "monitoring.coreos.com/"
OPERATOR_MODELS: dict[str, type[pydantic.BaseModel]] = {
    "ServiceMonitor": operator.ServiceMonitor,
    "PodMonitor": operator.PodMonitor,
    "PrometheusRule": operator.PrometheusRule,
}


def _where(obj: dict[str, Any]) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def kubernetes_problems(obj: dict[str, Any]) -> list[str]:
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as err:
        return [f"{_where(obj)}: {_path(err.absolute_path)}: {err.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"{_where(obj)}: no Kubernetes {KUBERNETES_VERSION} schema for {obj['apiVersion']}"]
    return []


def _dropped(given: Any, kept: Any, path: tuple[Any, ...]) -> list[str]:
    """Paths present in ``given`` and missing (or changed) in ``kept``."""
    if isinstance(given, dict) and isinstance(kept, dict):
        out: list[str] = []
        for key, value in given.items():
            if key not in kept:
                out.append(f"{_path((*path, key))}: unknown field")
            else:
                out += _dropped(value, kept[key], (*path, key))
        return out
    if isinstance(given, list) and isinstance(kept, list) and len(given) == len(kept):
        return [
            p
            for i, (a, b) in enumerate(zip(given, kept, strict=True))
            for p in _dropped(a, b, (*path, i))
        ]
    return [] if given == kept else [f"{_path(path)}: {given!r} read back as {kept!r}"]


def operator_problems(obj: dict[str, Any]) -> list[str]:
    model = OPERATOR_MODELS.get(obj.get("kind", ""))
    if model is None:
        return [f"{_where(obj)}: no Operator model for kind {obj.get('kind')!r}"]
    try:
        parsed = model.model_validate(obj)
    except pydantic.ValidationError as err:
        return [f"{_where(obj)}: {_path(e['loc'])}: {e['msg']}" for e in err.errors()]
    back = parsed.model_dump(by_alias=True, exclude_unset=True, mode="json")
    return [f"{_where(obj)}: {p}" for p in _dropped(obj, back, ())]


def problems(obj: dict[str, Any]) -> list[str]:
    if str(obj.get("apiVersion", "")).startswith(OPERATOR_GROUP):
        return operator_problems(obj)
    return kubernetes_problems(obj)
