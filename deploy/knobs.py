"""The pack's knobs that deployment needs, read in this one function.

Scrape job names, the Temporal namespace and task queue, the label that carries the Temporal
namespace, the processes' ports, the dashboards' folder and where the generators write: the
manifests and the monitoring mixin take all of them from :func:`pack_knobs`, never retyped in
jsonnet. When the pack configuration moves, this function is the one place to re-point.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alerts.config import DEFAULT as RULES
from dashboards.defaults import FOLDER, GENERATED
from dictobs import settings

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PackKnobs:
    server_job: str
    worker_job: str
    exporter_job: str
    temporal_namespace: str
    task_queue: str
    # The label Temporal, the SDK and the exporter put the Temporal namespace in; rules and
    # dashboards select on it, so a scrape must keep it.
    namespace_label: str
    temporal_port: int
    server_metrics_port: int
    worker_metrics_port: int
    exporter_port: int
    bridge_port: int
    dashboard_folder: str
    rules_dir: Path
    dashboards_dir: Path


def pack_knobs() -> PackKnobs:
    return PackKnobs(
        server_job=RULES.server_job,
        worker_job=RULES.worker_job,
        exporter_job=RULES.exporter_job,
        temporal_namespace=RULES.namespace,
        task_queue=RULES.task_queue,
        namespace_label="namespace",
        temporal_port=settings.TEMPORAL_PORT,
        server_metrics_port=settings.SERVER_METRICS_PORT,
        worker_metrics_port=settings.WORKER_METRICS_PORT,
        exporter_port=settings.EXPORTER_PORT,
        bridge_port=settings.BRIDGE_PORT,
        dashboard_folder=FOLDER,
        rules_dir=REPO / "alerts" / "generated",
        dashboards_dir=GENERATED,
    )
