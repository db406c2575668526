"""The real Prometheus and Alertmanager start on loopback and see the real Temporal server."""

import time

from stack.ports import free_port
from stack.prometheus import Alertmanager, Prometheus, scrape_config


def test_prometheus_scrapes_the_dev_server_and_reaches_alertmanager(dev_server, tmp_path):
    am = Alertmanager(tmp_path / "am", free_port()).start()
    target = f"{dev_server.ip}:{dev_server.metrics_port}"
    prom = Prometheus(
        tmp_path / "prom",
        free_port(),
        scrape_config({"temporal-server": target}, alertmanager=am.address, interval="1s"),
    ).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not prom.targets_up().get("temporal-server"):
            time.sleep(0.5)
        assert prom.targets_up() == {"temporal-server": True}
        assert prom.query('sum(service_requests{service_name="frontend"})')[0][1] > 0
    finally:
        prom.stop()
        am.stop()
    assert not prom.service.running and not am.service.running
