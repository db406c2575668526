"""The generated JSON against Grafana's own published dashboard schema.

Grafana publishes its dashboard schema (the ``dashboard`` kind and each panel plugin's options
and field config) as typed models: the npm package ``@grafana/schema`` for TypeScript and the
PyPI package ``grafana-foundation-sdk`` for Python, both generated from the same schema. The
Python models are pinned here (``grafana-foundation-sdk==1769699379!11.6.0``: Grafana 11.6's
schema, ``schemaVersion`` 41, the latest the models describe).

The models read what they know and write it back; a key they do not know is dropped on the way.
So a dashboard that round-trips unchanged uses only keys of the schema, and each difference is a
problem: a key left over from an old panel model (``editable`` on a panel, Angular table keys), a
``null`` where the schema wants a value, or a misspelt option. Grafana itself would load such a
dashboard and quietly ignore or migrate the key.

>>> for p in problems({"uid": "x", "title": "t", "schemaVersion": 41, "panels": [
...         {"type": "stat", "id": 1, "title": "p", "editable": True, "description": None}]}):
...     print(p)
x: panels[0].description: null where the schema wants a value
x: panels[0].editable: not in Grafana's dashboard schema
"""

from __future__ import annotations

import functools
import json
from typing import Any

from grafana_foundation_sdk.cog import plugins
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

# The schemaVersion of the pinned models: the dashboards are written at it.
SCHEMA_VERSION: int = Dashboard().schema_version


@functools.cache
def _register() -> None:
    # Panel options, field config and queries decode through each plugin's own model.
    plugins.register_default_plugins()


def round_trip(model: dict[str, Any]) -> Any:
    """``model`` read into Grafana's schema models and written back as plain JSON."""
    _register()
    return json.loads(json.dumps(Dashboard.from_json(model), cls=JSONEncoder))


def problems(model: dict[str, Any]) -> list[str]:
    """Every place where ``model`` says something Grafana's schema does not hold."""
    uid = model.get("uid", "?")
    try:
        back = round_trip(model)
    except (KeyError, TypeError, ValueError) as err:
        return [f"{uid}: Grafana's schema models cannot read it ({type(err).__name__}: {err})"]
    return [f"{uid}: {where}: {why}" for where, why in _lost(model, back, "")]


def _lost(ours: Any, back: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(ours, dict) and isinstance(back, dict):
        out = []
        for key in sorted(ours):
            where = f"{path}.{key}" if path else key
            if key not in back:
                why = (
                    "null where the schema wants a value"
                    if ours[key] is None
                    else "not in Grafana's dashboard schema"
                )
                out.append((where, why))
            else:
                out += _lost(ours[key], back[key], where)
        return out
    if isinstance(ours, list) and isinstance(back, list) and len(ours) == len(back):
        return [
            p
            for i, (a, b) in enumerate(zip(ours, back, strict=True))
            for p in _lost(a, b, f"{path}[{i}]")
        ]
    if ours != back:
        return [(path, f"read back as {back!r}, not {ours!r}")]
    return []
