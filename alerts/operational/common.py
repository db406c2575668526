"""The shape every operational alert has (kubernetes-mixin's): severity, a static summary, a
templated description and a runbook link."""

from __future__ import annotations

from typing import Any

from core.config import PackConfig

Rule = dict[str, Any]
Group = dict[str, Any]
SEVERITIES = ("critical", "warning", "info")


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


def increased(counter: str, window: str, by: str) -> str:
    """``counter`` went up within ``window``, by ``by``: its increase, or its appearance.

    Clients and the server create a counter on its first event, and ``increase()`` cannot see
    the step from "no series" to 1; a series that did not exist during the hour before
    ``window`` is that step (an hour, so that a failed scrape does not look like a new series).
    """
    return (
        f"sum by ({by}) (increase({counter}[{window}])) > 0\n"
        f"or\nsum by ({by}) ({counter} unless present_over_time({counter}[1h] offset {window}))"
    )


def group(name: str, rules: list[Rule]) -> Group:
    return {"name": name, "rules": rules}
