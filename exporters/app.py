"""The exporter as one object: connect, refresh in the background, serve ``/metrics``.

Start it in-process (tests, a Python host) or through ``dictobs exporter`` (a process of its own,
as the demo and a sidecar run it)::

    exporter = Exporter(config).start()   # raises StartupError when Temporal is unreachable
    print(exporter.url)                    # http://127.0.0.1:9465
    exporter.stop()

The refresh runs in its own thread with its own asyncio loop; the HTTP server in another. They
share one immutable :class:`~exporters.refresher.State`, replaced whole after each refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import timedelta
from types import TracebackType
from typing import Any

from prometheus_client import CollectorRegistry
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from core import addresses
from core.errors import first_line
from core.temporal_client import connect
from exporters import snapshot, webconfig
from exporters.budget import CallStats, TokenBucket
from exporters.collector.age import ClaimAgeCollector
from exporters.collector.claims import ClaimsCollector
from exporters.collector.deadlines import DeadlineCollector
from exporters.collector.exporter import ExporterCollector
from exporters.collector.task_queues import TaskQueueCollector
from exporters.config import ConfigError, ExporterConfig
from exporters.http import MetricsServer, landing_page
from exporters.refresher import Refresher, State
from exporters.temporal_api import ClientApi, TemporalApi
from toolkit import durations

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = timedelta(seconds=15)
# Tests wrap the API (to slow it down, say); production passes nothing.
WrapApi = Callable[[TemporalApi], TemporalApi]


class StartupError(RuntimeError):
    """The exporter cannot start; the message names the setting to fix."""


def build_registry(
    state: Callable[[], State],
    calls: CallStats,
    config: ExporterConfig,
    serving_cert_expiry: Callable[[], float | None] = lambda: None,
) -> Any:
    """A registry holding the exporter's collectors (its own, never the global default)."""
    namespace = config.temporal.namespace
    registry = CollectorRegistry(auto_describe=False)
    for collector in (
        ClaimsCollector(state, namespace),
        ClaimAgeCollector(state, namespace),
        DeadlineCollector(state, config),
        TaskQueueCollector(state, namespace),
        ExporterCollector(state, calls, serving_cert_expiry),
    ):
        registry.register(collector)
    return registry


class Exporter:
    def __init__(self, config: ExporterConfig, wrap_api: WrapApi | None = None) -> None:
        self.config = config
        self.wrap_api = wrap_api
        self.calls = CallStats()
        self.web = webconfig.load(
            config.web_config_file, config.origins.get("web.config_file", "--web.config.file")
        )
        self.refresher: Refresher | None = None
        self.server: MetricsServer | None = None
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(
            target=self._loop.run_forever, name="exporter-refresh", daemon=True
        )
        self._task: Future[None] | None = None
        self._stopped = threading.Event()

    @property
    def state(self) -> State:
        return self.refresher.state if self.refresher else State()

    @property
    def url(self) -> str:
        if self.server is None:
            raise RuntimeError("the exporter is not started")
        return self.server.url

    def start(self) -> Exporter:
        """Connect to Temporal, then listen; raises StartupError before serving on any problem."""
        needed = snapshot.budget_seconds(self.config)
        if needed > self.config.deadline.total_seconds():
            log.warning(
                "refresh.deadline=%s may be too short: up to %d calls at visibility.rate=%g can "
                "take %.1fs; raise the deadline (and interval) or the rate, or count fewer things",
                durations.format(self.config.deadline, weeks=False),
                sum(snapshot.planned_calls(self.config).values()),
                self.config.visibility_rate,
                needed,
            )
        self._loop_thread.start()
        try:
            client = self._run(self._connect(), CONNECT_TIMEOUT.total_seconds() + 5)
            api: TemporalApi = ClientApi(
                client,
                TokenBucket(self.config.visibility_rate, self.config.visibility_burst),
                self.calls,
                self.config.rpc_timeout,
            )
            if self.wrap_api is not None:
                api = self.wrap_api(api)
            self.refresher = Refresher(self._taker(api), self.config.interval, self.config.deadline)
            self.server = self._listen()
        except BaseException:
            self._stop_loop()
            raise
        self._task = asyncio.run_coroutine_threadsafe(self.refresher.run_forever(), self._loop)
        self.server.start_in_thread()
        return self

    def _taker(self, api: TemporalApi) -> Any:
        async def take(now: Any) -> snapshot.Snapshot:
            previous = self.refresher.state.snapshot if self.refresher else None
            return await snapshot.take(api, self.config, now, previous)

        return take

    async def _connect(self) -> Client:
        settings = self.config.temporal
        origin = self.config.origins.get("temporal.address", "--temporal.address")
        give_up = time.monotonic() + CONNECT_TIMEOUT.total_seconds()
        while True:
            try:
                client = await asyncio.wait_for(
                    connect(settings), max(0.1, give_up - time.monotonic())
                )
                break
            except TimeoutError:
                raise StartupError(
                    f"{origin}={settings.address}: no answer from Temporal within "
                    f"{CONNECT_TIMEOUT.seconds}s; check the address and TLS settings"
                ) from None
            except Exception as err:
                first = first_line(err)
                # A frontend that answers "not healthy yet" is starting: wait for it. Anything
                # else (refused, TLS, auth) is a setting to fix, reported at once.
                starting = "Unavailable" in first and "after connection" in first
                if starting and time.monotonic() < give_up:
                    await asyncio.sleep(0.5)
                    continue
                raise StartupError(
                    f"{origin}={settings.address}: cannot connect to Temporal ({first}); check "
                    "the address, TLS and API key settings"
                ) from None
        # The namespace check may also meet a frontend that is still warming up.
        while True:
            try:
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=settings.namespace),
                    retry=False,
                    timeout=CONNECT_TIMEOUT,
                )
                break
            except RPCError as err:
                if err.status == RPCStatusCode.UNAVAILABLE and time.monotonic() < give_up:
                    await asyncio.sleep(0.5)
                    continue
                where = self.config.origins.get("temporal.namespace", "--temporal.namespace")
                raise StartupError(
                    f"{where}={settings.namespace}: Temporal at {settings.address} does not "
                    f"serve it ({err.message}); name an existing namespace"
                ) from None
        return client

    def _listen(self) -> MetricsServer:
        address = self.config.listen_address
        host, port = addresses.parse(address, any_host=True, any_port=True)
        origin = self.config.origins.get("web.listen_address", "--web.listen-address")
        registry = build_registry(
            lambda: self.state, self.calls, self.config, lambda: self.web.cert_not_after
        )
        page = landing_page(
            self.config.temporal.namespace, durations.format(self.config.interval, weeks=False)
        )
        try:
            return MetricsServer((host, port), registry, self.web, page)
        except OSError as err:
            raise StartupError(
                f"{origin}={address}: cannot listen there ({err.strerror})"
            ) from None

    def _run(self, coro: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        self._task = None
        self._stop_loop()
        self._stopped.set()

    def _stop_loop(self) -> None:
        if not self._loop_thread.is_alive():
            return
        # Cancel and await the refresh (and any call in flight) inside the loop, so nothing is
        # left pending when the loop closes.
        with contextlib.suppress(Exception):
            self._run(_cancel_all(), 10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop_thread.join(10)
        self._loop.close()

    def wait(self) -> None:
        """Block until :meth:`stop` (from another thread) or an interrupt."""
        while not self._stopped.wait(1.0):
            pass

    def __enter__(self) -> Exporter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def _cancel_all() -> None:
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


__all__ = ["ConfigError", "Exporter", "StartupError", "build_registry"]
