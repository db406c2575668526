"""``dictobs slo status`` against a real Prometheus that scrapes a real endpoint and evaluates
the generated rules: one SLO failing half its requests (pages), one clean (not burning)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Counter, start_http_server

from alerts import generate
from alerts.slo import status
from alerts.slo.spec import load_slos
from dictobs.cli import main
from stack.ports import free_port
from stack.prometheus import Prometheus, scrape_config

pytestmark = pytest.mark.prometheus

SPEC = """\
version: prometheus/v1
service: shop
slos:
  - name: checkout
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(shop_checkout_errors_total[{{ .window }}]))
        total_query: sum(rate(shop_checkout_requests_total[{{ .window }}]))
    alerting:
      name: ShopCheckoutBurn
  - name: browse
    objective: 99
    sli:
      events:
        error_query: sum(rate(shop_browse_errors_total[{{.window}}]))
        total_query: sum(rate(shop_browse_requests_total[{{.window}}]))
    alerting:
      name: ShopBrowseBurn
"""


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """Prometheus URL and the spec file; Prometheus evaluates the spec's rules every second."""
    tmp = tmp_path_factory.mktemp("status")
    spec = tmp / "shop.yaml"
    spec.write_text(SPEC)
    rules = tmp / "rules.yaml"
    rules.write_text(generate.rule_files(load_slos(spec), [spec])[generate.SLO_RULES])

    registry = CollectorRegistry()
    made = {
        name: Counter(f"shop_{name}", name, registry=registry)
        for name in ("checkout_requests", "checkout_errors", "browse_requests", "browse_errors")
    }
    made["browse_errors"].inc(0)  # exists, never moves
    stop = threading.Event()

    def traffic() -> None:
        while not stop.wait(0.2):
            made["checkout_requests"].inc(10)
            made["checkout_errors"].inc(5)
            made["browse_requests"].inc(10)

    port = free_port()
    server, server_thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    feeder = threading.Thread(target=traffic, daemon=True)
    feeder.start()
    prom = Prometheus(
        tmp / "prom",
        free_port(),
        scrape_config({"shop": f"127.0.0.1:{port}"}, rule_files=[rules], interval="1s"),
    ).start()
    try:
        yield prom.url, spec
    finally:
        prom.stop()
        stop.set()
        feeder.join()
        server.shutdown()
        server_thread.join()


def _settled(url: str, spec: Path) -> list[status.Status]:
    """Status once the failing SLO's page fires and every SLO has its period recorded (rule
    groups evaluate every second, each on its own schedule)."""
    slos = load_slos(spec)
    deadline = time.monotonic() + 60
    while True:
        try:
            found = [status.status(url, slo) for slo in slos]
            recorded = all(s.budget_remaining_percent is not None for s in found)
            if recorded and any(a["state"] == "firing" for a in found[0].alerts):
                return found
        except status.StatusError:
            pass  # rules not evaluated yet
        assert time.monotonic() < deadline, "the page never fired"
        time.sleep(1)


def test_status_reads_budget_burn_rates_and_alerts_from_prometheus(shop):
    url, spec = shop
    checkout, browse = _settled(url, spec)

    assert (checkout.id, checkout.objective_percent, checkout.period) == (
        "shop-checkout",
        99.9,
        "30d",
    )
    assert checkout.sli_percent == pytest.approx(50, abs=5)
    assert checkout.budget_remaining_percent is not None
    assert checkout.budget_remaining_percent < 0  # 50% errors on a 0.1% budget
    assert checkout.budget_spent_in_seconds == 0
    assert checkout.current_burn_rate == pytest.approx(500, rel=0.1)
    page_fast = checkout.windows[0]
    assert (page_fast.severity, page_fast.long, page_fast.short) == ("page", "1h", "5m")
    assert page_fast.threshold == pytest.approx(14.4) and page_fast.over
    assert {"alertname": "ShopCheckoutBurn", "severity": "page", "state": "firing"} in (
        checkout.alerts
    )

    assert browse.sli_percent == 100
    assert browse.budget_remaining_percent == 100
    assert browse.current_burn_rate == 0 and browse.budget_spent_in_seconds is None
    assert not any(w.over for w in browse.windows)
    # SLOMetricsAbsent may still be pending from before the first evaluation on a busy machine.
    assert [a for a in browse.alerts if a["alertname"] != "SLOMetricsAbsent"] == []


def test_the_command_prints_a_table_and_json(shop, capsys):
    url, spec = shop
    _settled(url, spec)
    assert main(["slo", "status", "--prometheus", url, "--slo", str(spec)]) == 0
    table = capsys.readouterr().out
    assert "shop-checkout  objective 99.9% over 30d" in table
    assert "ShopCheckoutBurn (page) firing" in table
    assert "not burning" in table  # browse

    assert main(["slo", "status", "--prometheus", url, "--slo", str(spec), "--output", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in doc] == ["shop-checkout", "shop-browse"]
    assert doc[0]["windows"][0]["over"] is True
    assert doc[1]["budget_spent_in_seconds"] is None


def test_unreachable_prometheus_and_rules_not_loaded_are_named(shop, tmp_path, capsys):
    url, spec = shop
    closed = f"http://127.0.0.1:{free_port()}"
    assert main(["slo", "status", "--prometheus", closed, "--slo", str(spec)]) == 2
    assert f"cannot reach Prometheus at {closed}" in capsys.readouterr().err

    other = tmp_path / "other.yaml"
    other.write_text(SPEC.replace("service: shop", "service: warehouse"))
    assert main(["slo", "status", "--prometheus", url, "--slo", str(other)]) == 2
    err = capsys.readouterr().err
    assert "SLO warehouse-checkout: Prometheus at" in err and "rules are not loaded" in err
