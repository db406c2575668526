"""The example environment's worker pod run on this machine: the worker and its exporter sidecar
started with the manifest's arguments, environment and mounted files, beside a dev server of
their own and the Bridge simulator."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pods
import pytest

from deploy import checkov
from stack.devserver import DevServer
from stack.ports import free_port, wait_for_port
from stack.process import Service

DICTOBS = str(Path(sys.executable).parent / "dictobs")  # the image's entrypoint


def pytest_collection_finish(session: pytest.Session) -> None:
    """checkov's own virtual environment installed in the background while the other tests run,
    at the lowest CPU priority (Linux keeps one per thread, and pip inherits it): on a new
    machine that takes a minute, which the security scan would otherwise wait out alone. The scan
    waits on the same lock (:func:`deploy.checkov.executable`), and installs itself if this
    failed."""
    if any(item.path.name == "test_security_scan.py" for item in session.items):

        def install() -> None:
            os.nice(19)
            checkov.executable()

        threading.Thread(target=install, name="checkov-install", daemon=True).start()


def no_verify() -> ssl.SSLContext:
    """What the kubelet does for an HTTPS probe: no certificate check."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def http_probe(probe: dict, port: int) -> int:
    get = probe["httpGet"]
    url = f"{get['scheme'].lower()}://127.0.0.1:{port}{get['path']}"
    with urllib.request.urlopen(url, timeout=5, context=no_verify()) as resp:
        return int(resp.status)


def exec_probe(laid: pods.Laid, probe: dict) -> int:
    return subprocess.run(laid.command(probe), timeout=10).returncode


def wait(check, timeout: float = 60.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("not ready in time")
        time.sleep(0.2)


@dataclass
class RunningPod:
    server: DevServer
    bridge: str
    worker: pods.Container
    worker_laid: pods.Laid
    worker_port: int  # where the worker's metrics are served here
    exporter: pods.Container
    exporter_laid: pods.Laid
    exporter_port: int
    services: list[Service]


# The flag that sets where each process listens.
LISTEN = {"worker": "--metrics-address", "exporter": "--web.listen-address"}


def start(
    container: pods.Container, root: Path, server: DevServer, **env: str
) -> tuple[Service, pods.Laid, int]:
    """Run ``container`` here until its readiness probe passes; (service, layout, port)."""
    laid = pods.on_dev_server(pods.lay_out(container, root), server.address, server.namespace)
    laid.env |= env
    port = free_port()
    laid, _ = pods.listen_on(laid, LISTEN[container.spec["args"][0]], port)
    probe = container.spec["readinessProbe"]
    if "exec" in probe:
        ready = lambda: exec_probe(laid, probe) == 0  # noqa: E731
    else:
        ready = lambda: http_probe(probe, port) == 200  # noqa: E731
    service = Service(container.spec["name"], root / "process.log")
    service.start([DICTOBS, *laid.args], lambda: wait(ready), laid.env)
    return service, laid, port


# Per module: the pod and its dev server stop when the module's tests are done, not at the end of
# the whole session, so they do not load the machine under the tests that follow.
@pytest.fixture(scope="module")
def example_pod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPod]:
    root = tmp_path_factory.mktemp("pod")
    server = DevServer(run_dir=root / "temporal", port=free_port(), metrics_port=free_port())
    services: list[Service] = []
    (worker,) = [c for c in pods.of("worker") if c.env_name == "example"]
    (exporter,) = [c for c in pods.of("exporter") if c.env_name == "example"]
    with server:
        try:
            bridge = f"127.0.0.1:{free_port()}"
            w, w_laid, w_port = start(worker, root / "worker", server, BRIDGE_ADDRESS=bridge)
            services.append(w)
            # The Bridge simulator serves mTLS with the worker's mounted Secret: its self-signed
            # pair stands for the Bridge's certificate, the CA and the worker's client
            # certificate at once.
            sim = Service("bridge", root / "bridge.log")
            host, port = bridge.split(":")
            sim.start(
                [DICTOBS, "bridge-sim", "serve", "--listen", bridge,
                 "--tls-cert", w_laid.env["BRIDGE_TLS_CERT"],
                 "--tls-key", w_laid.env["BRIDGE_TLS_KEY"],
                 "--tls-client-ca", w_laid.env["BRIDGE_TLS_CA"]],
                lambda: wait_for_port(host, int(port), alive=lambda: sim.running),
            )  # fmt: skip
            services.append(sim)
            e, e_laid, e_port = start(exporter, root / "exporter", server)
            services.append(e)
            yield RunningPod(
                server, bridge, worker, w_laid, w_port, exporter, e_laid, e_port, services
            )
        finally:
            for service in reversed(services):
                service.stop()
