"""What each container of the manifests runs is accepted by the real dictobs parsers, reads every
file the pod mounts (and no file it does not mount), and serves the probes the pod declares."""

from __future__ import annotations

import argparse
import signal
import socket
import uuid
from pathlib import Path

import pods
import pytest
import yaml
from conftest import RunningPod, exec_probe, http_probe, start

from core import settings
from core.settings import BridgeTLS
from dictobs.cli import build_parser
from exporters import cli as exporter_cli
from exporters import webconfig
from worker.bridge import admin

pytestmark = pytest.mark.deploy
WORKERS = pods.of("worker")
EXPORTERS = pods.of("exporter")


def test_every_container_runs_a_known_process():
    assert sorted(c.id for c in WORKERS + EXPORTERS) == sorted(c.id for c in pods.containers())
    assert WORKERS and len(EXPORTERS) == 2


def _web_files(config_file: Path) -> set[Path]:
    """The files a web config names (relative to it, as the exporter resolves them)."""
    tls = yaml.safe_load(config_file.read_text()).get("tls_server_config") or {}
    return {
        config_file.parent / tls[k] for k in ("cert_file", "key_file", "client_ca_file") if k in tls
    }


def _mounted(container: pods.Container, laid: pods.Laid, key: str) -> Path:
    (path,) = [p for p, (_, k) in container.mounted_files().items() if k == key]
    return laid.local(path)


@pytest.mark.parametrize("container", EXPORTERS, ids=lambda c: c.id)
def test_exporter_command_is_accepted_and_reads_every_mounted_file(container, tmp_path):
    laid = pods.lay_out(container, tmp_path)
    parser = argparse.ArgumentParser(prog="dictobs")
    exporter_cli.register(parser.add_subparsers(dest="command", required=True))
    config = exporter_cli.config_from_args(parser.parse_args(laid.args), laid.env)
    read = {
        p for p in (config.temporal.tls_ca, config.temporal.tls_cert, config.temporal.tls_key) if p
    }
    if config.web_config_file is not None:
        assert webconfig.load(config.web_config_file).ssl_context is not None
        read |= {config.web_config_file, *_web_files(config.web_config_file)}
    if config.temporal.api_key is not None:
        assert config.temporal.api_key == "test-api-key"  # only the mounted file holds it
        read.add(_mounted(container, laid, "api-key"))
    assert read == set(laid.files.values())
    assert config.temporal.address == container.env["TEMPORAL_ADDRESS"]
    assert config.listen_address.endswith(f":{container.port('exporter')}")


@pytest.mark.parametrize("container", WORKERS, ids=lambda c: c.id)
def test_worker_command_is_accepted_and_reads_every_mounted_file(container, tmp_path):
    laid = pods.lay_out(container, tmp_path)
    args = build_parser().parse_args(laid.args)
    assert args.command == "worker"
    conf = settings.load(laid.env)  # what dictobs worker reads from its environment
    read = {p for p in (conf.temporal.tls_ca, conf.temporal.tls_cert, conf.temporal.tls_key) if p}
    read |= {p for p in (conf.bridge_tls.ca, conf.bridge_tls.cert, conf.bridge_tls.key) if p}
    if conf.temporal.api_key is not None:
        assert conf.temporal.api_key == "test-api-key"
        read.add(_mounted(container, laid, "api-key"))
    if conf.temporal.codec_key_file is not None:  # read (and checked) by settings.load
        assert conf.temporal.codec_key_file == _mounted(container, laid, "codec-keys")
        read.add(conf.temporal.codec_key_file)
    assert read == set(laid.files.values())
    # The ready file lies on a writable emptyDir, and the readiness probe tests that very file.
    writable = [laid.local(p) for p in container.empty_dirs()]
    assert args.ready_file.parent in writable
    assert laid.command(container.spec["readinessProbe"])[-1] == str(args.ready_file)
    assert args.metrics_address.endswith(f":{container.port('metrics')}")


def test_nothing_secret_is_in_an_argument_or_the_environment():
    for container in pods.containers():
        text = " ".join(container.spec["args"]) + " " + " ".join(container.env.values())
        for name in container.env:
            assert name not in ("TEMPORAL_API_KEY", "GRAFANA_TOKEN", "GRAFANA_PASSWORD"), name
        assert all(e.get("valueFrom") is None for e in container.spec.get("env", []))
        assert "BEGIN" not in text and "test-api-key" not in text


def test_exporter_sidecar_serves_its_probes(example_pod: RunningPod):
    container, port = example_pod.exporter, example_pod.exporter_port
    for probe in ("readinessProbe", "livenessProbe"):
        assert container.spec[probe]["httpGet"]["scheme"] == "HTTPS"
        assert http_probe(container.spec[probe], port) == 200


def test_worker_serves_its_probes(example_pod: RunningPod):
    container = example_pod.worker
    assert exec_probe(example_pod.worker_laid, container.spec["readinessProbe"]) == 0
    assert container.spec["livenessProbe"]["tcpSocket"]["port"] == "metrics"
    with socket.create_connection(("127.0.0.1", example_pod.worker_port), timeout=5):
        pass


def test_standalone_exporter_serves_its_probes(example_pod: RunningPod, tmp_path):
    (container,) = [c for c in EXPORTERS if c.env_name == "standalone"]
    service, _, port = start(container, tmp_path, example_pod.server)
    try:
        for probe in ("readinessProbe", "livenessProbe"):
            assert http_probe(container.spec[probe], port) == 200
    finally:
        service.stop()


def test_the_workers_bridge_settings_reach_an_mtls_bridge(example_pod: RunningPod):
    """The mounted Secret and the BRIDGE_TLS_* paths are enough for mTLS: the simulator, which
    requires a client certificate, answers a client built from the worker's environment."""
    tls = settings.load(example_pod.worker_laid.env).bridge_tls
    assert tls.cert is not None and not tls.plaintext
    assert admin.get_stats(example_pod.bridge, timeout=10, tls=tls).claims == 0
    with pytest.raises(admin.SimulatorAdminError, match="set BRIDGE_TLS_CERT and BRIDGE_TLS_KEY"):
        admin.get_stats(example_pod.bridge, timeout=10, tls=BridgeTLS(ca=tls.ca))


def test_worker_is_unready_once_it_stops(example_pod: RunningPod, tmp_path):
    queue = f"ready-{uuid.uuid4().hex[:8]}"
    service, laid, _ = start(
        example_pod.worker,
        tmp_path,
        example_pod.server,
        BRIDGE_ADDRESS=example_pod.bridge,
        TEMPORAL_TASK_QUEUE=queue,
    )
    probe = example_pod.worker.spec["readinessProbe"]
    assert exec_probe(laid, probe) == 0
    assert service.process is not None
    service.process.send_signal(signal.SIGTERM)
    assert service.process.wait(timeout=30) == 0
    assert exec_probe(laid, probe) != 0
    service.stop()


def test_a_probe_on_a_path_the_exporter_does_not_serve_fails(example_pod: RunningPod):
    probe = {"httpGet": {"path": "/ready", "scheme": "HTTPS", "port": "exporter"}}
    with pytest.raises(OSError, match="404"):
        http_probe(probe, example_pod.exporter_port)
