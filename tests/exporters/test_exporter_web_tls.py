"""The web config's TLS versions, cipher suites and response headers, and a certificate renewed
on disk while the exporter serves, with certificates made in the test."""

from __future__ import annotations

import http.client as httpc
import logging
import shutil
import socket
import ssl
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import bcrypt
import pytest
from certificates import CertificateAuthority, Issued
from cryptography import x509
from exporter_helpers import wait_until
from prometheus_client import CollectorRegistry

from core.catalog import exporter as cat
from exporters import cli, webconfig
from exporters import http as endpoint
from exporters.budget import CallStats
from exporters.collector.exporter import ExporterCollector
from exporters.refresher import State


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority.create(tmp_path, "test-ca")


def serve_as(issued: Issued, folder: Path) -> None:
    """Put ``issued`` where the web config points, as a renewal would."""
    for source, name in ((issued.cert, "tls.crt"), (issued.key, "tls.key")):
        shutil.copyfile(source, folder / f"{name}.new")
        (folder / f"{name}.new").replace(folder / name)


def web_file(folder: Path, extra: str = "") -> Path:
    path = folder / "web.yaml"
    path.write_text(f"tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\n{extra}")
    return path


@pytest.fixture
def start(ca: CertificateAuthority, tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    servers: list[endpoint.MetricsServer] = []

    def started(extra: str = "") -> endpoint.MetricsServer:
        if not (tmp_path / "tls.crt").exists():
            serve_as(ca.issue("exporter"), tmp_path)
        web = webconfig.load(web_file(tmp_path, extra))
        registry = CollectorRegistry()
        registry.register(
            ExporterCollector(lambda: State(), CallStats(), lambda: web.cert_not_after)
        )
        srv = endpoint.MetricsServer(("127.0.0.1", 0), registry, web, "landing")
        srv.start_in_thread()
        servers.append(srv)
        return srv

    yield started
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def client(ca: CertificateAuthority, **versions: ssl.TLSVersion) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca.path))
    for attribute, version in versions.items():
        setattr(context, attribute, version)
    return context


def handshake(srv: endpoint.MetricsServer, context: ssl.SSLContext) -> ssl.SSLSocket:
    raw = socket.create_connection(srv.server_address[:2], timeout=10)  # type: ignore[arg-type]
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def served_certificate(srv: endpoint.MetricsServer, ca: CertificateAuthority) -> x509.Certificate:
    with handshake(srv, client(ca)) as sock:
        der = sock.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def get(srv: endpoint.MetricsServer, ca: CertificateAuthority, path: str) -> httpc.HTTPResponse:
    conn = httpc.HTTPSConnection(*srv.server_address[:2], timeout=10, context=client(ca))  # type: ignore[misc]
    conn.request("GET", path)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def expiry_served(srv: endpoint.MetricsServer, ca: CertificateAuthority) -> float:
    text = get(srv, ca, "/metrics").body.decode()  # type: ignore[attr-defined]
    name = cat.EXPORTER_SERVING_CERT_EXPIRY.name
    (line,) = [x for x in text.splitlines() if x.startswith(name + " ")]
    return float(line.split()[1])


def test_a_tls12_client_is_refused_when_min_version_is_tls13(start, ca) -> None:  # type: ignore[no-untyped-def]
    srv = start("  min_version: TLS13\n")
    with pytest.raises(ssl.SSLError):
        handshake(srv, client(ca, maximum_version=ssl.TLSVersion.TLSv1_2)).close()
    with handshake(srv, client(ca)) as sock:
        assert sock.version() == "TLSv1.3"


def test_max_version_and_cipher_suites_choose_what_is_negotiated(start, ca) -> None:  # type: ignore[no-untyped-def]
    srv = start(
        "  max_version: TLS12\n"
        "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"
    )  # fmt: skip
    with handshake(srv, client(ca)) as sock:
        assert sock.version() == "TLSv1.2"
        assert sock.cipher()[0] == "ECDHE-ECDSA-AES256-GCM-SHA384"  # type: ignore[index]
    other = client(ca)
    other.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    with pytest.raises(ssl.SSLError):
        handshake(srv, other).close()


