"""The whole pack on loopback, as ``dictobs demo`` runs it, with claims flowing (helpers of the
end-to-end tests; a module of its own, as ``conftest`` is not importable by name).

Each test module gets a stack of its own (a module may kill parts of it): the Temporal dev server,
the worker, the exporter, Prometheus with the pack's rules and Alertmanager, on free ports in a
temporary folder, with the Bridge simulator served in this process so that its per-claim side
effects can be read. Intervals are short so that the whole stage runs in a few minutes: Prometheus
scrapes and evaluates every second, the exporter refreshes every few seconds, the claims nobody
decides expire after seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from core import config, settings
from core.temporal_client import data_converter
from stack.claim_flow import ClaimFlow, FlowSettings
from stack.demo_stack import DemoPorts, DemoStack
from stack.ports import free_port
from stack.prometheus import Prometheus
from worker.bridge.simulator import Simulator
from worker.bridge.simulator_thread import SimulatorThread

SCRAPE_INTERVAL = "1s"
REFRESH_SECONDS = 3  # the exporter's refresh interval
EXPORTER_FLAGS = (
    "--refresh.interval", f"{REFRESH_SECONDS}s", "--refresh.deadline", f"{REFRESH_SECONDS}s",
    "--visibility.rate", "20", "--visibility.burst", "10",
)  # fmt: skip
TEMPORAL_DYNAMIC_CONFIG = {
    # Matching reports its backlog gauges this often (default 1m).
    "matching.backlogMetricsEmitInterval": '"2s"',
    # A visibility rate limit a burst of calls can reach, well above the exporter's rate.
    "frontend.namespaceRPS.visibility": "50",
    "frontend.namespaceBurstRatio.visibility": "1",
    # An idle long poll comes back empty after 5s (1m by default): the SDK's empty-poll counters
    # appear within the tests' minutes, as they do within a minute of a quiet production queue.
    "matching.longPollExpirationInterval": '"5s"',
}
FLOW = FlowSettings(rate=1.0, wait_period=10.0, decide_after=1.0, hiccup_every=10.0,
                    hiccup_for=3.0)  # fmt: skip
JOBS = {
    "server": config.DEFAULT.server_job,
    "worker": config.DEFAULT.worker_job,
    "exporter": config.DEFAULT.exporter_job,
}


@dataclass
class Live:
    stack: DemoStack
    sim: Simulator
    flow: ClaimFlow

    @property
    def prometheus(self) -> Prometheus:
        assert self.stack.prometheus is not None
        return self.stack.prometheus

    @property
    def temporal_address(self) -> str:
        return self.stack.env["TEMPORAL_ADDRESS"]

    def metrics_url(self, part: str) -> str:
        """``/metrics`` of ``server``, ``worker`` or ``exporter``."""
        if part == "server":
            assert self.stack.temporal is not None
            return self.stack.temporal.metrics_url
        key = {"worker": "WORKER_METRICS_ADDRESS", "exporter": "EXPORTER_ADDRESS"}[part]
        return f"http://{self.stack.env[key]}/metrics"


def wait_until(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Return once ``check()`` holds; fail naming ``what`` when it never does."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"never happened within {timeout:.0f}s: {what}"
        time.sleep(0.5)


@contextmanager
def running(run_dir: Path) -> Iterator[Live]:
    """The stack in ``run_dir`` on free ports with claims flowing, until the block exits."""
    ports = DemoPorts(**{name: free_port() for name in DemoPorts().as_dict()})
    with SimulatorThread("127.0.0.1:0") as sim:
        stack = DemoStack(
            run_dir,
            ports,
            scrape_interval=SCRAPE_INTERVAL,
            exporter_flags=EXPORTER_FLAGS,
            bridge_address=sim.address,
            temporal_dynamic_config=TEMPORAL_DYNAMIC_CONFIG,
        )
        try:
            stack.start(lambda line: None)
            converter = data_converter(settings.load(stack.env).temporal)
            flow = ClaimFlow(
                stack.env["TEMPORAL_ADDRESS"], sim.address, FLOW, data_converter=converter
            ).start()
            try:
                yield Live(stack, sim, flow)
            finally:
                flow.stop()
        finally:
            stack.stop()
