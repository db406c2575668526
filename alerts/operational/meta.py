"""The alerting pipeline itself: an alert that always fires.

As in kube-prometheus: routed to a receiver of its own (a dead man's switch such as a heartbeat
service), its notifications stopping is how a silent Prometheus, rule evaluation or
Alertmanager gets noticed.
"""

from __future__ import annotations

from alerts.operational.common import Group, alert
from alerts.operational.common import group as make_group
from core.config import PackConfig

WATCHDOG = "Watchdog"


def group(cfg: PackConfig) -> Group:
    return make_group(
        "dict-meta",
        [
            alert(
                cfg,
                WATCHDOG,
                "vector(1)",
                severity="none",
                summary="The alerting pipeline works: this alert always fires.",
                description=(
                    "Always firing, to prove that Prometheus evaluates the pack's rules and "
                    "Alertmanager delivers them. Route it to a dead man's switch; its "
                    "notifications stopping is the alert."
                ),
            ),
        ],
    )