def test_the_configured_headers_are_on_every_response(start, ca) -> None:  # type: ignore[no-untyped-def]
    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
    srv = start(
        "http_server_config:\n"
        "  headers:\n"
        "    Strict-Transport-Security: max-age=31536000; includeSubDomains\n"
        "    X-Content-Type-Options: nosniff\n"
        "    X-Frame-Options: deny\n"
        "    Content-Security-Policy: default-src 'none'\n"
        f"basic_auth_users:\n  prometheus: '{hashed}'\n"
    )  # fmt: skip
    for path, status in (("/healthz", 200), ("/metrics", 401)):
        response = get(srv, ca, path)
        assert response.status == status
        assert response.getheader("Strict-Transport-Security") == (
            "max-age=31536000; includeSubDomains"
        )
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        assert response.getheader("X-Frame-Options") == "deny"
        assert response.getheader("Content-Security-Policy") == "default-src 'none'"
        assert response.getheader("X-XSS-Protection") is None  # not configured, not sent


def test_a_certificate_renewed_on_disk_is_served_without_a_restart(  # type: ignore[no-untyped-def]
    start, ca, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = ca.issue("exporter", expires_in=timedelta(days=30))
    serve_as(first, tmp_path)
    srv = start()
    assert served_certificate(srv, ca).not_valid_after_utc == first.not_after
    assert expiry_served(srv, ca) == first.not_after.timestamp()

    renewed = ca.issue("exporter-renewed", expires_in=timedelta(days=90))
    serve_as(renewed, tmp_path)
    wait_until(
        lambda: served_certificate(srv, ca).not_valid_after_utc == renewed.not_after,
        what="the renewed certificate on a new connection",
    )
    assert expiry_served(srv, ca) == renewed.not_after.timestamp()

    # A broken pair (the key of another certificate) keeps the renewed one serving, and says so
    # once, without any key material.
    caplog.set_level(logging.INFO, logger="exporters.servingtls")
    caplog.clear()
    shutil.copyfile(first.key, tmp_path / "tls.key")

    def refused_logged() -> bool:
        served_certificate(srv, ca)  # a new connection is what looks at the files
        return any("still serving" in r.getMessage() for r in caplog.records)

    wait_until(refused_logged, what="the refused pair in the log")
    for _ in range(3):
        assert served_certificate(srv, ca).not_valid_after_utc == renewed.not_after
    assert expiry_served(srv, ca) == renewed.not_after.timestamp()
    refused = [r.getMessage() for r in caplog.records if "still serving" in r.getMessage()]
    assert len(refused) == 1 and "\n" not in refused[0]
    assert "tls_server_config.cert_file/key_file cannot be loaded" in refused[0]
    assert "PRIVATE KEY" not in caplog.text and first.key.read_text()[40:80] not in caplog.text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
            "tls_server_config.cipher_suites: unknown cipher 'TLS_RSA_WITH_RC4_128_SHA'",
        ),
        (
            "  min_version: TLS1.2\n",
            "tls_server_config.min_version='TLS1.2'; use one of TLS10, TLS11, TLS12, TLS13",
        ),
        (
            "http_server_config:\n  headers:\n    Access-Control-Allow-Origin: '*'\n",
            "http_server_config.headers.Access-Control-Allow-Origin cannot be set",
        ),
        (
            "http_server_config:\n  headers:\n    X-Frame-Options: allow-from x\n",
            "http_server_config.headers.X-Frame-Options='allow-from x'; use one of deny, "
            "sameorigin",
        ),
    ],
)
def test_check_config_refuses_an_unknown_cipher_version_or_header(  # type: ignore[no-untyped-def]
    ca, tmp_path: Path, capsys, extra: str, message: str
) -> None:
    serve_as(ca.issue("exporter"), tmp_path)
    path = web_file(tmp_path, extra)
    assert cli.main(["--check-config", "--web.config.file", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
