"""Certificates the pack holds, before they expire: the worker's Bridge client certificate.

As kubernetes-mixin does for its client certificates: a warning a week ahead (time to renew
through the normal process) and a critical alert a day ahead (the Bridge will refuse the worker
and every claim call will fail). The worker serves the expiry time only with mTLS configured.
"""

from __future__ import annotations

from alerts.operational.common import Group, alert
from alerts.operational.common import group as make_group
from core.catalog import worker
from core.config import PackConfig
from toolkit import durations
from toolkit.selectors import sel


def expires_within(cfg: PackConfig, seconds: int) -> str:
    expiry = sel(worker.BRIDGE_CLIENT_CERT_EXPIRY, job=cfg.worker_job)
    return f"min by (job, instance) ({expiry}) - time() < {seconds}"


def group(cfg: PackConfig) -> Group:
    t = cfg.thresholds
    rules = []
    for severity, seconds in (
        ("warning", t.certificate_expiry_warning_seconds),
        ("critical", t.certificate_expiry_critical_seconds),
    ):
        rules.append(
            alert(
                cfg,
                "DictBridgeClientCertificateExpiration",
                expires_within(cfg, seconds),
                severity=severity,
                summary="The worker's Bridge client certificate is about to expire.",
                description=(
                    "The Bridge client certificate of {{ $labels.job }} on "
                    "{{ $labels.instance }} expires in {{ $value | humanizeDuration }} "
                    f"(alert at {durations.format(seconds, weeks=False)}): renew "
                    "BRIDGE_TLS_CERT before the Bridge refuses the worker."
                ),
            )
        )
    return make_group("dict-certificates", rules)
