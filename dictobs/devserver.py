"""Starting the real Temporal dev server (``temporal server start-dev``) the way the pack needs it.

Namespace ``dict``, the claim search attributes registered, server metrics on their own port and
the state in a SQLite file under a run folder. Used by ``make demo``, the integration tests and
the benchmarks, so that all three run the same server the same way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from dictobs import binaries, settings
from dictobs.ports import wait_for_port


@dataclass
class DevServer:
    run_dir: Path
    port: int = settings.TEMPORAL_PORT
    metrics_port: int = settings.SERVER_METRICS_PORT
    namespace: str = settings.NAMESPACE
    ip: str = "127.0.0.1"
    dynamic_config: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{self.ip}:{self.metrics_port}/metrics"

    @property
    def log_path(self) -> Path:
        return self.run_dir / "temporal.log"

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
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        log.close()
        try:
            wait_for_port(self.ip, self.port, timeout)
            wait_for_port(self.ip, self.metrics_port, timeout)
        except TimeoutError as err:
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"Temporal dev server did not start: {err}\n{tail}") from err
        return self

    def stop(self, timeout: float = 15.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def restart(self, pause: float = 0.0) -> None:
        self.stop()
        time.sleep(pause)
        self.start()

    def __enter__(self) -> DevServer:
        return self.start() if self.process is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
