"""The demo's running parts: each a child process on a loopback port, started in order."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dictobs import settings
from dictobs.catalog import claims, exporter
from dictobs.cli import CLIError
from dictobs.devserver import DevServer
from dictobs.ports import wait_for_port
from dictobs.process import Service
from dictobs.prometheus import Alertmanager, Prometheus, scrape_config

RULES_DIR = Path(__file__).resolve().parent.parent / "alerts" / "generated"
DASHBOARDS_DIR = Path(__file__).resolve().parent.parent / "dashboards" / "generated"
Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoPorts:
    temporal: int = settings.TEMPORAL_PORT
    server_metrics: int = settings.SERVER_METRICS_PORT
    bridge: int = settings.BRIDGE_PORT
    worker_metrics: int = settings.WORKER_METRICS_PORT
    exporter: int = settings.EXPORTER_PORT
    prometheus: int = settings.PROMETHEUS_PORT
    alertmanager: int = settings.ALERTMANAGER_PORT

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class DemoStack:
    run_dir: Path
    ports: DemoPorts
    services: list[Service] = field(default_factory=list)
    temporal: DevServer | None = None
    prometheus: Prometheus | None = None
    alertmanager: Alertmanager | None = None

    @property
    def env(self) -> dict[str, str]:
        """What every child reads through ``dictobs.settings``."""
        return {
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.ports.temporal}",
            "TEMPORAL_NAMESPACE": settings.NAMESPACE,
            "BRIDGE_ADDRESS": f"127.0.0.1:{self.ports.bridge}",
            "WORKER_METRICS_ADDRESS": f"127.0.0.1:{self.ports.worker_metrics}",
            "EXPORTER_ADDRESS": f"127.0.0.1:{self.ports.exporter}",
        }

    def _dictobs(self, name: str, port: int, *args: str) -> Service:
        service = Service(name, self.run_dir / f"{name.lower().replace(' ', '-')}.log")
        service.start(
            [sys.executable, "-m", "dictobs.cli", *args],
            lambda: wait_for_port("127.0.0.1", port, timeout=60, alive=lambda: service.running),
            env=self.env,
        )
        self.services.append(service)
        return service

    def start(self, say: Say) -> None:
        self._check_ports_free()
        self.temporal = DevServer(
            run_dir=self.run_dir, port=self.ports.temporal, metrics_port=self.ports.server_metrics
        ).start()
        self.services.append(self.temporal.service)
        say(
            f"  Temporal dev server   {self.temporal.address}   metrics {self.temporal.metrics_url}"
        )
        self._dictobs("Bridge simulator", self.ports.bridge, "bridge-sim", "serve",
                      "--listen", self.env["BRIDGE_ADDRESS"])  # fmt: skip
        say(f"  Bridge simulator      {self.env['BRIDGE_ADDRESS']}")
        self._dictobs("Worker", self.ports.worker_metrics, "worker")
        say(f"  Worker                metrics http://{self.env['WORKER_METRICS_ADDRESS']}/metrics")
        # A short refresh so the demo's claims show within seconds; the default is 30s.
        self._dictobs("Exporter", self.ports.exporter, "exporter",
                      "--refresh.interval", "5s", "--refresh.deadline", "4s")  # fmt: skip
        say(f"  Claim exporter        http://{self.env['EXPORTER_ADDRESS']}/metrics")
        self.alertmanager = Alertmanager(self.run_dir, self.ports.alertmanager).start()
        self.services.append(self.alertmanager.service)
        rules = sorted(RULES_DIR.glob("*.yaml"))
        self.prometheus = Prometheus(
            self.run_dir,
            self.ports.prometheus,
            scrape_config(
                {
                    "temporal-server": f"127.0.0.1:{self.ports.server_metrics}",
                    "dict-worker": self.env["WORKER_METRICS_ADDRESS"],
                    "dict-exporter": self.env["EXPORTER_ADDRESS"],
                },
                rule_files=rules,
                alertmanager=self.alertmanager.address,
            ),
        ).start()
        self.services.append(self.prometheus.service)
        say(f"  Prometheus            {self.prometheus.url}   ({len(rules)} rule files)")
        say(f"  Alertmanager          http://{self.alertmanager.address}")

    def _check_ports_free(self) -> None:
        for name, port in self.ports.as_dict().items():
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    raise CLIError(
                        f"port {port} ({name}) is in use: stop what listens there, or pass "
                        f"--{name.replace('_', '-')}-port"
                    )

    def healthy(self) -> bool:
        return all(s.running for s in self.services)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        self.services.clear()

    def show(self, say: Say, timeout: float = 60.0) -> None:
        """What Prometheus sees once it has scraped the claims: targets, claim counts, alerts."""
        prom = self.prometheus
        assert prom is not None, "start() first"
        resolved = f"sum by (outcome) ({claims.CLAIMS_RESOLVED.name})"
        open_ = f"sum by (status) ({exporter.CLAIMS_OPEN.name})"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (prom.query(resolved) and prom.query(open_)):
            time.sleep(1)
        say("\nWhat Prometheus sees:")
        for job, up in sorted(prom.targets_up().items()):
            say(f"  up{{job={job!r}}} = {int(up)}")
        shown = (
            (claims.CLAIMS_RESOLVED.name, resolved, "outcome"),
            (exporter.CLAIMS_OPEN.name, open_, "status"),
        )
        for name, expr, label in shown:
            for labels, value in sorted(prom.query(expr), key=lambda s: s[0].get(label, "")):
                say(f'  {name}{{{label}="{labels.get(label)}"}} = {value:g}')
        alerts = prom.alerts()
        say(f"\nAlerts: {len(alerts)} pending or firing")
        for alert in alerts:
            labels = alert["labels"]
            say(f"  {alert['state']:<8} {labels['alertname']} ({labels.get('severity', '-')})")
        say(f"\nDashboards: {DASHBOARDS_DIR}/*.json  (make dashboards GRAFANA_URL=... pushes them)")
        say(f"Prometheus: {prom.url}/alerts   Alertmanager: http://{self.alertmanager_address}")
        say(
            f"Try: dictobs claim status --claim-id ...   dictobs bridge-sim stats "
            f"--address {self.env['BRIDGE_ADDRESS']}"
        )

    @property
    def alertmanager_address(self) -> str:
        return self.alertmanager.address if self.alertmanager else "-"
