"""Starting the real Temporal dev server (``temporal server start-dev``) the way the pack needs it.

Namespace ``dict``, the claim search attributes registered, server metrics on their own port and
the state in a SQLite file under a run folder. Used by ``make demo``, the integration tests and
the benchmarks, so that all three run the same server the same way.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import TracebackType

from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError

from core import domain, settings
from stack import binaries
from stack.ports import wait_for_port
from stack.process import Service, ServiceError

# start-dev binds its internal services to ports it picks itself; another process can take one
# between its pick and its bind, and the server then exits at once. Starting again picks anew.
START_ATTEMPTS = 3


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
        for name, kind in domain.SEARCH_ATTRIBUTES.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        for key, value in self.dynamic_config.items():
            cmd += ["--dynamic-config-value", f"{key}={value}"]
        return cmd

    def start(self, timeout: float = 60.0) -> DevServer:
        """Start the server and return once its frontend answers; ServiceError otherwise.

        Blocking, with an event loop of its own: call it from synchronous code."""

        def ready() -> None:
            deadline = time.monotonic() + timeout
            wait_for_port(self.ip, self.port, timeout, alive=lambda: self.running)
            wait_for_port(self.ip, self.metrics_port, timeout, alive=lambda: self.running)
            # The port opens before the frontend serves ("Frontend is not healthy yet") and
            # before start-dev has registered the search attributes.
            asyncio.run(self._frontend_answers(deadline))

        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self.service.start(self.command(), ready)
                return self
            except ServiceError as err:
                if "exited with status" not in str(err) or attempt == START_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def _frontend_answers(self, deadline: float) -> None:
        """Return once the namespace and every claim search attribute are there; TimeoutError
        with the last error otherwise."""
        client: Client | None = None
        rpc_timeout = timedelta(seconds=2)
        while True:
            try:
                client = client or await Client.connect(self.address, namespace=self.namespace)
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=self.namespace), timeout=rpc_timeout
                )
                attrs = await client.operator_service.list_search_attributes(
                    ListSearchAttributesRequest(namespace=self.namespace), timeout=rpc_timeout
                )
                missing = sorted(set(domain.SEARCH_ATTRIBUTES) - set(attrs.custom_attributes))
                if not missing:
                    return
                why = f"search attributes not registered yet: {', '.join(missing)}"
            except (RuntimeError, RPCError) as err:  # connect raises RuntimeError
                why = str(err)
            if not self.running:
                raise TimeoutError("the server exited")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the Temporal frontend at {self.address} is not ready: {why}")
            await asyncio.sleep(0.2)

    def stop(self) -> None:
        self.service.stop()

    def __enter__(self) -> DevServer:
        return self if self.running else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
