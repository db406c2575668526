"""The SLO and alert tables of ``docs/alerts.md``, generated from the SLO spec and the rules.

``python -m alerts.docs`` rewrites them in place (``--check``: fail when out of date).
"""

from __future__ import annotations

import sys
from pathlib import Path

from alerts import operational
from alerts.impact import IMPACTS
from alerts.slo import rules as slo_rules
from alerts.slo.sli import EventsSLI, LatencySLI
from alerts.slo.spec import load_slos
from core.config import DEFAULT
from toolkit import docblocks, durations
from toolkit.docblocks import cell

DOC = Path(__file__).resolve().parent.parent / "docs" / "alerts.md"


def slos_table() -> str:
    rows = [
        "| SLO (`sloth_id`) | objective | SLI | what it measures | alert |",
        "| --- | --- | --- | --- | --- |",
    ]
    for slo in load_slos(check_queries=False):
        if isinstance(slo.sli, LatencySLI):
            bound = slo.sli.threshold
            shown = durations.format(int(bound)) if bound.is_integer() else f"{bound:g}s"
            kind = f"latency: `{slo.sli.metric}` above {shown}"
        elif isinstance(slo.sli, EventsSLI):
            kind = "events: error / total rates"
        else:
            kind = "raw error ratio"
        rows.append(
            f"| `{slo.id}` | {slo.objective:g}% over {slo.period_window} | {kind} | "
            f"{cell(slo.description)} | [{slo.alerting.name}]({_runbook(slo.alerting.name)}) |"
        )
    return "\n".join(rows) + "\n"


def alerts_table() -> str:
    slos = load_slos(check_queries=False)
    rows = [
        "| alert | group | severity | for | summary | what users feel | the one page |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]

    def row(name: str, group: str, severity: str, for_: str, summary: str) -> str:
        impact = IMPACTS[name]
        page = "this one" if impact.page == name else f"[{impact.page}]({_runbook(impact.page)})"
        return (
            f"| [{name}]({_runbook(name)}) | `{group}` | {severity} | {for_} | {cell(summary)} "
            f"| {cell(impact.feels)} | {page} |"
        )

    for group in operational.groups(DEFAULT):
        severities: dict[str, list[str]] = {}
        for rule in group["rules"]:
            severities.setdefault(rule["alert"], []).append(rule["labels"]["severity"])
        for rule in group["rules"]:
            name = rule["alert"]
            if name not in severities:
                continue  # a second tier of the same alert: one row
            rows.append(
                row(
                    name,
                    group["name"],
                    " / ".join(severities.pop(name)),
                    rule.get("for", "—"),
                    rule["annotations"]["summary"],
                )
            )
    for slo in slos:
        rules = [slo_rules.burn_alert(slo, tier) for tier in ("page", "ticket")]
        tiers = " / ".join(
            f"{r['labels']['severity']} ({r['labels']['sloth_severity']})" for r in rules if r
        )
        if tiers:
            summary = f"{slo.id}: the error budget burns too fast"
            group_name = slo_rules.group_name("alerts", slo.id)
            rows.append(row(slo.alerting.name, group_name, tiers, "—", summary))
    absent = slo_rules.absent_alert(slos[0])
    rows.append(
        row(
            absent["alert"],
            "sloth-slo-alerts-<id>",
            absent["labels"]["severity"],
            absent["for"],
            absent["annotations"]["summary"],
        )
    )
    return "\n".join(rows) + "\n"


def _runbook(alert: str) -> str:
    """The runbook section, relative to this document."""
    return "runbook.md#" + alert.lower()


GENERATORS = {"slos": slos_table, "alerts": alerts_table}

if __name__ == "__main__":
    sys.exit(docblocks.main({DOC: GENERATORS}, sys.argv[1:], "python -m alerts.docs"))
