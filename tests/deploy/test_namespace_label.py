"""The Temporal namespace label through the Prometheus Operator, on the real Prometheus.

The worker, its exporter sidecar and the dev server run from the example manifests (conftest),
with claims flowing. Three Prometheus servers scrape them at once, with the same rules:

- ``static``: plain static configs, as every other test and the demo scrape;
- ``operator``: what the Operator generates for our ServiceMonitors without the pack's metric
  relabelings (target labels namespace, service, pod; honor_labels false): the scraped
  ``namespace`` becomes ``exported_namespace`` and ``namespace`` holds the Kubernetes namespace;
- ``shipped``: what it generates for the ServiceMonitors the pack ships.

Each panel and variable query of the generated dashboards is run on all three.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import operator_scrape
import pods
import pytest
from conftest import DICTOBS, RunningPod

from dashboards import lint
from deploy import render
from deploy.knobs import pack_knobs
from stack.ports import free_port
from stack.prometheus import Prometheus

pytestmark = [pytest.mark.deploy, pytest.mark.devserver]
K8S_NAMESPACE = "dict-observability"


def _monitors() -> dict[str, dict[str, Any]]:
    objs = render.load_manifests("example")
    return {o["metadata"]["name"]: o for o in objs if o["kind"] == "ServiceMonitor"}


def _targets(pod: RunningPod) -> dict[str, operator_scrape.Target]:
    """ServiceMonitor name → the target it finds (the Temporal server as its Helm chart names
    the frontend's headless Service)."""
    server = pod.server
    return {
        "dict-worker": operator_scrape.Target(
            f"127.0.0.1:{pod.worker_port}", K8S_NAMESPACE, "dict-worker", "dict-worker-0", "worker"
        ),
        "dict-exporter": operator_scrape.Target(
            f"127.0.0.1:{pod.exporter_port}",
            K8S_NAMESPACE,
            "dict-worker",
            "dict-worker-0",
            "exporter",
        ),
        "temporal-server": operator_scrape.Target(
            f"{server.ip}:{server.metrics_port}",
            "temporal",
            "temporal-frontend-headless",
            "temporal-frontend-0",
            "temporal-frontend",
        ),
    }


def _config(pod: RunningPod, variant: str) -> dict[str, Any]:
    knobs = pack_knobs()
    rule_files = [str(p) for p in sorted(knobs.rules_dir.glob("*.yaml"))]
    base = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"}}
    # The exporter's certificate is self-signed: it is its own CA (the Secret's ca.crt).
    (ca,) = [
        pod.exporter_laid.files[path]
        for path, (_, key) in pod.exporter.mounted_files().items()
        if path.startswith("/etc/dictobs/exporter-web/") and key == "tls.crt"
    ]
    targets = _targets(pod)
    if variant == "static":
        jobs = {"dict-worker": knobs.worker_job, "dict-exporter": knobs.exporter_job}
        jobs["temporal-server"] = knobs.server_job
        scrape = []
        for name, target in targets.items():
            job: dict[str, Any] = {
                "job_name": jobs[name],
                "static_configs": [{"targets": [target.address]}],
            }
            if name == "dict-exporter":
                job["scheme"] = "https"
                job["tls_config"] = {"ca_file": str(ca), "server_name": pods.SERVICE_NAMES[0]}
            scrape.append(job)
        return base | {"scrape_configs": scrape, "rule_files": rule_files}
    scrape = []
    for name, monitor in _monitors().items():
        monitor = copy.deepcopy(monitor)
        if variant == "operator":
            for endpoint in monitor["spec"]["endpoints"]:
                endpoint.pop("metricRelabelings", None)
        scrape.append(
            operator_scrape.scrape_config(monitor, 0, targets[name], lambda secret, key: str(ca))
        )
    return base | {"scrape_configs": scrape, "rule_files": rule_files}


def _start_claims(pod: RunningPod, count: int) -> None:
    """Claims through the worker: started, then confirmed (a few SDK and claim metrics). The
    commands encrypt and decrypt with the worker's payload key, as an operator's would."""
    env = {
        "TEMPORAL_ADDRESS": pod.server.address,
        "TEMPORAL_NAMESPACE": pod.server.namespace,
        "TEMPORAL_CODEC_KEY_FILE": pod.worker_laid.env["TEMPORAL_CODEC_KEY_FILE"],
    }
    ids = [str(uuid.uuid4()) for _ in range(count)]
    for claim in ids:
        subprocess.run(
            [DICTOBS, "claim", "start", "--claim-id", claim, "--key-file", "-",
             "--claimer-ispb", "12345678", "--owner-ispb", "87654321"],
            check=True, capture_output=True, timeout=60, env=_env(env),
            input=str(uuid.uuid4()).encode(),
        )  # fmt: skip
    deadline = time.monotonic() + 60
    for claim in ids:
        while True:
            proc = subprocess.run(
                [DICTOBS, "claim", "decide", "--claim-id", claim, "--confirm"],
                capture_output=True, timeout=60, env=_env(env),
            )  # fmt: skip
            if proc.returncode == 0:
                break
            if time.monotonic() > deadline:  # the claim never waited for a decision
                raise AssertionError(f"claim decide {claim}: {proc.stderr.decode()}")
            time.sleep(0.5)


def _env(extra: dict[str, str]) -> dict[str, str]:
    import os

    return {**os.environ, **extra}


@pytest.fixture(scope="module")
def scraped(example_pod: RunningPod, tmp_path_factory) -> Iterator[dict[str, Prometheus]]:
    servers: dict[str, Prometheus] = {}
    try:
        for variant in ("static", "operator", "shipped"):
            run_dir = tmp_path_factory.mktemp(f"prom-{variant}")
            config = _config(example_pod, variant)
            servers[variant] = Prometheus(run_dir, free_port(), config).start()
        # Every server scrapes every target before the claims run: a ratio panel has data only
        # while its rate window holds the claims' activity, and each server must see it.
        _wait_for(servers, (), "every target up on every server")
        _start_claims(example_pod, 3)
        _wait_for(servers, WANTED, "the claims' series on every server")
        time.sleep(3)  # a few more samples, so that rates over them exist
        yield servers
    finally:
        for server in servers.values():
            server.stop()


WANTED = (
    "dict_exporter_up == 1",
    "temporal_workflow_completed_total",
    "slo:sli_error:ratio_rate5m",
)


def _wait_for(
    servers: dict[str, Prometheus], wanted: tuple[str, ...], what: str, timeout: float = 90.0
) -> None:
    """Until all three targets are up and every query of ``wanted`` has data on every server."""
    deadline = time.monotonic() + timeout
    while True:
        if all(
            len(p.query("up == 1")) == 3 and all(p.query(q) for q in wanted)
            for p in servers.values()
        ):
            return
        if time.monotonic() > deadline:
            state = {
                v: {q: len(p.query(q)) for q in ("up == 1", *wanted)} for v, p in servers.items()
            }
            raise TimeoutError(f"{what}: not in {timeout:.0f}s: {state}")
        time.sleep(1)


def _queries() -> list[tuple[str, str]]:
    """(where, PromQL with the default variable values) of every generated dashboard."""
    out = []
    for path in sorted(pack_knobs().dashboards_dir.glob("*.json")):
        for where, expr in lint.queries(json.loads(path.read_text())):
            out.append((where, lint.substitute(expr)))
    return out


def _has_data(prom: Prometheus, expr: str) -> bool:
    return bool(prom.query(expr))


def _selects_the_namespace(expr: str) -> bool:
    """Selects namespace="dict" with no constant to fall back on (``or vector(0)`` shows 0)."""
    return re.search(r'\bnamespace\s*=~?\s*"dict"', expr) is not None and "vector(" not in expr


@pytest.fixture(scope="module")
def results(scraped: dict[str, Prometheus]) -> dict[str, dict[str, bool]]:
    """Which queries return data on each server. The three scrape on their own clocks, so a rate
    over a series that just appeared (or one that went quiet) has its samples on one server a
    moment before another: compare again for a while, and count a query as showing data on a
    server if it did at any of the looks."""
    deadline = time.monotonic() + 120  # a loaded machine answers 3 x 160 queries slowly
    out: dict[str, dict[str, bool]] = {variant: {} for variant in scraped}
    while True:
        for variant, prom in scraped.items():
            for where, expr in _queries():
                out[variant][where] = out[variant].get(where, False) or _has_data(prom, expr)
        behind = [w for w, ok in out["static"].items() if ok and not out["shipped"][w]]
        if not behind or time.monotonic() > deadline:
            return out
        time.sleep(2)


def _namespace_values(prom: Prometheus) -> set[str]:
    expr = next(e for where, e in _queries() if "variable 'namespace'" in where)
    return {labels.get("namespace", "") for labels, _ in prom.query(expr)}


def test_with_the_operator_defaults_the_namespace_queries_go_empty(scraped, results):
    with_data = {w for w, ok in results["static"].items() if ok}
    by_namespace = {w for w, e in _queries() if _selects_the_namespace(e) and w in with_data}
    assert len(by_namespace) >= 20, by_namespace
    still = sorted(w for w in by_namespace if results["operator"][w])
    assert still == [], "queries selecting namespace=dict that still show data: " + str(still)
    assert "dict" not in _namespace_values(scraped["operator"])
    assert K8S_NAMESPACE in _namespace_values(scraped["operator"])
    moved = scraped["operator"].query('count by (exported_namespace) ({exported_namespace="dict"})')
    assert moved, "the scraped namespace should have gone to exported_namespace"


def test_with_the_shipped_monitors_every_query_shows_what_a_static_scrape_shows(scraped, results):
    with_data = sorted(w for w, ok in results["static"].items() if ok)
    assert len(with_data) >= 40
    missing = [w for w in with_data if not results["shipped"][w]]
    assert missing == [], "empty through the shipped ServiceMonitors:\n" + "\n".join(missing)
    assert "dict" in _namespace_values(scraped["shipped"])
    assert not scraped["shipped"].query("{exported_namespace!=''}")


def test_shipped_monitors_set_the_pack_job_names(scraped):
    knobs = pack_knobs()
    jobs = {labels["job"] for labels, _ in scraped["shipped"].query("up")}
    assert jobs == {knobs.worker_job, knobs.exporter_job, knobs.server_job}


def test_each_monitor_endpoint_names_a_port_of_the_service_it_selects():
    objs = render.load_manifests("example")
    services = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Service"}
    for name, monitor in _monitors().items():
        if "namespaceSelector" in monitor["spec"]:
            continue  # the Temporal server's Services are not ours
        selector = monitor["spec"]["selector"]["matchLabels"]
        (service,) = [
            s for s in services.values() if selector.items() <= s["metadata"]["labels"].items()
        ]
        ports = {p["name"] for p in service["spec"]["ports"]}
        assert {e["port"] for e in monitor["spec"]["endpoints"]} <= ports, name
