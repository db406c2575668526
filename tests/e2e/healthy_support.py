"""A healthy stack kept running in the background for the whole test session, so that the
quiet check can look back over ten minutes of it without the session waiting ten minutes more.

It is the living demo as a user starts it (the shipped rules and ``for:`` durations, the demo's
scrape interval, the Bridge simulator, the demo's claim stream with its Bridge hiccups), on free
ports in a folder of its own. :mod:`conftest` starts it once collection is done, when the quiet
test is selected, and stops it at the end of the session.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from core import settings
from core.temporal_client import data_converter
from stack.claim_flow import ClaimFlow, FlowSettings
from stack.demo import DEFAULT_RATE
from stack.demo_stack import DemoPorts, DemoStack
from stack.ports import free_port

QUIET_TEST = "test_quiet_when_healthy.py"
WARM_UP = 60.0  # seconds: the first scrapes, the first claims resolved, the rules' first looks
QUIET_FOR = 600.0  # seconds of healthy traffic in which nothing but the Watchdog may be raised


class Healthy:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.stack: DemoStack | None = None
        self.flow: ClaimFlow | None = None
        self.started_at: float | None = None  # time.monotonic() once the claims flow
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._stopping = threading.Event()

    def start(self) -> Healthy:
        threading.Thread(target=self._start, name="healthy-stack", daemon=True).start()
        return self

    def _start(self) -> None:
        try:
            ports = DemoPorts(**{name: free_port() for name in DemoPorts().as_dict()})
            self.stack = DemoStack(self.run_dir, ports)
            self.stack.start(lambda line: None)
            env = self.stack.env
            if not self._stopping.is_set():
                self.flow = ClaimFlow(
                    env["TEMPORAL_ADDRESS"],
                    env["BRIDGE_ADDRESS"],
                    FlowSettings(rate=DEFAULT_RATE),
                    data_converter=data_converter(settings.load(env).temporal),
                ).start()
                self.started_at = time.monotonic()
        except BaseException as err:  # reported by the test that needs it
            self.error = err
        finally:
            self._ready.set()

    def ready(self, timeout: float = 300.0) -> None:
        """Once the claims flow; the error the start met otherwise."""
        assert self._ready.wait(timeout), f"the healthy stack did not start within {timeout:.0f}s"
        if self.error is not None:
            raise AssertionError(f"the healthy stack did not start: {self.error!r}")

    def stop(self) -> None:
        self._stopping.set()
        self._ready.wait(300)
        if self.flow is not None:
            self.flow.stop()
        if self.stack is not None:
            self.stack.stop()
