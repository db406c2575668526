"""The pack's knobs that deployment needs, read in this one function.

Scrape job names, the Temporal namespace and task queue, the label that carries the Temporal
namespace, the processes' ports, the dashboards' folder and where the generators write: the
manifests and the monitoring mixin take all of them from :func:`pack_knobs`, never retyped in
jsonnet: the pack configuration in force (``core.config``, overridable with
``dictobs --pack-config FILE``) and the settings' ports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core import config, settings

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


# Where the generators write.
RULES_DIR = REPO / "alerts" / "generated"
DASHBOARDS_DIR = REPO / "dashboards" / "generated"


def pack_knobs() -> PackKnobs:
    pack = config.current()
    return PackKnobs(
        server_job=pack.server_job,
        worker_job=pack.worker_job,
        exporter_job=pack.exporter_job,
        temporal_namespace=pack.namespace,
        task_queue=pack.task_queue,
        namespace_label=pack.namespace_label,
        temporal_port=settings.TEMPORAL_PORT,
        server_metrics_port=settings.SERVER_METRICS_PORT,
        worker_metrics_port=settings.WORKER_METRICS_PORT,
        exporter_port=settings.EXPORTER_PORT,
        bridge_port=settings.BRIDGE_PORT,
        dashboard_folder=pack.dashboard_folder,
        rules_dir=RULES_DIR,
        dashboards_dir=DASHBOARDS_DIR,
    )
