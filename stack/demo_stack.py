"""The demo's running parts: each a child process on a loopback port, started in order."""

from __future__ import annotations

import os
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from alerts import alertmanager as routing
from core import codec, config, settings
from core.catalog import exporter, worker
from core.errors import CLIError
from stack.devserver import DevServer
from stack.ports import wait_for_port
from stack.process import Service
from stack.prometheus import Alertmanager, Prometheus, scrape_config
from stack.webhook import WebhookReceiver
from worker.model import claim_workflow_id

RULES_DIR = Path(__file__).resolve().parent.parent / "alerts" / "generated"
DASHBOARDS_DIR = Path(__file__).resolve().parent.parent / "dashboards" / "generated"
Say = Callable[[str], None]
# A refresh makes about 40 rate-limited visibility calls: at 8 a second (10 back to back) it takes
# about 4s on the dev server, well inside the deadline; every 10s so that the claims show soon
# (the exporter's default is every 30s).
EXPORTER_FLAGS = ("--refresh.interval", "10s", "--refresh.deadline", "9s",
                  "--visibility.rate", "8", "--visibility.burst", "10")  # fmt: skip


@dataclass(frozen=True)
class DemoPorts:
    temporal: int = settings.TEMPORAL_PORT
    server_metrics: int = settings.SERVER_METRICS_PORT
    bridge: int = settings.BRIDGE_PORT
    worker_metrics: int = settings.WORKER_METRICS_PORT
    exporter: int = settings.EXPORTER_PORT
    prometheus: int = settings.PROMETHEUS_PORT
    alertmanager: int = settings.ALERTMANAGER_PORT
    codec_server: int = settings.CODEC_SERVER_PORT

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class DemoStack:
    run_dir: Path
    ports: DemoPorts
    # Prometheus scrapes and evaluates the rules this often; the end-to-end tests go faster.
    scrape_interval: str = "5s"
    exporter_flags: tuple[str, ...] = EXPORTER_FLAGS
    # A Bridge already serving (HOST:PORT): no simulator is started and ``ports.bridge`` is unused.
    bridge_address: str | None = None
    temporal_dynamic_config: dict[str, str] = field(default_factory=dict)
    # The shipped rules, or drill rules (``dictobs rules generate --drill``) for incidents.
    rules_dir: Path = RULES_DIR
    services: list[Service] = field(default_factory=list)
    temporal: DevServer | None = None
    prometheus: Prometheus | None = None
    alertmanager: Alertmanager | None = None
    webhook: WebhookReceiver | None = None  # where Alertmanager's page and ticket notify
    _starts: dict[str, Callable[[], None]] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """What every child reads through ``core.settings``."""
        return {
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.ports.temporal}",
            "TEMPORAL_NAMESPACE": settings.NAMESPACE,
            "BRIDGE_ADDRESS": self.bridge_address or f"127.0.0.1:{self.ports.bridge}",
            # The local simulator serves plaintext; the real Bridge needs BRIDGE_TLS_*.
            "BRIDGE_PLAINTEXT": "true",
            "WORKER_METRICS_ADDRESS": f"127.0.0.1:{self.ports.worker_metrics}",
            "EXPORTER_ADDRESS": f"127.0.0.1:{self.ports.exporter}",
            # Payloads are encrypted at rest, as in production; the key is the demo's own.
            "TEMPORAL_CODEC_KEY_FILE": str(self.key_file),
        }

    @property
    def key_file(self) -> Path:
        return self.run_dir / "codec-keys"

    @property
    def codec_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.codec_server}"

    def _ensure_key_file(self) -> None:
        """A key of the demo's own, kept with its state: the SQLite file's histories of an
        earlier run still decode."""
        if self.key_file.exists():
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(codec.new_key_line("demo-1"))

    def _own(self, service: Service) -> Service:
        """Owned before it starts: a Ctrl-C during its readiness wait still stops it."""
        self.services.append(service)
        return service

    def _dictobs(self, name: str, port: int, *args: str) -> None:
        service = self._own(Service(name, self.run_dir / f"{name.lower().replace(' ', '-')}.log"))

        def start() -> None:
            service.start(
                [sys.executable, "-m", "dictobs.cli", *args],
                lambda: wait_for_port("127.0.0.1", port, timeout=60, alive=lambda: service.running),
                env=self.env,
            )

        self._starts[name] = start
        start()

    def start_again(self, name: str) -> None:
        """Start the stopped pack part ``name`` (the Bridge simulator, Worker or Exporter) as
        before, and return once it listens."""
        self._starts[name]()

    def start(self, say: Say) -> None:
        self._check_ports_free()
        self.temporal = DevServer(
            run_dir=self.run_dir,
            port=self.ports.temporal,
            metrics_port=self.ports.server_metrics,
            dynamic_config=self.temporal_dynamic_config,
        )
        self._own(self.temporal.service)
        self.temporal.start()
        say(
            f"  Temporal dev server   {self.temporal.address}   metrics {self.temporal.metrics_url}"
        )
        if self.bridge_address is None:
            self._dictobs("Bridge simulator", self.ports.bridge, "bridge-sim", "serve",
                          "--listen", self.env["BRIDGE_ADDRESS"])  # fmt: skip
        say(f"  Bridge simulator      {self.env['BRIDGE_ADDRESS']}")
        self._ensure_key_file()
        self._dictobs("Codec server", self.ports.codec_server, "codec-server", "--no-auth",
                      "--listen", f"127.0.0.1:{self.ports.codec_server}")  # fmt: skip
        say(f"  Codec server          {self.codec_url}   (payloads encrypted, key {self.key_file})")
        self._dictobs("Worker", self.ports.worker_metrics, "worker")
        say(f"  Worker                metrics http://{self.env['WORKER_METRICS_ADDRESS']}/metrics")
        self._dictobs("Exporter", self.ports.exporter, "exporter", *self.exporter_flags)
        say(f"  Claim exporter        http://{self.env['EXPORTER_ADDRESS']}/metrics")
        self.webhook = WebhookReceiver().start()
        routes = routing.config(config.current(), self.webhook.url, routing.DRILL)
        self.alertmanager = Alertmanager(self.run_dir, self.ports.alertmanager, routes)
        self._own(self.alertmanager.service)
        self.alertmanager.start()
        rules = sorted(self.rules_dir.glob("*.yaml"))
        self.prometheus = Prometheus(
            self.run_dir,
            self.ports.prometheus,
            scrape_config(
                {  # the job names the committed rules select on
                    config.DEFAULT.server_job: f"127.0.0.1:{self.ports.server_metrics}",
                    config.DEFAULT.worker_job: self.env["WORKER_METRICS_ADDRESS"],
                    config.DEFAULT.exporter_job: self.env["EXPORTER_ADDRESS"],
                },
                rule_files=rules,
                alertmanager=self.alertmanager.address,
                interval=self.scrape_interval,
            ),
        )
        self._own(self.prometheus.service)
        self.prometheus.start()
        say(f"  Prometheus            {self.prometheus.url}   ({len(rules)} rule files)")
        say(f"  Alertmanager          http://{self.alertmanager.address}   (the pack's routing, "
            f"notifying the webhook {self.webhook.url})")  # fmt: skip

    def _check_ports_free(self) -> None:
        for name, port in self.ports.as_dict().items():
            if name == "bridge" and self.bridge_address is not None:
                continue
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    raise CLIError(
                        f"port {port} ({name}) is in use: stop what listens there, or pass "
                        f"--{name.replace('_', '-')}-port"
                    )

    def service(self, name: str) -> Service:
        """The running part called ``name`` (``Worker``, ``Exporter``, ...), to stop or kill and
        start again."""
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(f"no part {name!r}: {', '.join(s.name for s in self.services)}")

    def stopped(self) -> list[Service]:
        """The parts that are no longer running."""
        return [s for s in self.services if not s.running]

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        self.services.clear()
        if self.webhook is not None:
            self.webhook.stop()
            self.webhook = None

    def show(self, say: Say, since: float, timeout: float = 60.0) -> None:
        """What Prometheus sees once the exporter has refreshed after ``since`` (unix time, when
        the claims settled) and the worker's claims are scraped: targets, claims, rules, alerts."""
        prom = self.prometheus
        assert prom is not None, "start() first"
        resolved = f"sum by (outcome) ({worker.CLAIMS_RESOLVED.name})"
        open_ = f"sum by (status) ({exporter.CLAIMS_OPEN.name})"
        # When the exporter's last successful refresh began, while it is up.
        began = (
            f"({exporter.EXPORTER_LAST_SUCCESS.name} - {exporter.EXPORTER_REFRESH_DURATION.name})"
            f" and on() ({exporter.EXPORTER_UP.name} == 1)"
        )
        waits: dict[str, Callable[[], bool]] = {
            "exporter refresh begun after the claims ran": lambda: any(
                t >= since for _, t in prom.query(began)
            ),
            "resolved claims from the worker": lambda: bool(prom.query(resolved)),
        }
        deadline = time.monotonic() + timeout
        late = list(waits)
        while late and time.monotonic() < deadline:
            time.sleep(1)
            late = [what for what, done in waits.items() if not done()]
        if not late:  # alerts as the rules see these samples, not as they saw the start-up
            _wait_rule_evaluation(prom, after=time.time(), deadline=deadline)

        say("\nWhat Prometheus sees:")
        for what in late:
            say(f"  after {timeout:.0f}s still no {what}: see the logs in {self.run_dir}/")
        for job, up in sorted(prom.targets_up().items()):
            say(f"  up{{job={job!r}}} = {int(up)}")
        for metric in (exporter.EXPORTER_UP, exporter.EXPORTER_REFRESH_DURATION):
            for _, value in prom.query(metric.name):
                say(f"  {metric.name} = {value:.3g}")
        shown = (
            (worker.CLAIMS_RESOLVED.name, resolved, "outcome"),
            (exporter.CLAIMS_OPEN.name, open_, "status"),
        )
        for name, expr, label in shown:
            for labels, value in sorted(prom.query(expr), key=lambda s: s[0].get(label, "")):
                say(f'  {name}{{{label}="{labels.get(label)}"}} = {value:g}')

        groups = prom.rule_groups()
        kinds = Counter(rule["type"] for group in groups for rule in group["rules"])
        files = {group["file"] for group in groups}
        say(
            f"\nRules: {len(groups)} groups loaded from {len(files)} files: "
            f"{kinds['alerting']} alerting rules, {kinds['recording']} recording rules"
        )
        alerts = Counter(
            (a["state"], a["labels"]["alertname"], a["labels"].get("severity", "-"))
            for a in prom.alerts()
        )
        say(f"Alerts: {sum(alerts.values())} pending or firing")
        for (state, name, severity), count in sorted(alerts.items()):
            times = f" x{count}" if count > 1 else ""
            say(f"  {state:<8} {name} ({severity}){times}")
        if any(state == "pending" for state, _, _ in alerts):
            say("  (pending: the condition holds, not yet for as long as the rule's `for`)")
        self._slo_status(say)

    def _slo_status(self, say: Say) -> None:
        """The pack's SLOs as ``dictobs slo status`` shows them."""
        from alerts.slo import status
        from alerts.slo.spec import load_slos

        prom = self.prometheus
        assert prom is not None, "start() first"
        say("\nSLOs (dictobs slo status):")
        try:
            text = status.table([status.status(prom.url, s) for s in load_slos()])
        except status.StatusError as err:
            text = f"{err}\n"
        for line in text.splitlines():
            say(f"  {line}")

    def where(self, say: Say, claim_id: str) -> None:
        """Where to look and what to try while the demo stays up."""
        prom = self.prometheus
        assert prom is not None, "start() first"
        temporal = self.env["TEMPORAL_ADDRESS"]
        say(f"\nDashboards: {DASHBOARDS_DIR}/*.json  (make dashboards GRAFANA_URL=... pushes them)")
        say(f"Prometheus: {prom.url}/alerts   Alertmanager: http://{self.alertmanager_address}")
        say("Try (payloads are encrypted: the commands need the demo's key file):")
        say(f"  export TEMPORAL_CODEC_KEY_FILE={self.key_file}")
        say(f"  dictobs claim status --temporal-address {temporal} --claim-id {claim_id}")
        say(f"  dictobs claim decide --temporal-address {temporal} --claim-id {claim_id} --confirm")
        bridge = self.env["BRIDGE_ADDRESS"]  # the demo's simulator serves plaintext
        say(f"  BRIDGE_PLAINTEXT=true dictobs bridge-sim stats --address {bridge}")
        workflow_id = claim_workflow_id(claim_id)
        say(f"  temporal workflow show --address {temporal} --namespace {settings.NAMESPACE} "
            f"--workflow-id {workflow_id} --codec-endpoint {self.codec_url}")  # fmt: skip

    @property
    def alertmanager_address(self) -> str:
        return self.alertmanager.address if self.alertmanager else "-"


def _wait_rule_evaluation(prom: Prometheus, after: float, deadline: float) -> None:
    """Until every rule group has been evaluated since ``after`` (unix time), or ``deadline``."""

    def evaluated(group: dict[str, Any]) -> bool:
        return datetime.fromisoformat(group["lastEvaluation"]).timestamp() > after

    while time.monotonic() < deadline:
        if all(evaluated(g) for g in prom.rule_groups()):
            return
        time.sleep(1)
