"""Starting the real Temporal dev server (``temporal server start-dev``) the way the pack needs it.

Namespace ``dict``, the claim search attributes registered, server metrics on their own port and
the state in a SQLite file under a run folder. Used by ``make demo``, the integration tests and
the benchmarks, so that all three run the same server the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from dictobs import binaries, settings
from dictobs.ports import wait_for_port
from dictobs.process import Service


@dataclass
class DevServer:
    run_dir: Path
    port: int = settings.TEMPORAL_PORT
    metrics_port: int = settings.SERVER_METRICS_PORT
    namespace: str = settings.NAMESPACE
    ip: str = "127.0.0.1"
    dynamic_config: dict[str, str] = field(default_factory=dict)
    service: Service = field(init=False)

    def __post_init__(self) -> None:
        self.service = Service("Temporal dev server", self.run_dir / "temporal.log")

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.ip}:{self.metrics_port}/metrics"

    @property
    def running(self) -> bool:
        return self.service.running

    @property
    def log_path(self) -> Path:
        return self.service.log_path

    def command(self) -> list[str]:
        cmd = [
            str(binaries.temporal_cli()),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            self.ip,
            "--port",
            str(self.port),
            "--metrics-port",
            str(self.metrics_port),
            "--namespace",
            self.namespace,
            "--db-filename",
            str(self.run_dir / "temporal.sqlite"),
            "--log-level",
            "warn",
        ]
        for name, kind in settings.SEARCH_ATTRIBUTES.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        for key, value in self.dynamic_config.items():
            cmd += ["--dynamic-config-value", f"{key}={value}"]
        return cmd

    def start(self, timeout: float = 60.0) -> DevServer:
        def ready() -> None:
            wait_for_port(self.ip, self.port, timeout)
            wait_for_port(self.ip, self.metrics_port, timeout)

        self.service.start(self.command(), ready)
        return self

    def stop(self) -> None:
        self.service.stop()

    def restart(self, pause: float = 0.0) -> None:
        self.stop()
        time.sleep(pause)
        self.start()

    def __enter__(self) -> DevServer:
        return self if self.running else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
