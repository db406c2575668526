"""Certificates the pack holds, before they expire: the worker's Bridge client certificate and
the certificate the exporter serves ``/metrics`` with.

As kubernetes-mixin does for its client certificates: a warning a week ahead (time to renew
through the normal process) and a critical alert a day ahead. Each expiry is served only when
the certificate is configured (the worker with mTLS, the exporter with TLS).
"""

from __future__ import annotations

from typing import NamedTuple

from alerts.operational.common import Group, Rule, alert
from alerts.operational.common import group as make_group
from core.catalog import exporter, worker
from core.catalog.model import Metric
from core.config import PackConfig
from toolkit import durations
from toolkit.selectors import sel


class Certificate(NamedTuple):
    alert: str
    metric: Metric
    summary: str
    what: str  # "the X of {{ job }} on {{ instance }}"
    fix: str


def certificates(cfg: PackConfig) -> tuple[tuple[Certificate, str], ...]:
    return (
        (
            Certificate(
                "DictBridgeClientCertificateExpiration",
                worker.BRIDGE_CLIENT_CERT_EXPIRY,
                "The worker's Bridge client certificate is about to expire.",
                "The Bridge client certificate",
                "renew BRIDGE_TLS_CERT before the Bridge refuses the worker.",
            ),
            cfg.worker_job,
        ),
        (
            Certificate(
                "DictExporterServingCertificateExpiration",
                exporter.EXPORTER_SERVING_CERT_EXPIRY,
                "The claim exporter's serving certificate is about to expire.",
                "The serving certificate",
                "renew the web config's cert_file before Prometheus stops scraping.",
            ),
            cfg.exporter_job,
        ),
    )


def expires_within(metric: Metric, job: str, seconds: int) -> str:
    return f"min by (job, instance) ({sel(metric, job=job)}) - time() < {seconds}"


def _rules(cfg: PackConfig, cert: Certificate, job: str) -> list[Rule]:
    t = cfg.thresholds
    return [
        alert(
            cfg,
            cert.alert,
            expires_within(cert.metric, job, seconds),
            severity=severity,
            summary=cert.summary,
            description=(
                f"{cert.what} of {{{{ $labels.job }}}} on {{{{ $labels.instance }}}} expires in "
                "{{ $value | humanizeDuration }} "
                f"(alert at {durations.format(seconds, weeks=False)}): {cert.fix}"
            ),
        )
        for severity, seconds in (
            ("warning", t.certificate_expiry_warning_seconds),
            ("critical", t.certificate_expiry_critical_seconds),
        )
    ]


def group(cfg: PackConfig) -> Group:
    return make_group(
        "dict-certificates",
        [rule for cert, job in certificates(cfg) for rule in _rules(cfg, cert, job)],
    )
