"""``python -m exporters`` as its own process, the way the demo and a sidecar run it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from exporter_helpers import scrape, value, wait_until

from core.catalog import exporter as cat
from stack.ports import free_port, wait_for_port

pytestmark = pytest.mark.devserver


def test_the_process_serves_from_the_environment_and_stops_cleanly_on_sigterm(dev_server):
    port = free_port()
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": dev_server.address,
        "TEMPORAL_NAMESPACE": dev_server.namespace,
        "EXPORTER_ADDRESS": f"127.0.0.1:{port}",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "exporters", "--refresh.interval", "2s",
         "--refresh.deadline", "2s", "--visibility.rate", "100", "--visibility.burst", "50"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for_port("127.0.0.1", port, timeout=30)
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            return value(scrape(url)[1], cat.EXPORTER_UP.name) == 1

        wait_until(up, what="dict_exporter_up 1")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert f"serving http://127.0.0.1:{port}/metrics for namespace dict" in err
