"""The shape every operational alert has (kubernetes-mixin's): severity, a static summary, a
templated description and a runbook link."""

from __future__ import annotations

from typing import Any

from core.config import PackConfig
from toolkit import durations

Rule = dict[str, Any]
Group = dict[str, Any]
# "none": an alert that pages nobody (the Watchdog), as kube-prometheus names it.
SEVERITIES = ("critical", "warning", "info", "none")


def alert(
    cfg: PackConfig,
    name: str,
    expr: str,
    *,
    severity: str,
    summary: str,
    description: str,
    for_: str | None = None,
    labels: dict[str, str] | None = None,
) -> Rule:
    if severity not in SEVERITIES:
        raise ValueError(f"{name}: severity {severity!r} is not one of {SEVERITIES}")
    if "{{" in summary:
        raise ValueError(f"{name}: the summary is static; put templates in the description")
    rule: Rule = {"alert": name, "expr": expr.strip() + "\n"}
    if for_:
        rule["for"] = for_
    rule["labels"] = {"severity": severity, **(labels or {})}
    rule["annotations"] = {
        "summary": summary,
        # Templates name the namespace label as scraped (``exported_namespace`` under the
        # Prometheus Operator).
        "description": description.replace("$labels.namespace ", f"$labels.{cfg.namespace_label} "),
        "runbook_url": cfg.runbook_url(name),
    }
    return rule


def increased(counter: str, window: str, by: str, up: str) -> str:
    """``counter`` went up within ``window``, by ``by``: its increase, or its appearance.

    Clients and the server create a counter on its first event, and ``increase()`` cannot see
    the step from "no series" to 1; a series that did not exist during the hour before
    ``window`` is that step (an hour, so that a failed scrape does not look like a new series).
    A missing series means something only where Prometheus has the history to know it was
    missing: ``up`` (the source's scrape health) must have been there at the start of that
    hour and succeeded at every scrape since. A fresh TSDB, a new HA replica, a new pod or a gap
    in the scrapes therefore never reads a counter that already had a value as new; what they
    hide is a single first event, and the next one shows in ``increase()``.
    """
    lookback = durations.format(durations.parse("1h") + durations.parse(window))
    return (
        f"sum by ({by}) (increase({counter}[{window}])) > 0\n"
        f"or\nsum by ({by}) (\n"
        f"  ({counter} unless present_over_time({counter}[1h] offset {window}))\n"
        f"  and on (job, instance) (min_over_time({up}[1h] offset {window}) == 1)\n"
        f"  and on (job, instance) present_over_time({up}[5m] offset {lookback})\n"
        f")"
    )


def group(name: str, rules: list[Rule]) -> Group:
    return {"name": name, "rules": rules}
