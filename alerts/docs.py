"""The SLO and alert tables of ``docs/alerts.md``, generated from the SLO spec and the rules.

``python -m alerts.docs`` rewrites them in place (``--check``: fail when out of date).
"""

from __future__ import annotations

import sys
from pathlib import Path

from alerts import operational
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
    rows = ["| alert | group | severity | for | summary |", "| --- | --- | --- | --- | --- |"]
    for group in operational.groups(DEFAULT):
        for rule in group["rules"]:
            rows.append(
                f"| [{rule['alert']}]({_runbook(rule['alert'])}) | `{group['name']}` | "
                f"{rule['labels']['severity']} | {rule.get('for', '—')} | "
                f"{cell(rule['annotations']['summary'])} |"
            )
    absent = slo_rules.absent_alert(slos[0])
    rows.append(
        f"| [{absent['alert']}]({_runbook(absent['alert'])}) | `sloth-slo-alerts-<id>` | "
        f"{absent['labels']['severity']} | {absent['for']} | "
        f"{cell(absent['annotations']['summary'])} |"
    )
    return "\n".join(rows) + "\n"


def _runbook(alert: str) -> str:
    """The runbook section, relative to this document."""
    return "runbook.md#" + alert.lower()


GENERATORS = {"slos": slos_table, "alerts": alerts_table}

if __name__ == "__main__":
    sys.exit(docblocks.main({DOC: GENERATORS}, sys.argv[1:], "python -m alerts.docs"))
