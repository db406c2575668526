"""Starting the real Prometheus and Alertmanager (Debian's packages) on loopback, and asking
Prometheus what it sees. Used by ``make demo`` and the end-to-end tests."""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from alerts import alertmanager as routing
from stack.process import Service
from toolkit import prometheus_api
from toolkit.prometheus_api import Sample


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(
        f"{names[0]} not found on PATH: install Debian's package (make setup does it)"
    )


def _wait_ready(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} not ready after {timeout:.0f}s")
        time.sleep(0.2)


def scrape_config(
    targets: Mapping[str, str],
    rule_files: Sequence[Path] = (),
    alertmanager: str | None = None,
    interval: str = "5s",
) -> dict[str, Any]:
    """A Prometheus configuration scraping ``{job: host:port}`` every ``interval``."""
    config: dict[str, Any] = {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [target]}]}
            for job, target in targets.items()
        ],
    }
    if rule_files:
        config["rule_files"] = [str(p.resolve()) for p in rule_files]
    if alertmanager:
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    return config


@dataclass
class Prometheus:
    run_dir: Path
    port: int
    config: dict[str, Any]
    service: Service = field(init=False)

    def __post_init__(self) -> None:
        self.service = Service("Prometheus", self.run_dir / "prometheus.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Prometheus:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        config_path = self.run_dir / "prometheus.yml"
        config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
        command = [
            _binary("prometheus"),
            f"--config.file={config_path}",
            f"--storage.tsdb.path={self.run_dir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-lifecycle",
        ]
        self.service.start(command, lambda: _wait_ready(f"{self.url}/-/ready", timeout))
        return self

    def stop(self) -> None:
        self.service.stop()

    def _api(self, path: str, params: Mapping[str, str]) -> Any:
        return prometheus_api.api(self.url, path, params)

    def query(self, expr: str) -> list[Sample]:
        """An instant query; each sample as (labels, value)."""
        return prometheus_api.query(self.url, expr)

    def alerts(self) -> list[dict[str, Any]]:
        return list(self._api("alerts", {})["alerts"])

    def rule_groups(self) -> list[dict[str, Any]]:
        """The rule groups Prometheus loaded (``/api/v1/rules``)."""
        return list(self._api("rules", {})["groups"])

    def targets_up(self) -> dict[str, bool]:
        return {labels["job"]: value == 1.0 for labels, value in self.query("up")}


@dataclass
class Alertmanager:
    """Alertmanager with ``config``: by default the pack's routing, with a drill's timers and
    receivers that notify nobody (the alerts show in its UI and API)."""

    run_dir: Path
    port: int
    config: dict[str, Any] = field(default_factory=lambda: routing.config(timers=routing.DRILL))
    service: Service = field(init=False)

    def __post_init__(self) -> None:
        self.service = Service("Alertmanager", self.run_dir / "alertmanager.log")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Alertmanager:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        config_path = self.run_dir / "alertmanager.yml"
        config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
        command = [
            _binary("prometheus-alertmanager", "alertmanager"),
            f"--config.file={config_path}",
            f"--storage.path={self.run_dir / 'alertmanager-data'}",
            f"--web.listen-address={self.address}",
            "--cluster.listen-address=",
        ]
        self.service.start(command, lambda: _wait_ready(f"http://{self.address}/-/ready", timeout))
        return self

    def stop(self) -> None:
        self.service.stop()

    def api(self, path: str) -> Any:
        """``GET /api/v2/<path>`` as JSON, e.g. ``alerts`` (each with ``status.inhibitedBy``)."""
        with urllib.request.urlopen(f"http://{self.address}/api/v2/{path}", timeout=5) as resp:
            return json.load(resp)
