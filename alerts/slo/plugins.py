"""Sloth's SLO plugins (``slo_plugins``, an SLO's ``plugins``, ``sloPlugins`` in Kubernetes).

Sloth runs them as Go code inside its generator, so they cannot run here. One is so common in
CI that it is honoured: ``sloth.dev/contrib/rule_intervals/v1``, which only sets the evaluation
``interval`` of the SLI, metadata and alert groups::

    slo_plugins:
      chain:
        - id: sloth.dev/contrib/rule_intervals/v1
          config: {interval: {default: 1m, sliError: 30s, metadata: 5m, alert: 30s}}

Any other plugin is refused, naming its id.
"""

from __future__ import annotations

from typing import Any

from alerts.slo.sli import SLOSpecError
from toolkit import durations

RULE_INTERVALS = "sloth.dev/contrib/rule_intervals/v1"
# The plugin's config keys → our group kinds (alerts.slo.rules.GROUP_KINDS).
_KINDS = {"sliError": "sli", "metadata": "meta", "alert": "alerts"}


def intervals(where: str, value: Any, fld: str) -> dict[str, str]:
    """Group kind → interval from the chain in ``value`` (later plugins win); raises
    :class:`SLOSpecError` naming the first plugin that is not the rule-intervals one."""
    chain = value.get("chain") if isinstance(value, dict) else None
    if not isinstance(chain, list):
        raise SLOSpecError(f"{where}: field {fld}.chain: expected a list of plugins")
    out: dict[str, str] = {}
    for i, plugin in enumerate(chain):
        pid = plugin.get("id") if isinstance(plugin, dict) else None
        if pid != RULE_INTERVALS:
            raise SLOSpecError(
                f"{where}: field {fld}: SLO plugin {pid!r} is Go code that only Sloth can run; "
                f"remove it and write what it adds as the SLO's sli, labels and alerting "
                f"(of Sloth's plugins only {RULE_INTERVALS} is read here)"
            )
        out.update(_config(f"{where}: field {fld}.chain[{i}].config", plugin.get("config")))
    return out


def _config(where: str, config: Any) -> dict[str, str]:
    interval = config.get("interval") if isinstance(config, dict) else None
    if not isinstance(interval, dict) or "default" not in interval:
        raise SLOSpecError(f"{where}: field interval.default: missing (the plugin requires it)")
    unknown = sorted(set(interval) - {"default", *_KINDS})
    if unknown:
        raise SLOSpecError(
            f"{where}: field interval: unknown key {unknown[0]!r}; allowed: default, "
            + ", ".join(_KINDS)
        )
    given = {}
    for key, text in interval.items():
        try:
            given[key] = durations.normalize(str(text))
        except ValueError as err:
            raise SLOSpecError(f"{where}: field interval.{key}: {err}") from None
    return {kind: given.get(key, given["default"]) for key, kind in _KINDS.items()}
